import HindsightMattermost
import Testing

@Suite("The Mattermost resume state machine")
struct SocketResumeMachineTests {
    func event(_ name: String, seq: Int, connectionID: String? = nil) -> SocketEvent {
        SocketEvent(name: name, seq: seq, data: .init(connectionID: connectionID))
    }

    /// A machine that is live on connection `c1` having seen seq 0…last.
    func live(last: Int) -> SocketResumeMachine {
        var machine = SocketResumeMachine()
        _ = machine.start()
        _ = machine.handle(.connected)
        _ = machine.handle(.event(event("hello", seq: 0, connectionID: "c1")))
        for seq in stride(from: 1, through: last, by: 1) { _ = machine.handle(.event(event("posted", seq: seq))) }
        return machine
    }

    @Test("the first connect has no session; a hello starts one and asks for a backfill")
    func freshStart() {
        var machine = SocketResumeMachine()
        #expect(machine.start() == [.connect(connectionID: nil, sequenceNumber: nil)])
        #expect(machine.handle(.connected) == [])
        #expect(machine.handle(.event(event("hello", seq: 0, connectionID: "c1"))) == [.backfill])
        #expect(machine.state == .live(.init(connectionID: "c1", lastSeq: 0)))
    }

    @Test("events in seq order are delivered; a repeated seq is dropped")
    func inOrder() {
        var machine = live(last: 2)
        let third = event("posted", seq: 3)
        #expect(machine.handle(.event(third)) == [.deliver(third)])
        #expect(machine.handle(.event(event("posted", seq: 2))) == [])
    }

    @Test("after a drop it reconnects with connection_id and the next expected seq")
    func reconnectsWithResume() {
        var machine = live(last: 7)
        #expect(machine.handle(.closed) == [.reconnect(afterFailures: 1)])
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 8)])
    }

    @Test("a replay (no hello, seq continues) is delivered as is, without a backfill")
    func replay() {
        var machine = live(last: 7)
        _ = machine.handle(.closed)
        _ = machine.handle(.reconnectDue)
        _ = machine.handle(.connected)
        let eighth = event("posted", seq: 8)
        #expect(machine.handle(.event(eighth)) == [.deliver(eighth)])
        #expect(machine.state == .live(.init(connectionID: "c1", lastSeq: 8)))
        #expect(machine.failures == 0)
    }

    @Test("a fresh hello with a new connection_id resets seq and asks for a backfill")
    func freshHelloAfterDrop() {
        var machine = live(last: 7)
        _ = machine.handle(.closed)
        _ = machine.handle(.reconnectDue)
        _ = machine.handle(.connected)
        #expect(machine.handle(.event(event("hello", seq: 0, connectionID: "c2"))) == [.backfill])
        let first = event("posted", seq: 1)
        #expect(machine.handle(.event(first)) == [.deliver(first)])
        #expect(machine.state == .live(.init(connectionID: "c2", lastSeq: 1)))
    }

    @Test("a seq gap closes the socket with 4001 and resumes from the first missing seq")
    func gap() {
        var machine = live(last: 3)
        #expect(machine.handle(.event(event("posted", seq: 5))) == [.close(code: 4001)])
        // Events already in flight on the closing socket are neither delivered nor closed over again.
        #expect(machine.handle(.event(event("posted", seq: 4))) == [])
        #expect(machine.handle(.event(event("posted", seq: 6))) == [])
        #expect(machine.handle(.closed) == [.reconnect(afterFailures: 1)])
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 4)])
    }

    @Test("an event the store could not keep is asked for again")
    func deliveryFailure() {
        var machine = live(last: 4)
        #expect(machine.handle(.deliveryFailed(seq: 4)) == [.close(code: 4001)])
        #expect(machine.handle(.event(event("posted", seq: 5))) == [])
        _ = machine.handle(.closed)
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 4)])
    }

    @Test("a ping is sent each interval; an unanswered one replaces the socket with 4000")
    func keepAlive() {
        var machine = live(last: 0)
        #expect(machine.handle(.pingDue) == [.sendPing(seq: 1)])
        #expect(machine.handle(.reply(seqReply: 1, ok: true)) == [])
        #expect(machine.handle(.pingDue) == [.sendPing(seq: 2)])
        #expect(machine.handle(.pingDue) == [.close(code: 4000)])
        #expect(machine.handle(.pingDue) == [])
        _ = machine.handle(.closed)
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 1)])
    }

    @Test("failed connects back off with a growing failure count, keeping the session")
    func backoff() {
        var machine = live(last: 2)
        _ = machine.handle(.closed)
        _ = machine.handle(.reconnectDue)
        #expect(machine.handle(.connectFailed) == [.reconnect(afterFailures: 2)])
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 3)])
        #expect(machine.handle(.connectFailed) == [.reconnect(afterFailures: 3)])
    }

    /// Where a machine can be, built the way `SocketSession` gets it there.
    enum Situation: String, CaseIterable, Sendable {
        case connecting, opened, live, closing, waiting, stopped

        func machine(_ tests: SocketResumeMachineTests) -> SocketResumeMachine {
            var machine = tests.live(last: 7)
            switch self {
            case .connecting:
                _ = machine.handle(.closed)
                _ = machine.handle(.reconnectDue)
            case .opened:
                _ = machine.handle(.closed)
                _ = machine.handle(.reconnectDue)
                _ = machine.handle(.connected)
            case .live:
                break
            case .closing:
                _ = machine.handle(.event(tests.event("posted", seq: 9)))
            case .waiting:
                _ = machine.handle(.closed)
            case .stopped:
                _ = machine.handle(.stop)
            }
            return machine
        }
    }

    static let anEvent = SocketEvent(name: "posted", seq: 8, data: .init(connectionID: nil))

    /// The pairs `SocketSession` never produces (a `default:` used to swallow them): each changes nothing.
    static let impossible: [(Situation, SocketResumeMachine.Input)] = [
        (.connecting, .event(anEvent)), (.connecting, .reply(seqReply: 1, ok: true)), (.connecting, .deliveryFailed(seq: 8)),
        (.connecting, .pingDue), (.connecting, .closed), (.connecting, .reconnectDue),
        (.opened, .connected), (.opened, .connectFailed), (.opened, .deliveryFailed(seq: 8)), (.opened, .reconnectDue),
        (.live, .connected), (.live, .connectFailed), (.live, .reconnectDue),
        (.closing, .connected), (.closing, .connectFailed), (.closing, .reconnectDue), (.closing, .reply(seqReply: 1, ok: true)),
        (.waiting, .connected), (.waiting, .connectFailed), (.waiting, .event(anEvent)), (.waiting, .reply(seqReply: 1, ok: true)),
        (.waiting, .deliveryFailed(seq: 8)), (.waiting, .pingDue), (.waiting, .closed),
    ]

    @Test("an input a state cannot receive changes nothing: no action, same state, same failure count", arguments: impossible)
    func impossibleInputs(_ situation: Situation, _ input: SocketResumeMachine.Input) {
        var machine = situation.machine(self)
        let before = (machine.state, machine.failures)
        #expect(machine.handle(input) == [])
        #expect(machine.state == before.0)
        #expect(machine.failures == before.1)
    }

    @Test("the situations are the states they are named after")
    func situations() {
        #expect(Situation.connecting.machine(self).state == .connecting(resume: .init(connectionID: "c1", lastSeq: 7)))
        #expect(Situation.opened.machine(self).state == .opened(resume: .init(connectionID: "c1", lastSeq: 7)))
        #expect(Situation.live.machine(self).state == .live(.init(connectionID: "c1", lastSeq: 7)))
        #expect(Situation.closing.machine(self).state == .closing(resume: .init(connectionID: "c1", lastSeq: 7)))
        #expect(Situation.waiting.machine(self).state == .waiting(resume: .init(connectionID: "c1", lastSeq: 7)))
        #expect(Situation.stopped.machine(self).state == .stopped)
    }

    @Test("stop ends the machine from every state, and nothing afterwards starts it again", arguments: Situation.allCases)
    func stop(_ situation: Situation) {
        var machine = situation.machine(self)
        #expect(machine.handle(.stop) == [])
        #expect(machine.state == .stopped)
        let everything: [SocketResumeMachine.Input] = [
            .connected, .connectFailed, .event(Self.anEvent), .reply(seqReply: 1, ok: true), .deliveryFailed(seq: 8), .pingDue,
            .reconnectDue, .closed, .stop,
        ]
        for input in everything {
            #expect(machine.handle(input) == [], "\(input)")
            #expect(machine.state == .stopped, "\(input)")
        }
    }

    @Test("a delivery that fails while the socket is already closing is still asked for again")
    func deliveryFailureWhileClosing() {
        var machine = live(last: 5)
        #expect(machine.handle(.event(event("posted", seq: 7))) == [.close(code: 4001)])
        #expect(machine.handle(.deliveryFailed(seq: 5)) == [], "no second close")
        #expect(machine.handle(.closed) == [.reconnect(afterFailures: 1)])
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 5)])
    }

    @Test("a ping that goes unanswered before the first event replaces the socket, keeping the session to resume")
    func unansweredPingBeforeTheFirstEvent() {
        var machine = Situation.opened.machine(self)
        #expect(machine.handle(.pingDue) == [.sendPing(seq: 1)])
        #expect(machine.handle(.reply(seqReply: 9, ok: true)) == [], "a reply to another action does not count")
        #expect(machine.handle(.pingDue) == [.close(code: 4000)])
        #expect(machine.handle(.closed) == [.reconnect(afterFailures: 2)])
        #expect(machine.handle(.reconnectDue) == [.connect(connectionID: "c1", sequenceNumber: 8)])
    }
}
