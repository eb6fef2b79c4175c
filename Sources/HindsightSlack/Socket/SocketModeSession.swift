import Foundation
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
struct SocketModeSession: Sendable {
    let api: SlackWebAPI
    let webSockets: WebSocketClient
    let configuration: SlackConfiguration
    let policy: ReconnectPolicy
    let logger: Logger
    /// Handles one envelope; must not block for long (the socket reads the next frame only after it returns).
    let deliver: @Sendable (SocketFrame, Acknowledger) async -> Void
    /// Where each open incident's capture stands, read before a connection that may have missed something opens
    /// (at start, and the moment a connection is lost): later captures cannot move the backfill window past a gap.
    let watermark: @Sendable () async -> BackfillPlan
    /// Fetches what may have been missed since `plan`; called once the new connection says `hello`.
    let backfill: @Sendable (BackfillPlan) async -> Void
    /// Connections that said `hello` and are open (`/readyz`).
    let live: LiveConnections

    private enum Signal: Sendable {
        case hello(link: Int, backfill: BackfillPlan?)
        case replace(link: Int)
        case closed(link: Int)
        case disabled
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
        var random = SystemRandomNumberGenerator()
        await withTaskGroup(of: Void.self) { group in
            var nextLink = 1
            var failures = 0
            var replaced: Set<Int> = []
            let start = await watermark()
            group.addTask { await self.link(1, slot: slot, after: .zero, backfillOnHello: start, sink: sink) }
            for await signal in signals {
                switch signal {
                case let .hello(_, plan):
                    failures = 0
                    if let plan { group.addTask { await self.backfill(plan) } }
                case .replace(let link):
                    guard replaced.insert(link).inserted else { continue }
                    nextLink += 1
                    logger.info("slack asked to refresh the connection; opening the next one first", metadata: ["slot": "\(slot)"])
                    group.addTask { [nextLink] in await self.link(nextLink, slot: slot, after: .zero, backfillOnHello: nil, sink: sink) }
                case .closed(let link):
                    if replaced.remove(link) != nil { continue }  // its successor is already open or opening
                    failures += 1
                    nextLink += 1
                    let plan = await watermark()
                    let delay = policy.delay(afterFailures: failures, random: &random)
                    Counter(label: "hindsight_reconnects_total", dimensions: [("platform", "slack")]).increment()
                    logger.info("reconnecting to slack", metadata: ["slot": "\(slot)", "in": "\(delay)", "failures": "\(failures)"])
                    group.addTask { [nextLink] in await self.link(nextLink, slot: slot, after: delay, backfillOnHello: plan, sink: sink) }
                case .disabled:
                    logger.error("Slack disabled Socket Mode for this app (link_disabled): turn Socket Mode back on in the app's settings (Deploy/slack/README.md) and restart Hindsight. Not reconnecting.")
                    sink.finish()
                }
            }
            group.cancelAll()
        }
    }

    /// One connection from open to close; always ends with `.closed` unless cancelled.
    private func link(_ link: Int, slot: Int, after delay: Duration, backfillOnHello: BackfillPlan?, sink: AsyncStream<Signal>.Continuation) async {
        if delay > .zero {
            do { try await Task.sleep(for: delay) } catch { return }
        }
        do {
            var url = try await api.openConnection()
            if configuration.debugReconnects { url += "&debug_reconnects=true" }
            let connection = try await webSockets.connect(
                to: url, configuration: .init(pingInterval: configuration.pingInterval, keepAliveTimeout: configuration.keepAliveTimeout)
            )
            await serve(connection, link: link, backfillOnHello: backfillOnHello, sink: sink)
        } catch let error as SlackAPIError {
            logger.warning("could not open a slack connection", metadata: ["slot": "\(slot)", "error": "\(error)"])
        } catch {
            logger.warning("could not connect the slack websocket", metadata: ["slot": "\(slot)", "error": "\(error)"])
        }
        if !Task.isCancelled { sink.yield(.closed(link: link)) }
    }

    private func serve(_ connection: WebSocketConnection, link: Int, backfillOnHello: BackfillPlan?, sink: AsyncStream<Signal>.Continuation) async {
        let ack = Acknowledger(connection: connection)
        let helloTimeout = configuration.helloTimeout
        let logger = self.logger
        // A server that accepts the socket but never says hello is as good as down.
        let watchdog = Task {
            try await Task.sleep(for: helloTimeout)
            logger.warning("slack socket said no hello; replacing it", metadata: ["after": "\(helloTimeout)"])
            connection.close(code: 1000)
        }
        var saidHello = false
        defer {
            watchdog.cancel()
            if saidHello { live.change(by: -1) }
            connection.close()
        }
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
                    guard !saidHello else { continue }
                    saidHello = true
                    watchdog.cancel()
                    live.change(by: 1)
                    logger.info("slack socket connected", metadata: ["link": "\(link)"])
                    sink.yield(.hello(link: link, backfill: backfillOnHello))
                case .disconnect(let reason):
                    logger.info("slack disconnect notice", metadata: ["reason": "\(reason)"])
                    sink.yield(reason == "link_disabled" ? .disabled : .replace(link: link))
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

/// Where backfill starts in each channel: the time of the newest message captured there (Slack channel id → date).
struct BackfillPlan: Sendable, Equatable {
    /// Per channel: where capture stands (the newest captured message).
    var since: [String: Date] = [:]
    /// Per channel: the open incident's start, from where thread parents with new replies are looked for.
    var incidentStart: [String: Date] = [:]
    /// Per channel: thread parents the incident has seen replies to (their parent may be older than the incident).
    var threads: [String: Set<String>] = [:]

    /// Both plans' channels, each from the earlier of the two times, with the threads of both.
    func merged(with other: BackfillPlan) -> BackfillPlan {
        BackfillPlan(
            since: since.merging(other.since) { min($0, $1) }, incidentStart: incidentStart.merging(other.incidentStart) { min($0, $1) },
            threads: threads.merging(other.threads) { $0.union($1) }
        )
    }

    /// The part of the plan for one channel (to retry it alone).
    func only(_ channel: String) -> BackfillPlan {
        BackfillPlan(
            since: since.filter { $0.key == channel }, incidentStart: incidentStart.filter { $0.key == channel },
            threads: threads.filter { $0.key == channel }
        )
    }
}
