import Foundation
import HindsightBot
import HindsightNet
import Logging
import Metrics
import Synchronization

/// Sends the acknowledgement of one envelope on the connection it came in on.
struct Acknowledger: Sendable {
    let connection: WebSocketConnection

    /// Sends `{"envelope_id":…}` with an optional response payload (JSON). A closed socket is not an error: Slack
    /// delivers an unacknowledged event again, on another connection.
    func callAsFunction(_ envelopeID: String, payload: Data? = nil) {
        try? connection.send(text: SocketFrame.ack(envelopeID, payload: payload))
    }
}

/// Runs `connections` Socket Mode slots. Each slot opens a connection (`apps.connections.open`, then the websocket),
/// hands envelopes to `deliver`, and keeps a connection up:
/// - on `warning` / `refresh_requested` it opens the next connection **before** the old one closes, and the old one
///   keeps delivering until Slack closes it, so nothing is missed;
/// - on an abrupt loss (or a socket that never says `hello`) it reconnects with backoff and jitter, and asks for a
///   backfill once the new connection says `hello`;
/// - on `link_disabled` it stops and says why (reconnecting would loop).
///
/// The decisions are `SocketModeMachine`'s; this driver feeds it socket events and timer firings (on `clock`) and
/// performs what it returns.
struct SocketModeSession: Sendable {
    let api: SlackWebAPI
    let webSockets: WebSocketClient
    let configuration: SlackConfiguration
    let policy: ReconnectPolicy
    /// Runs the hello timeout and the reconnect backoff.
    let clock: any Clock<Duration>
    let logger: Logger
    /// Handles one envelope; must not block for long (the socket reads the next frame only after it returns).
    let deliver: @Sendable (SocketFrame, Acknowledger) async -> Void
    /// Where each open incident's capture stands, read before a connection that may have missed something opens
    /// (at start, and the moment a connection is lost): later captures cannot move the backfill window past a gap.
    let watermark: @Sendable () async -> [BackfillPoint]
    /// Fetches what may have been missed since the points; called once the new connection says `hello`.
    let backfill: @Sendable ([BackfillPoint]) async -> Void
    /// Connections that said `hello` and are open (`/readyz`).
    let live: LiveConnections
    /// The first connection, if it was opened while the bot started.
    var headStart: SlackHeadStart? = nil

    typealias Link = SocketModeMachine.Link

    /// What a slot's tasks report to its driver loop, in the order they happened.
    private enum Signal: Sendable {
        case opened(Link, WebSocketConnection)
        case input(SocketModeMachine.Input)
        case timerFired(Timer)
    }

    private enum Timer: Hashable, Sendable {
        case hello(Link)
        case backoff
    }

    /// Runs until the task is cancelled, or until Slack disables Socket Mode.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<configuration.connections {
                group.addTask { await self.runSlot(slot) }
            }
        }
    }

    private func runSlot(_ slot: Int) async {
        let (signals, sink) = AsyncStream.makeStream(of: Signal.self)
        var logger = self.logger
        logger[metadataKey: "slot"] = "\(slot)"
        var driver = SlotDriver(
            session: self, logger: logger, sink: sink,
            machine: SocketModeMachine(policy: policy, helloTimeout: configuration.helloTimeout, random: SystemRandomNumberGenerator())
        )
        await withDiscardingTaskGroup { group in
            var running = await driver.feed(.started, in: &group)
            var pending = signals.makeAsyncIterator()
            while running {
                guard let signal = await pending.next() else {
                    _ = await driver.feed(.shutdown, in: &group)  // cancelled
                    break
                }
                running = await driver.receive(signal, in: &group)
            }
            group.cancelAll()
        }
    }

    /// One slot's machine and what its actions need: the open sockets and the armed timers.
    private struct SlotDriver {
        let session: SocketModeSession
        let logger: Logger
        let sink: AsyncStream<Signal>.Continuation
        var machine: SocketModeMachine
        var connections: [Link: WebSocketConnection] = [:]
        /// A task group cannot cancel one child: a cancelled timer still fires, and its firing is dropped here.
        var armed: Set<Timer> = []

        /// Handles what a task reported; false once the slot has stopped.
        mutating func receive(_ signal: Signal, in group: inout DiscardingTaskGroup) async -> Bool {
            switch signal {
            case let .opened(link, connection):
                connections[link] = connection
                return await feed(.linkOpened(link), in: &group)
            case .input(let input):
                switch input {
                case .openFailed(let link), .linkClosed(let link): connections[link] = nil
                case .started, .watermarkRead, .linkOpened, .helloReceived, .disconnectNotice, .helloTimerFired,
                     .backoffElapsed, .shutdown:
                    break
                }
                return await feed(input, in: &group)
            case .timerFired(let timer):
                guard armed.remove(timer) != nil else { return true }
                switch timer {
                case .hello(let link): return await feed(.helloTimerFired(link), in: &group)
                case .backoff: return await feed(.backoffElapsed, in: &group)
                }
            }
        }

        /// Feeds the machine and performs its actions, and those of the inputs they produce; false once stopped.
        mutating func feed(_ input: SocketModeMachine.Input, in group: inout DiscardingTaskGroup) async -> Bool {
            var actions = machine.handle(input)
            while !actions.isEmpty {
                switch actions.removeFirst() {
                case .readWatermark:
                    actions += machine.handle(.watermarkRead(await session.watermark()))
                case let .openLink(link, cause):
                    if cause == .refresh { logger.info("slack asked to refresh the connection; opening the next one first") }
                    group.addTask { [session, logger, sink] in await session.link(link, logger: logger, sink: sink) }
                case let .startHelloTimer(link, delay):
                    start(.hello(link), after: delay, in: &group)
                case .cancelHelloTimer(let link):
                    armed.remove(.hello(link))
                case .closeLink(let link):
                    logger.warning("slack socket said no hello; replacing it", metadata: ["after": "\(machine.helloTimeout)"])
                    connections[link]?.close(code: 1000)
                case let .scheduleReconnect(delay, failures):
                    Counter(label: "hindsight_reconnects_total", dimensions: [("platform", "slack")]).increment()
                    logger.info("reconnecting to slack", metadata: ["in": "\(delay)", "failures": "\(failures)"])
                    start(.backoff, after: delay, in: &group)
                case .runBackfill(let plan):
                    group.addTask { [session] in await session.backfill(plan) }
                case .changeLive(let delta):
                    session.live.change(by: delta)
                case .stop(.linkDisabled):
                    logger.error("Slack disabled Socket Mode for this app (link_disabled): turn Socket Mode back on in the app's settings (Deploy/slack/README.md) and restart Hindsight. Not reconnecting.")
                    return false
                case .stop(.shutdown):
                    return false
                case .unexpected(let input):
                    logger.warning("slack socket lifecycle got an input its state cannot receive", metadata: ["input": "\(input)", "state": "\(machine.state)"])
                }
            }
            return true
        }

        private mutating func start(_ timer: Timer, after delay: Duration, in group: inout DiscardingTaskGroup) {
            armed.insert(timer)
            group.addTask { [clock = session.clock, sink] in
                do { try await clock.sleep(for: delay) } catch { return }
                sink.yield(.timerFired(timer))
            }
        }
    }

    /// One connection from open to close; reports `.opened` then what it says and ends with `.linkClosed`, or
    /// reports `.openFailed`; nothing once cancelled.
    private func link(_ link: Link, logger: Logger, sink: AsyncStream<Signal>.Continuation) async {
        let connection: WebSocketConnection
        do {
            if let early = await headStart?.takeConnection() {
                connection = early
            } else {
                connection = try await Self.connect(api: api, webSockets: webSockets, configuration: configuration)
            }
        } catch let error as SlackAPIError {
            logger.warning("could not open a slack connection", metadata: ["error": "\(error)"])
            if !Task.isCancelled { sink.yield(.input(.openFailed(link))) }
            return
        } catch {
            logger.warning("could not connect the slack websocket", metadata: ["error": "\(error)"])
            if !Task.isCancelled { sink.yield(.input(.openFailed(link))) }
            return
        }
        sink.yield(.opened(link, connection))
        await serve(connection, link: link, logger: logger, sink: sink)
        if !Task.isCancelled { sink.yield(.input(.linkClosed(link))) }
    }

    /// Asks Slack for a Socket Mode URL (`apps.connections.open`) and opens the websocket to it.
    static func connect(api: SlackWebAPI, webSockets: WebSocketClient, configuration: SlackConfiguration) async throws -> WebSocketConnection {
        var url = try await api.openConnection()
        if configuration.debugReconnects { url += "&debug_reconnects=true" }
        return try await webSockets.connect(
            to: url, configuration: .init(pingInterval: configuration.pingInterval, keepAliveTimeout: configuration.keepAliveTimeout)
        )
    }

    private func serve(_ connection: WebSocketConnection, link: Link, logger: Logger, sink: AsyncStream<Signal>.Continuation) async {
        let ack = Acknowledger(connection: connection)
        defer { connection.close() }
        for await event in connection.events {
            switch event {
            case .text(let text):
                let frame: SocketFrame
                do { frame = try SocketFrame.decode(text) } catch {
                    rejected(reason: "\(error)")
                    continue
                }
                switch frame {
                case .hello:
                    logger.info("slack socket connected", metadata: ["link": "\(link)"])
                    sink.yield(.input(.helloReceived(link)))
                case .disconnect(let reason):
                    logger.info("slack disconnect notice", metadata: ["reason": "\(reason)"])
                    sink.yield(.input(.disconnectNotice(link, .init(reason: reason))))
                case let .unreadable(envelopeID, type, reason):
                    rejected(reason: "\(type): \(reason)")
                    ack(envelopeID)  // it will never read better on a retry
                case .events, .slashCommand, .interactive:
                    await deliver(frame, ack)
                }
            case .binary:
                continue
            case .closed(let reason):
                logger.info("slack socket closed", metadata: ["link": "\(link)", "reason": "\(reason)"])
                return
            }
        }
    }

    private func rejected(reason: String) {
        Counter(label: "hindsight_frames_rejected_total", dimensions: [("platform", "slack")]).increment()
        logger.warning("rejected a slack frame", metadata: ["reason": "\(reason.prefix(200))"])
    }
}

/// How many Socket Mode connections are open and past `hello`.
final class LiveConnections: Sendable {
    private let count = Mutex(0)

    func change(by delta: Int) {
        let now = count.withLock { value in
            value += delta
            return value
        }
        Gauge(label: "hindsight_connection_up", dimensions: [("platform", "slack")]).record(now > 0 ? 1 : 0)
    }

    var isUp: Bool { count.withLock { $0 > 0 } }
}
