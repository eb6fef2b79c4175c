import Foundation

/// The fake's Socket Mode side: connections with their `hello`, envelopes spread round-robin over the live ones,
/// acks, and redelivery of unacknowledged `events_api` envelopes with a new `envelope_id` and the same `event_id`.
actor FakeSlackSocket {
    /// Where a connection is in its life; only `live` ones get envelopes.
    enum Phase {
        case awaitingHello, live, refreshing, stalled, closing
    }

    struct Link {
        let connection: TestWebSocketConnection
        var phase: Phase
    }

    enum EnvelopeKind {
        /// An `events_api` envelope carrying this `event_id`.
        case event(String)
        /// A slash command or interactive payload: answered once, never redelivered.
        case request
    }

    struct Envelope {
        let kind: EnvelopeKind
        let sentAt: ContinuousClock.Instant
        var ack: FakeSlackAck?
    }

    /// An `event_callback` payload, encoded once (`FakeSlack.eventCallback`); each envelope is written around it.
    struct Payload: Sendable {
        let eventID: String
        let text: String
        /// The `ts` of the event it carries, for a test's failure message (`deliveryHistory`).
        let messageTS: String?
    }

    /// One event's journey through its envelopes.
    struct Delivery {
        let payload: Payload
        /// When each attempt was written, and to which connection.
        var sends: [(at: ContinuousClock.Instant, link: Int)] = []
        var attempt = 0
        var latestEnvelope: String?
        var acked = false
        var givenUp = false

        /// Records attempt `attempt` going out in envelope `envelopeID` on connection `link`; returns the payload's text.
        mutating func send(_ envelopeID: String, attempt: Int, at time: ContinuousClock.Instant, on link: Int) -> String {
            sends.append((time, link))
            self.attempt = attempt
            latestEnvelope = envelopeID
            return payload.text
        }
    }

    /// Deadlines, run by `runTimers` in the fake's task tree.
    enum Deadline: Sendable {
        /// The ack deadlines due by now (`ackDeadlines`).
        case ackDeadlines
        case closeAfterRefresh(linkID: Int)
        case ackWait(envelopeID: String)
        case statsWait(waiterID: Int)
    }

    private let configuration: FakeSlack.Configuration
    private let started = ContinuousClock.now
    private var links: [Int: Link] = [:] {
        didSet { liveLinkIDs = nil }
    }
    /// The live connections' ids in order, kept until `links` changes (each envelope asks for the next one).
    private var liveLinkIDs: [Int]?
    /// Every connection ever accepted: when it opened, got its hello and closed (for a test's failure message).
    private var linkTimes: [Int: (opened: ContinuousClock.Instant, live: ContinuousClock.Instant?, closed: ContinuousClock.Instant?)] = [:]
    private var nextLinkID = 1
    private var rotation = 0
    private var envelopes: [String: Envelope] = [:]
    private var deliveries: [String: Delivery] = [:]
    private var pending: [String] = []
    /// Each envelope's ack deadline, in the order they fall due (the timeout is the same for all): one timer for
    /// the earliest, not a task per envelope. `ackDeadlineHead` is the first not yet passed; `ackTimerSet` holds
    /// while a timer waits or a sweep runs.
    private var ackDeadlines: [(due: ContinuousClock.Instant, envelopeID: String)] = []
    private var ackDeadlineHead = 0
    private var ackTimerSet = false
    private var withholdingHello = false
    private var counters = FakeSlackStats()
    private var ackWaiters: [String: CheckedContinuation<FakeSlackAck?, Never>] = [:]
    private var statsWaiters: [Int: (predicate: @Sendable (FakeSlackStats) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiterID = 0
    private let timerRequests: AsyncStream<(Duration, Deadline)>
    private let timerSink: AsyncStream<(Duration, Deadline)>.Continuation

    init(configuration: FakeSlack.Configuration) {
        self.configuration = configuration
        (timerRequests, timerSink) = AsyncStream.makeStream()
    }

    /// How the events carrying the message `ts` went (for a test's failure message): each attempt's time since the fake
    /// started and connection, and whether it was acknowledged or given up.
    func deliveryHistory(ofMessage ts: String) -> [String] {
        deliveries.values.filter { $0.payload.messageTS == ts }.map { delivery in
            let sends = delivery.sends.map { "\(started.duration(to: $0.at)) on link \($0.link)" }.joined(separator: ", ")
            return "sent \(sends.isEmpty ? "never (held for a connection)" : sends); acked \(delivery.acked), given up \(delivery.givenUp)"
        }
    }

    /// Each connection the fake has accepted, closed ones included: when it opened, said hello and closed, as time
    /// since the fake started, and its phase now (for a test's failure message).
    func linkHistory() -> [String] {
        linkTimes.sorted { $0.key < $1.key }.map { id, times in
            let live = times.live.map { "hello \(started.duration(to: $0))" } ?? "no hello"
            let closed = times.closed.map { "closed \(started.duration(to: $0))" } ?? "open (\(links[id].map { "\($0.phase)" } ?? "gone"))"
            return "link \(id): opened \(started.duration(to: times.opened)), \(live), \(closed)"
        }
    }

    /// The counters, with the live connection and pending event counts as of now.
    var stats: FakeSlackStats {
        var stats = counters
        stats.liveConnections = links.values.filter { $0.phase == .live }.count
        stats.pendingEvents = pending.count
        return stats
    }

    // MARK: Connections

    /// Serves one accepted WebSocket until it closes: `hello`, then acks and pings from the client.
    nonisolated func serve(_ connection: TestWebSocketConnection, admitted: Bool) async {
        guard admitted else { return await refuse(connection) }
        let id = await open(connection)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in connection.pings { await self.countPing() }
            }
            for await text in connection.messages { await self.receive(text) }
        }
        await closed(id)
    }

    private func refuse(_ connection: TestWebSocketConnection) async {
        counters.connectionsRefused += 1
        notify()
        try? await connection.close(code: 1008, reason: "invalid ticket")
    }

    private func open(_ connection: TestWebSocketConnection) async -> Int {
        let id = nextLinkID
        nextLinkID += 1
        links[id] = Link(connection: connection, phase: .awaitingHello)
        linkTimes[id] = (.now, nil, nil)
        counters.connectionsOpened += 1
        notify()
        if !withholdingHello { await greet(id) }
        return id
    }

    private func greet(_ id: Int) async {
        guard let link = links[id], link.phase == .awaitingHello else { return }
        let hello: FakeJSON = [
            "type": "hello", "num_connections": .int(links.values.filter { $0.phase == .live }.count + 1),
            "debug_info": [
                "host": .string(Self.host(id)), "build_number": 1,
                "approximate_connection_time": .int(configuration.approximateConnectionTime),
            ],
            "connection_info": ["app_id": .string(FakeSlackIdentity.appID)],
        ]
        // Handed to the channel without waiting, and live at once: a client acting on the hello (posting, refreshing)
        // finds the link live, and anything sent on it goes out after the hello. A link that died meanwhile is
        // removed by `closed`.
        link.connection.enqueueText(hello.text)
        links[id]?.phase = .live
        linkTimes[id]?.live = .now
        counters.hellosSent += 1
        notify()
        await flushPending()
    }

    private func closed(_ id: Int) {
        links.removeValue(forKey: id)
        linkTimes[id]?.closed = .now
        notify()
    }

    private func countPing() {
        counters.pingsReceived += 1
        notify()
    }

    /// The next live connection in turn, as Slack spreads envelopes over an app's connections.
    private func nextLiveLink() -> (id: Int, connection: TestWebSocketConnection)? {
        let live = liveLinkIDs ?? links.filter { $0.value.phase == .live }.keys.sorted()
        liveLinkIDs = live
        guard !live.isEmpty else { return nil }
        rotation += 1
        let id = live[rotation % live.count]
        return (id, links[id]!.connection)
    }

    private static func host(_ id: Int) -> String { "applink-fake-\(id)" }

    private static func disconnect(_ reason: String, linkID: Int) -> String {
        FakeJSON.object(["type": "disconnect", "reason": .string(reason), "debug_info": ["host": .string(host(linkID))]]).text
    }

    // MARK: Envelopes

    /// Sends `event_callback` payloads now, spread over the live connections, or holds them until one is live. The
    /// envelopes for one connection go out in one write.
    func deliver(_ payloads: [Payload]) async {
        var batches: [Int: (connection: TestWebSocketConnection, frames: [String])] = [:]
        deliveries.reserveCapacity(deliveries.count + payloads.count)
        envelopes.reserveCapacity(envelopes.count + payloads.count)
        for payload in payloads {
            deliveries[payload.eventID] = Delivery(payload: payload)
            if let link = nextLiveLink(), let frame = envelope(for: payload.eventID, attempt: 0, reason: "", on: link.id) {
                batches[link.id, default: (link.connection, [])].frames.append(frame)
            } else {
                pending.append(payload.eventID)
            }
        }
        notify()
        for (_, batch) in batches.sorted(by: { $0.key < $1.key }) {
            // A write to a connection that just died is lost, as on the real link: the ack deadline redelivers it.
            try? await batch.connection.sendTexts(batch.frames)
        }
    }

    private func send(_ eventID: String, attempt: Int, reason: String, on link: (id: Int, connection: TestWebSocketConnection)) async {
        guard let frame = envelope(for: eventID, attempt: attempt, reason: reason, on: link.id) else { return }
        notify()
        try? await link.connection.sendText(frame)
    }

    /// A new envelope for the event (attempt `attempt`) on connection `linkID`, its ack deadline set: the frame's text.
    private func envelope(for eventID: String, attempt: Int, reason: String, on linkID: Int) -> String? {
        let envelopeID = FakeSlackID.uuid()
        let now = ContinuousClock.now
        // Changed where it is stored (one lookup), not copied out with its payload, changed and stored again.
        guard let text = deliveries[eventID]?.send(envelopeID, attempt: attempt, at: now, on: linkID) else { return nil }
        envelopes[envelopeID] = Envelope(kind: .event(eventID), sentAt: now)
        counters.envelopesSent += 1
        if attempt > 0 { counters.redeliveries += 1 }
        ackDeadlines.append((now + configuration.ackTimeout, envelopeID))
        if !ackTimerSet {
            // No timer and no sweep under way: the list was empty, and this deadline is the earliest.
            ackTimerSet = true
            schedule(configuration.ackTimeout, .ackDeadlines)
        }
        var frame = ""
        frame.reserveCapacity(text.utf8.count + 160)
        frame += #"{"envelope_id":""#
        frame += envelopeID
        frame += #"","payload":"#
        frame += text
        frame += #","type":"events_api","accepts_response_payload":false,"retry_attempt":"#
        frame += String(attempt)
        frame += #","retry_reason":"#
        frame += FakeJSON.literal(reason)
        frame += "}"
        return frame
    }

    /// Events that waited for a connection go out as retries of an attempt that could not be delivered.
    private func flushPending() async {
        while !pending.isEmpty, let link = nextLiveLink() {
            let eventID = pending.removeFirst()
            guard let delivery = deliveries[eventID], !delivery.acked else { continue }
            await send(eventID, attempt: delivery.attempt + 1, reason: "timeout", on: link)
        }
    }

    /// Passes every ack deadline that is due, then sets the timer for the next.
    private func passAckDeadlines() async {
        // The timer counts as set until the sweep ends: envelopes sent meanwhile (its own redeliveries, between whose
        // writes other calls run) leave the next timer to it, so one sweep at a time redelivers, in send order.
        while ackDeadlineHead < ackDeadlines.count, ackDeadlines[ackDeadlineHead].due <= .now {
            let envelopeID = ackDeadlines[ackDeadlineHead].envelopeID
            ackDeadlineHead += 1
            await ackDeadlinePassed(envelopeID)
        }
        if ackDeadlineHead > 1_024, ackDeadlineHead * 2 > ackDeadlines.count {
            ackDeadlines.removeFirst(ackDeadlineHead)
            ackDeadlineHead = 0
        }
        ackTimerSet = false
        if ackDeadlineHead < ackDeadlines.count {
            ackTimerSet = true
            schedule(ContinuousClock.now.duration(to: ackDeadlines[ackDeadlineHead].due), .ackDeadlines)
        }
    }

    private func ackDeadlinePassed(_ envelopeID: String) async {
        guard case .event(let eventID)? = envelopes[envelopeID]?.kind, let delivery = deliveries[eventID],
            !delivery.acked, !delivery.givenUp, delivery.latestEnvelope == envelopeID
        else { return }
        if delivery.attempt >= configuration.maxRetries {
            deliveries[eventID]?.givenUp = true
            counters.givenUp += 1
            counters.givenUpEventIDs.append(eventID)
            notify()
        } else if let link = nextLiveLink() {
            await send(eventID, attempt: delivery.attempt + 1, reason: "timeout", on: link)
        } else {
            pending.append(eventID)
            notify()
        }
    }

    /// Sends a slash command or interactive payload and waits for its ack; these are never redelivered.
    func request(type: String, acceptsResponsePayload: Bool, payload: FakeJSON, timeout: Duration) async throws(FakeSlackError) -> FakeSlackAck {
        guard let link = nextLiveLink() else { throw .noLiveConnection }
        let envelopeID = FakeSlackID.uuid()
        envelopes[envelopeID] = Envelope(kind: .request, sentAt: .now)
        counters.envelopesSent += 1
        notify()
        let frame: FakeJSON = [
            "envelope_id": .string(envelopeID), "payload": payload, "type": .string(type),
            "accepts_response_payload": .bool(acceptsResponsePayload),
        ]
        try? await link.connection.sendText(frame.text)
        if let ack = envelopes[envelopeID]?.ack { return ack }
        let ack = await withCheckedContinuation { continuation in
            ackWaiters[envelopeID] = continuation
            schedule(timeout, .ackWait(envelopeID: envelopeID))
        }
        guard let ack else { throw .noAck(envelopeID: envelopeID) }
        return ack
    }

    /// A client frame: an ack `{"envelope_id": …, "payload"?: …}`, or something malformed that is only counted.
    private func receive(_ text: String) {
        defer { notify() }
        let bare = Self.bareAck(text)
        let frame = bare == nil ? FakeJSON.parse(Data(text.utf8)) : nil
        guard let envelopeID = bare ?? frame?["envelope_id"]?.string else {
            counters.malformedFrames += 1
            return
        }
        guard let envelope = envelopes[envelopeID] else {
            counters.unknownAcks += 1
            return
        }
        guard envelope.ack == nil else {
            counters.duplicateAcks += 1
            return
        }
        let payload = frame?["payload"].flatMap { $0 == .null ? nil : $0 }
        let ack = FakeSlackAck(envelopeID: envelopeID, payload: payload, latency: .now - envelope.sentAt)
        envelopes[envelopeID]?.ack = ack
        counters.acked += 1
        counters.ackTimings.append(FakeSlackAckTiming(sentAt: envelope.sentAt, latency: ack.latency))
        if case .event(let eventID) = envelope.kind, deliveries[eventID]?.acked == false {
            deliveries[eventID]?.acked = true
            counters.ackedEvents += 1
            pending.removeAll { $0 == eventID }
        }
        ackWaiters.removeValue(forKey: envelopeID)?.resume(returning: ack)
    }

    /// The envelope id of an ack with nothing else in it, written compactly (`{"envelope_id":"…"}`), read without a
    /// JSON parser; nil for anything else, which the parser reads.
    private static func bareAck(_ text: String) -> String? {
        let prefix = #"{"envelope_id":""#, suffix = #""}"#
        guard text.hasPrefix(prefix), text.hasSuffix(suffix), text.utf8.count > prefix.utf8.count + suffix.utf8.count else { return nil }
        let id = text.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        guard !id.contains(UInt8(ascii: "\\")), !id.contains(UInt8(ascii: "\"")) else { return nil }
        return String(decoding: id, as: UTF8.self)
    }

    // MARK: Control

    func requestRefresh(warningFirst: Bool) async {
        for id in links.keys.sorted() where links[id]?.phase == .live {
            links[id]?.phase = .refreshing
            guard let connection = links[id]?.connection else { continue }
            if warningFirst { try? await connection.sendText(Self.disconnect("warning", linkID: id)) }
            try? await connection.sendText(Self.disconnect("refresh_requested", linkID: id))
            schedule(configuration.refreshGrace, .closeAfterRefresh(linkID: id))
        }
        notify()
    }

    func dropConnections() async {
        for id in links.keys.sorted() {
            guard let connection = links[id]?.connection else { continue }
            links[id]?.phase = .closing
            await connection.dropAbruptly()
        }
        notify()
    }

    func disableLink() async {
        for id in links.keys.sorted() {
            guard let link = links[id], link.phase != .closing else { continue }
            links[id]?.phase = .closing
            if link.phase == .stalled {
                await link.connection.dropAbruptly()  // a half-written frame cannot be followed by a clean close
                continue
            }
            try? await link.connection.sendText(Self.disconnect("link_disabled", linkID: id))
            try? await link.connection.close(code: 1000, reason: "")
        }
        notify()
    }

    func withholdHello(_ on: Bool) async {
        withholdingHello = on
        guard !on else { return }
        for id in links.keys.sorted() where links[id]?.phase == .awaitingHello { await greet(id) }
    }

    func stallConnections() async {
        for id in links.keys.sorted() where links[id]?.phase == .live {
            links[id]?.phase = .stalled
            try? await links[id]?.connection.stallMidFrame()
        }
        notify()
    }

    func sendRaw(_ frame: String) async {
        for id in links.keys.sorted() where links[id]?.phase == .live {
            try? await links[id]?.connection.sendText(frame)
        }
    }

    // MARK: Waiting

    /// True as soon as `predicate` holds for the stats, false if it still does not after `timeout`.
    func waitFor(timeout: Duration, _ predicate: @escaping @Sendable (FakeSlackStats) -> Bool) async -> Bool {
        if predicate(stats) { return true }
        let id = nextWaiterID
        nextWaiterID += 1
        return await withCheckedContinuation { continuation in
            statsWaiters[id] = (predicate, continuation)
            schedule(timeout, .statsWait(waiterID: id))
        }
    }

    private func notify() {
        guard !statsWaiters.isEmpty else { return }
        let snapshot = stats
        for (id, waiter) in statsWaiters where waiter.predicate(snapshot) {
            statsWaiters.removeValue(forKey: id)
            waiter.continuation.resume(returning: true)
        }
    }

    // MARK: Timers

    private func schedule(_ delay: Duration, _ deadline: Deadline) {
        timerSink.yield((delay, deadline))
    }

    private func fire(_ deadline: Deadline) async {
        switch deadline {
        case .ackDeadlines:
            await passAckDeadlines()
        case .closeAfterRefresh(let id):
            guard let link = links[id], link.phase == .refreshing else { return }
            links[id]?.phase = .closing
            try? await link.connection.close(code: 1000, reason: "")
        case .ackWait(let envelopeID):
            ackWaiters.removeValue(forKey: envelopeID)?.resume(returning: nil)
        case .statsWait(let id):
            statsWaiters.removeValue(forKey: id)?.continuation.resume(returning: false)
        }
    }

    /// Runs the deadlines until the calling task is cancelled; every timer is a child task of this call.
    nonisolated func runTimers() async {
        await withDiscardingTaskGroup { group in
            for await (delay, timer) in timerRequests {
                group.addTask {
                    guard (try? await Task.sleep(for: delay)) != nil else { return }
                    await self.fire(timer)
                }
            }
        }
    }

    /// Ends the timers and answers every waiter still waiting (the fake is shutting down).
    func finish() {
        timerSink.finish()
        for waiter in ackWaiters.values { waiter.resume(returning: nil) }
        ackWaiters = [:]
        for waiter in statsWaiters.values { waiter.continuation.resume(returning: false) }
        statsWaiters = [:]
    }
}
