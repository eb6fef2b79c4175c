import Foundation
import HindsightCore
import Logging
import Metrics
import ServiceLifecycle

/// Keeps each incident's live card in its channel: one `CardMachine` per incident, fed by what the bot commits
/// (`Bot.cardSignals`) and by what its own platform calls came to. Incidents on a platform without a `CardSurface`
/// (the console, webhooks only) get none; `/postmortem status` shows the same card there.
public final class CardKeeper: Service, Sendable {
    private let bot: Bot
    private let surfaces: [Platform: any CardSurface]
    private let interval: TimeInterval
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - interval: the shortest time between two edits of one card (2 s: well inside Slack's and Mattermost's limits
    ///     for editing one message, and still live to a reader).
    public init(
        bot: Bot, surfaces: [Platform: any CardSurface], interval: TimeInterval = 2, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.bot = bot
        self.surfaces = surfaces
        self.interval = interval
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    private enum Input: Sendable {
        case event(IncidentID, CardMachine.Event)
        case deleted(ChannelKey, messageID: String)
    }

    /// Keeps cards until cancelled or the service group shuts down.
    public func run() async throws {
        guard !surfaces.isEmpty else { return }
        await cancelWhenGracefulShutdown { await self.keep() }
    }

    private func keep() async {
        let (inputs, sink) = AsyncStream.makeStream(of: Input.self)
        await withDiscardingTaskGroup { group in
            group.addTask { [bot] in
                for await _ in bot.cardSignals.arrivals {
                    let batch = bot.cardSignals.take()
                    for id in batch.changed { sink.yield(.event(id, .changed)) }
                    for deletion in batch.deleted { sink.yield(.deleted(deletion.channel, messageID: deletion.messageID)) }
                }
                sink.finish()
            }
            var machines: [IncidentID: CardMachine] = [:]
            var channels: [IncidentID: ChannelKey] = [:]
            /// Incidents on a platform without cards: their signals are dropped at once.
            var cardless: Set<IncidentID> = []
            for await input in inputs {
                switch input {
                case let .event(id, event):
                    guard !cardless.contains(id) else { continue }
                    if case let .rendered(card?, _) = event {
                        guard surfaces[card.channel.platform] != nil else {
                            cardless.insert(id)
                            machines[id] = nil
                            continue
                        }
                        channels[id] = card.channel
                    }
                    var machine = machines[id] ?? CardMachine(interval: interval)
                    let actions = machine.handle(event, now: now())
                    machines[id] = machine
                    for action in actions { perform(action, for: id, in: channels[id], &group, sink) }
                case let .deleted(channel, messageID):
                    for (id, machineChannel) in channels where machineChannel == channel {
                        guard var machine = machines[id] else { continue }
                        let actions = machine.handle(.deleted(messageID: messageID), now: now())
                        machines[id] = machine
                        for action in actions { perform(action, for: id, in: channels[id], &group, sink) }
                    }
                }
            }
            group.cancelAll()
        }
    }

    private func perform(
        _ action: CardMachine.Action, for id: IncidentID, in channel: ChannelKey?, _ group: inout DiscardingTaskGroup,
        _ sink: AsyncStream<Input>.Continuation
    ) {
        switch action {
        case .render:
            group.addTask { [bot, now, logger] in
                do {
                    let found = try await bot.card(of: id, now: now())
                    sink.yield(.event(id, .rendered(found?.card, storedMessage: found?.message)))
                } catch {
                    logger.warning("could not read an incident card", metadata: ["incident": "\(id)", "error": "\(error)"])
                    sink.yield(.event(id, .failed(retryAfter: nil)))
                }
            }
        case let .post(card):
            guard let surface = surfaces[card.channel.platform] else { return }
            group.addTask { [logger] in
                do throws(CardSurfaceError) {
                    let message = try await surface.post(card)
                    Counter(label: "hindsight_card_updates_total", dimensions: [("kind", "post")]).increment()
                    sink.yield(.event(id, .posted(messageID: message)))
                } catch {
                    logger.warning("could not post an incident card", metadata: ["incident": "\(id)", "error": "\(error)"])
                    sink.yield(.event(id, .failed(retryAfter: error.retryAfter)))
                }
            }
        case let .pin(message):
            guard let channel, let surface = surfaces[channel.platform] else { return }
            group.addTask { [logger] in
                do { try await surface.pin(message, in: channel) } catch {
                    logger.warning("could not pin an incident card", metadata: ["incident": "\(id)", "error": "\(error)"])
                }
            }
        case let .remember(message):
            group.addTask { [bot, logger] in
                do { try await bot.rememberCard(message, of: id) } catch {
                    logger.warning("could not store where an incident card is", metadata: ["incident": "\(id)", "error": "\(error)"])
                }
            }
        case let .edit(message, card):
            guard let surface = surfaces[card.channel.platform] else { return }
            group.addTask { [logger] in
                do throws(CardSurfaceError) {
                    try await surface.edit(message, card)
                    Counter(label: "hindsight_card_updates_total", dimensions: [("kind", "edit")]).increment()
                    sink.yield(.event(id, .edited))
                } catch .gone {
                    logger.info("incident card deleted: posting it again", metadata: ["incident": "\(id)"])
                    sink.yield(.event(id, .gone))
                } catch {
                    logger.warning("could not edit an incident card", metadata: ["incident": "\(id)", "error": "\(error)"])
                    sink.yield(.event(id, .failed(retryAfter: error.retryAfter)))
                }
            }
        case let .wake(at):
            group.addTask { [sleep, now] in
                let wait = max(0, at.timeIntervalSince(now()))
                do { try await sleep(.milliseconds(Int64((wait * 1000).rounded(.up)))) } catch { return }
                sink.yield(.event(id, .due))
            }
        }
    }
}

extension CardSurfaceError {
    var retryAfter: Duration? {
        if case let .rateLimited(retryAfter) = self { retryAfter } else { nil }
    }
}
