import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import Logging
import Metrics

/// Runs the Mattermost WebSocket with `SocketResumeMachine`: connects, hands over the events that piled up while the
/// previous ones were being stored as one batch (one transaction: a group commit, as on Slack), backfills after a
/// fresh `hello`, pings, and reconnects with backoff.
struct SocketSession: Sendable {
    let url: String
    let token: String
    let pingInterval: Duration
    let webSockets: WebSocketClient
    let policy: ReconnectPolicy
    let logger: Logger
    /// Stores events read off the socket (each with the instant it was read) in one transaction, in order; false when
    /// they could not be stored (the server is then asked to replay them all).
    let deliver: @Sendable ([(SocketEvent, ContinuousClock.Instant)]) async -> Bool
    /// Where capture stands in each open incident channel. Read before each connection, so events that arrive on it
    /// (even ahead of its `hello`) cannot move the starting point past posts that are still missing.
    let watermark: @Sendable () async -> [BackfillPoint]
    /// Fetches what a fresh server session may have missed since those points.
    let backfill: @Sendable ([BackfillPoint]) async -> Void

    /// Whether a socket is open right now (`/readyz`).
    let connected: ConnectionState

    typealias BackfillPoint = HindsightBot.BackfillPoint

    private enum Signal: Sendable {
        /// A text frame and when it was read off the socket.
        case text(String, ContinuousClock.Instant)
        case closed(WebSocketCloseReason)
        case pingDue
    }

    /// Runs until the task is cancelled.
    func run() async {
        var machine = SocketResumeMachine()
        var pending = machine.start()
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled, !pending.isEmpty {
            let action = pending.removeFirst()
            switch action {
            case let .connect(connectionID, sequenceNumber):
                var target = url
                if let connectionID, let sequenceNumber, !connectionID.isEmpty {
                    target += "?connection_id=\(connectionID)&sequence_number=\(sequenceNumber)"
                }
                let points = await watermark()
                do {
                    let connection = try await webSockets.connect(
                        to: target, headers: [("Authorization", "Bearer \(token)")],
                        configuration: .init(pingInterval: pingInterval, keepAliveTimeout: pingInterval * 3)
                    )
                    logger.info("mattermost websocket connected", metadata: ["resuming": "\(connectionID != nil)"])
                    pending += machine.handle(.connected)
                    setConnected(true)
                    pending += await serve(connection, machine: &machine, watermark: points)
                    setConnected(false)
                } catch {
                    logger.warning("mattermost websocket connect failed", metadata: ["error": "\(error)"])
                    pending += machine.handle(.connectFailed)
                }
            case .reconnect(let failures):
                Counter(label: "hindsight_reconnects_total", dimensions: [("platform", "mattermost")]).increment()
                let delay = policy.delay(afterFailures: failures, random: &random)
                do { try await Task.sleep(for: delay) } catch { return }
                pending += machine.handle(.reconnectDue)
            case .deliver, .backfill, .sendPing, .close:
                break  // socket actions only occur while a connection is served
            }
        }
    }

    private func setConnected(_ up: Bool) {
        connected.flag.withLock { $0 = up }
        Gauge(label: "hindsight_connection_up", dimensions: [("platform", "mattermost")]).record(up ? 1 : 0)
    }

    /// Serves one open connection until it closes; returns the machine's actions after the close.
    private func serve(
        _ connection: WebSocketConnection, machine: inout SocketResumeMachine, watermark points: [BackfillPoint]
    ) async -> [SocketResumeMachine.Action] {
        // Events are stored as they are served: while that falls behind, the socket waits rather than memory filling.
        let signals = Inbox<Signal>(capacity: 1_024)
        let interval = pingInterval
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in connection.events {
                    switch event {
                    case .text(let text):
                        signals.append(.text(text, .now))
                        await signals.waitForRoom()
                    case .binary: break
                    case .closed(let reason): signals.append(.closed(reason))
                    }
                }
                signals.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    signals.append(.pingDue)
                }
            }
            defer { group.cancelAll() }
            let clock = ContinuousClock()
            var lastPing = clock.now
            var unused: [BackfillPoint]? = points
            var afterClose: [SocketResumeMachine.Action]?
            /// Events the machine has let through and that are not stored yet, stored together by `flush`.
            var deliveries: [(SocketEvent, ContinuousClock.Instant)] = []

            /// Stores what is waiting; on failure the machine asks for all of it again (from the first seq).
            func flush() async -> [SocketResumeMachine.Action] {
                guard !deliveries.isEmpty else { return [] }
                defer { deliveries = [] }
                guard await !deliver(deliveries), let seq = deliveries.lazy.compactMap(\.0.seq).first else { return [] }
                return machine.handle(.deliveryFailed(seq: seq))
            }

            /// Performs the machine's actions; deliveries wait for `flush`, which anything else comes after.
            func perform(_ actions: [SocketResumeMachine.Action], received: ContinuousClock.Instant) async {
                var queue = actions
                while !queue.isEmpty {
                    let action = queue.removeFirst()
                    if case .deliver(let event) = action {
                        deliveries.append((event, received))
                        continue
                    }
                    let failed = await flush()
                    if !failed.isEmpty {
                        // What the machine decided after those events no longer holds: it is closing to replay them.
                        queue = failed
                        continue
                    }
                    switch action {
                    case .deliver:
                        break  // taken above
                    case .backfill:
                        // A later hello on the same socket starts from where capture stands then.
                        let since = if let unused { unused } else { await watermark() }
                        unused = nil
                        await backfill(since)
                    case .sendPing(let seq):
                        try? connection.send(text: SocketAction.ping(seq: seq))
                    case .close(let code):
                        logger.info("replacing the mattermost websocket", metadata: ["code": "\(code)"])
                        connection.close(code: code)
                    case .connect, .reconnect:
                        break
                    }
                }
            }

            // A bounded transaction, as on Slack: a long replay is stored in steps, not held in one.
            await signals.drain(limit: Bot.captureBatchLimit) { batch in
                for signal in batch {
                    switch signal {
                    case let .text(text, at):
                        switch try? SocketMessage.decode(text) {
                        case .event(let event)?: await perform(machine.handle(.event(event)), received: at)
                        case let .reply(seqReply, ok)?: await perform(machine.handle(.reply(seqReply: seqReply, ok: ok)), received: at)
                        case nil:
                            Counter(label: "hindsight_frames_rejected_total", dimensions: [("platform", "mattermost")]).increment()
                            logger.warning("rejected a mattermost frame", metadata: ["bytes": "\(text.utf8.count)"])
                        }
                    case .pingDue:
                        // Ticks that piled up behind a long delivery or backfill count once.
                        guard clock.now - lastPing >= interval * 0.9 else { continue }
                        lastPing = clock.now
                        await perform(machine.handle(.pingDue), received: clock.now)
                    case .closed(let reason):
                        // What arrived before the close is stored first.
                        await perform(await flush(), received: clock.now)
                        logger.info("mattermost websocket closed", metadata: ["reason": "\(reason)"])
                        connection.close()
                        afterClose = machine.handle(.closed)
                        return false
                    }
                }
                await perform(await flush(), received: clock.now)
                return true
            }
            if let afterClose { return afterClose }
            // Cancelled: the stream ended without a close.
            connection.close(code: 1001)
            return machine.handle(.stop)
        }
    }
}
