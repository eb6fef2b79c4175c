import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import HindsightServer
import Logging
import ServiceLifecycle
import Synchronization

/// The Mattermost channel adapter: captures incident channels from the WebSocket API (resuming with
/// `connection_id`/`sequence_number`, backfilling over REST after a fresh session), answers `/postmortem` and
/// dialogs through `routes` (mount them on the bot's HTTP server), and posts replies over REST.
public final class MattermostAdapter: Service, Sendable {
    private let configuration: MattermostConfiguration
    private let bot: Bot
    private let webSockets: WebSocketClient
    private let logger: Logger
    private let rest: MattermostREST
    private let directory: UserDirectory
    private let pending = PendingReplies()
    private let reconnectPolicy: ReconnectPolicy
    private let commandRoutes: CommandRoutes
    /// Shared with the socket session (a `Mutex` lives in a class, so both see the same flag).
    private let connectionState = ConnectionState()
    private let backfillStatus = BackfillStatus()
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date

    /// Creates the adapter; nothing connects until `run()`.
    /// - Parameters:
    ///   - http: the HTTP client for REST calls.
    ///   - reconnectPolicy: backoff between reconnects (default: Mattermost webapp-like, 3 s growing to 5 min).
    ///   - callbacks: signs the tokens in buttons and dialogs and checks them when Mattermost calls back.
    ///   - sleep: how 429 waits and backfill retry backoffs are spent (tests make them instant).
    public init(
        configuration: MattermostConfiguration, bot: Bot, http: any MattermostHTTPTransport, webSockets: WebSocketClient,
        logger: Logger, callbacks: CallbackSigner,
        reconnectPolicy: ReconnectPolicy = ReconnectPolicy(initialDelay: .seconds(3), maximumDelay: .seconds(300)),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        var logger = logger
        logger[metadataKey: "platform"] = "mattermost"
        self.configuration = configuration
        self.bot = bot
        self.webSockets = webSockets
        self.logger = logger
        self.reconnectPolicy = reconnectPolicy
        self.sleep = sleep
        self.now = now
        let rest = MattermostREST(baseURL: configuration.serverURL, token: configuration.token, transport: http, logger: logger, sleep: sleep)
        self.rest = rest
        let directory = UserDirectory(rest: rest, logger: logger)
        self.directory = directory
        commandRoutes = CommandRoutes(
            bot: bot, rest: rest, names: directory, configuration: configuration, pending: pending, logger: logger,
            callbacks: callbacks, now: now
        )
    }

    /// True while the WebSocket is open (for `/readyz`).
    public var isConnected: Bool { connectionState.flag.withLock { $0 } }

    /// While a backfill runs or waits to be retried, what it has done and what is missing (for `/readyz`); else nil.
    public var backfillSummary: String? { backfillStatus.summary(now: now()) }

    /// Posts replies in a channel for something that did not come from Mattermost (alerts, reminders, held replies
    /// another process did not post); they are queued and posted in order once the adapter runs. `userID` is who
    /// they answer, if anyone.
    public func post(_ replies: [Reply], in channelID: String, for userID: String? = nil) {
        for reply in replies { pending.enqueue(reply, channelID: channelID, userID: userID) }
    }

    /// How incidents get channels of their own on Mattermost.
    public var channelMaker: any ChannelMaker { MattermostChannelMaker(rest: rest) }

    /// Where incident cards go on Mattermost.
    public var cardSurface: any CardSurface { MattermostCardSurface(rest: rest, poster: commandRoutes.poster()) }

    /// The slash command, dialog and button endpoints, to register on the bot's HTTP server.
    public var routes: some HTTPRoutes { commandRoutes }

    /// Identifies the bot (`users/me`), then captures and posts until cancelled or its service group shuts down;
    /// returns normally then.
    /// - Throws: `MattermostStartupError` when the token is refused or the server cannot be reached.
    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.serve() }
    }

    private func serve() async throws {
        let me: MattermostUser
        do {
            me = try await rest.me()
        } catch {
            // Asked to stop while still starting (SIGTERM right after launch): a graceful stop, not a startup failure.
            if Task.isCancelled { return }
            throw MattermostStartupError(serverURL: configuration.serverURL, cause: error)
        }
        await directory.remember(me)
        logger.info("mattermost bot identified", metadata: ["user": "\(me.username)"])
        let translator = EventTranslator(botUserID: me.id, serverURL: configuration.serverURL)
        let backfills = BackfillCoordinator(
            platform: .mattermost, bot: bot, status: backfillStatus, logger: logger,
            backoff: { [reconnectPolicy] in reconnectPolicy.delay(afterFailures: $0) },
            sleep: sleep, now: now, replies: { [self] replies, input in self.enqueue(replies, for: input) },
            make: { [rest, directory, logger, now] point in
                MattermostChannelBackfill(point: point, rest: rest, translator: translator, names: directory, logger: logger, now: now)
            }
        )
        let committer = CaptureCommitter(bot: bot, platform: .mattermost, logger: logger, hooks: .init(
            replies: { [self] replies, input in self.enqueue(replies, for: input) },
            answered: { _ in }  // no mark on Mattermost (as before): the reply in the channel says it was taken
        ))
        let session = SocketSession(
            url: configuration.webSocketURL, token: configuration.token, pingInterval: configuration.pingInterval,
            webSockets: webSockets, policy: reconnectPolicy, logger: logger,
            deliver: { [self] events in await self.capture(events, translator: translator, committer) },
            watermark: { await backfills.watermark() },
            backfill: { points in await backfills.backfill(points) },
            connected: connectionState
        )
        let poster = commandRoutes.poster()
        let (pending, bot) = (self.pending, self.bot)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in pending.stream {
                    await bot.posted(item.reply, settled: await poster.post(item.reply, channelID: item.channelID, userID: item.userID))
                }
            }
            group.addTask { await session.run() }
            group.addTask { await backfills.retryFailed() }
            await group.waitForAll()
        }
    }

    /// Stores live or replayed events in one transaction; false if the store failed (so they are replayed, not lost).
    private func capture(
        _ events: [(SocketEvent, ContinuousClock.Instant)], translator: EventTranslator, _ committer: CaptureCommitter
    ) async -> Bool {
        var deliveries: [CaptureCommitter.Delivery] = []
        for (event, at) in events {
            do {
                deliveries.append(.init(inputs: try await translator.inputs(for: event, names: directory), receivedAt: at))
            } catch {
                logger.warning("skipped an undecodable mattermost event", metadata: ["event": "\(event.name)", "error": "\(error)"])
            }
        }
        // Nothing to acknowledge: the socket machine moves its sequence on when this returns true.
        let committed = await committer.commit(deliveries)
        if committed { await addPinned(deliveries.flatMap(\.inputs), translator: translator) }
        return committed
    }

    /// A 📌 on a post the timeline does not have (said before the incident started, or in another channel) puts it there
    /// at its own time, as `/postmortem pin <link>` does; a 📌 on a captured post was pinned by capture itself.
    private func addPinned(_ inputs: [CaptureInput], translator: EventTranslator) async {
        for case let .reaction(channel, postID, emoji, person, true, false) in inputs where bot.isKeyEmoji(emoji) {
            guard (try? await bot.storedMessages([postID], in: channel))?.isEmpty == true,
                  let post = try? await rest.post(postID), let message = await translator.message(post, names: directory)
            else { continue }
            let link = configuration.serverURL + "/_redirect/pl/" + postID
            let replies = await bot.add(TimelineAddition(message: message, link: link, by: person, askedIn: channel, at: now(), ownChannelOnly: true))
            for reply in replies { pending.enqueue(reply, channelID: channel.channelID, userID: person.id) }
        }
    }

    private func enqueue(_ replies: [Reply], for input: CaptureInput) {
        for reply in replies { pending.enqueue(reply, channelID: input.channel.channelID, userID: input.authorID) }
    }
}

/// Mattermost could not be used at startup; the description says what to fix.
public struct MattermostStartupError: Error, CustomStringConvertible {
    public var serverURL: String
    public var cause: MattermostAPIError

    public init(serverURL: String, cause: MattermostAPIError) {
        self.serverURL = serverURL
        self.cause = cause
    }

    public var description: String {
        switch cause {
        case .unauthorized:
            "Mattermost at \(serverURL) rejected MATTERMOST_TOKEN (401 on /api/v4/users/me): create a bot account access token (System Console → Integrations → Bot Accounts) and set MATTERMOST_TOKEN to it."
        default:
            "Could not identify the bot on Mattermost at \(serverURL): \(cause)"
        }
    }
}

/// A flag shared between the adapter and its socket session.
final class ConnectionState: Sendable {
    let flag = Mutex(false)
}
