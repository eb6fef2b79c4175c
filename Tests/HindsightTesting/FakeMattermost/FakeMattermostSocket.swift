import Foundation

/// The fake's WebSocket side: one server-side "connection" (session) per `connection_id` with its `seq` counter and
/// the last 128 events, replayed when the client reconnects with `connection_id` + `sequence_number`.
public actor FakeMattermostSocket {
    struct Session {
        var id: String
        var nextSeq = 0
        var buffer: [(seq: Int, text: String)] = []
        var connection: TestWebSocketConnection?
    }

    /// What happened on connects, for assertions.
    public struct Stats: Sendable, Equatable {
        public var connections = 0
        public var freshHellos = 0
        public var resumed = 0
        public var replayedEvents = 0
        public var pings = 0
        public var challenges = 0
    }

    static let bufferSize = 128

    private let token: String
    private let botUserID: String
    private var sessions: [String: Session] = [:]
    private var live: String?
    private(set) var stats = Stats()
    private var held: [TestWebSocketConnection] = []
    private var holding = false
    private var answersPingActions = true
    /// Whether every connected session gets every event, as Mattermost sends each event to every websocket of the user
    /// (replicas of the bot each hold one); otherwise only the newest session, which a single bot's reconnect replaces.
    private var fanOut = false
    private var statsWaiters: [(predicate: @Sendable (Stats) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    init(token: String, botUserID: String) {
        self.token = token
        self.botUserID = botUserID
    }

    /// A client connected: authenticate, then resume or start a fresh session.
    func accept(_ connection: TestWebSocketConnection) async {
        if holding {
            held.append(connection)
            return
        }
        stats.connections += 1
        let authorised = connection.request.header("Authorization") == "Bearer \(token)"
        Task { await self.serveClientMessages(connection, headerAuthorised: authorised) }
        guard authorised else { return }  // waits for authentication_challenge (never resumes)
        let query = Self.query(connection.request.query)
        if let id = query["connection_id"], let next = query["sequence_number"].flatMap(Int.init) {
            await resume(connection, id: id, from: next)
        } else {
            await startFresh(connection)
        }
        notifyStats()
    }

    private func resume(_ connection: TestWebSocketConnection, id: String, from next: Int) async {
        guard var session = sessions[id] else { return await startFresh(connection) }
        if next > session.nextSeq {
            try? await connection.close(code: 1008, reason: "bad sequence_number")
            return
        }
        let oldest = session.buffer.first?.seq ?? session.nextSeq
        guard next >= oldest else { return await startFresh(connection) }  // events were lost: start over
        stats.resumed += 1
        if !fanOut, let other = live, other != id { sessions[other]?.connection = nil }
        session.connection = nil
        sessions[id] = session
        live = id
        // Replay until caught up, then attach: events posted during the replay are sent in seq order too.
        var sent = next
        while let missed = sessions[id]?.buffer.filter({ $0.seq >= sent }), !missed.isEmpty {
            for event in missed {
                stats.replayedEvents += 1
                try? await connection.sendText(event.text)
                sent = event.seq + 1
            }
        }
        sessions[id]?.connection = connection
    }

    private func startFresh(_ connection: TestWebSocketConnection) async {
        stats.freshHellos += 1
        if !fanOut, let other = live { sessions[other]?.connection = nil }
        let id = FakeMattermostID.make()
        sessions[id] = Session(id: id, connection: connection)
        live = id
        send(event: "hello", data: .object(["server_version": .string("9.11.0.fake"), "connection_id": .string(id)]), channelID: "", to: id)
    }

    /// Sends an event to the live session (or buffers it there while the client is away); with fan-out, to every
    /// session with a connection as well.
    func send(event name: String, data: FakeJSON, channelID: String) {
        let others = fanOut ? sessions.values.filter { $0.connection != nil && $0.id != live }.map(\.id) : []
        for id in (live.map { [$0] } ?? []) + others.sorted() { send(event: name, data: data, channelID: channelID, to: id) }
    }

    /// Sends every event to each connected session (replicas of the bot), not only the newest.
    func fanOut(_ on: Bool) {
        fanOut = on
    }

    private func send(event name: String, data: FakeJSON, channelID: String, to id: String) {
        guard var session = sessions[id] else { return }
        let seq = session.nextSeq
        session.nextSeq += 1
        let broadcast: FakeJSON = .object([
            "omit_users": .null, "user_id": .string(name == "hello" ? botUserID : ""),
            "channel_id": .string(channelID), "team_id": .string(""),
        ])
        let text = FakeJSON.object(["event": .string(name), "data": data, "broadcast": broadcast, "seq": .number(Double(seq))]).text
        session.buffer.append((seq, text))
        if session.buffer.count > Self.bufferSize { session.buffer.removeFirst(session.buffer.count - Self.bufferSize) }
        sessions[id] = session
        // Written before the next event can take a seq: Mattermost's socket delivers in seq order (hello first).
        session.connection?.enqueueText(text)
    }

    /// Closes the live client's TCP connection without a close frame; events keep buffering for a resume.
    func dropConnection() async {
        guard let id = live, let connection = sessions[id]?.connection else { return }
        sessions[id]?.connection = nil
        await connection.dropAbruptly()
    }

    /// Forgets every session (as after a server restart): the next connect gets a fresh `hello`.
    func forgetSessions() {
        sessions = [:]
        live = nil
    }

    /// While holding, new connections wait unanswered (events posted meanwhile are buffered for replay).
    func hold(_ on: Bool) async {
        holding = on
        if !on {
            let waiting = held
            held = []
            for connection in waiting { await accept(connection) }
        }
    }

    /// When false, `ping` actions get no reply (a silent server the client must replace).
    func answerPings(_ on: Bool) {
        answersPingActions = on
    }

    /// Waits until the stats satisfy `predicate`.
    func waitFor(_ predicate: @escaping @Sendable (Stats) -> Bool) async {
        if predicate(stats) { return }
        await withCheckedContinuation { statsWaiters.append((predicate, $0)) }
    }

    private func notifyStats() {
        let ready = statsWaiters.filter { $0.predicate(stats) }
        statsWaiters.removeAll { $0.predicate(stats) }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Answers client actions: `ping` → pong, `authentication_challenge` → OK then a fresh hello.
    private func serveClientMessages(_ connection: TestWebSocketConnection, headerAuthorised: Bool) async {
        for await text in connection.messages {
            guard let frame = FakeJSON.parse(Data(text.utf8)), case .number(let seq)? = frame["seq"] else { continue }
            switch frame["action"]?.string {
            case "ping":
                stats.pings += 1
                guard answersPingActions else { break }
                try? await connection.sendText(FakeJSON.object([
                    "status": .string("OK"), "seq_reply": .number(seq),
                    "data": .object(["text": .string("pong"), "version": .string("9.11.0.fake")]),
                ]).text)
            case "authentication_challenge" where !headerAuthorised:
                stats.challenges += 1
                let ok = frame["data"]?["token"]?.string == token
                try? await connection.sendText(FakeJSON.object([
                    "status": .string(ok ? "OK" : "FAIL"), "seq_reply": .number(seq),
                ]).text)
                if ok { await startFresh(connection) } else { try? await connection.close(code: 1008) }
            default:
                try? await connection.sendText(FakeJSON.object([
                    "status": .string("FAIL"), "seq_reply": .number(seq),
                    "error": .object(["id": .string("api.web_socket_router.bad_action.app_error"), "status_code": .number(500)]),
                ]).text)
            }
            notifyStats()
        }
    }

    static func query(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]).removingPercentEncoding }
        }
        return result
    }
}
