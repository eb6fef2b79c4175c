/// The Mattermost WebSocket's resume logic, without sockets: tracks the `connection_id` from `hello` and the last
/// `seq`, asks to reconnect with `connection_id` + `sequence_number` so the server replays what was missed, tells a
/// replay (no hello, seq continues) from a fresh session (a `hello` with a new id: backfill over REST), closes on a seq
/// gap, and keeps the socket honest with the `ping` action.
public struct SocketResumeMachine: Sendable {
    /// Where the connection is.
    public enum State: Sendable, Equatable {
        /// Connecting (or about to): `resume` is the session to resume, if any.
        case connecting(resume: Session?)
        /// The socket is open; nothing has arrived yet, so it is not yet known whether the server resumed.
        case opened(resume: Session?)
        /// Events flow; `session.lastSeq` is the last one handed to the engine.
        case live(Session)
        /// The machine asked to close the socket (a gap, a failed store, no pong): events still in flight on it are
        /// ignored, and once it has closed the next connection resumes `resume`.
        case closing(resume: Session?)
        /// The socket closed; reconnect after the backoff, resuming `resume`.
        case waiting(resume: Session?)
        case stopped
    }

    /// A server-side connection the client can resume.
    public struct Session: Sendable, Equatable {
        public var connectionID: String
        public var lastSeq: Int

        public init(connectionID: String, lastSeq: Int) {
            self.connectionID = connectionID
            self.lastSeq = lastSeq
        }
    }

    /// What happened.
    public enum Input: Sendable, Equatable {
        case connected
        case connectFailed
        case event(SocketEvent)
        case reply(seqReply: Int, ok: Bool)
        /// The engine could not store the event with this seq: rewind so the server replays it.
        case deliveryFailed(seq: Int)
        /// The ping interval elapsed.
        case pingDue
        /// The reconnect backoff elapsed.
        case reconnectDue
        case closed
        case stop
    }

    /// What the engine must do, in order.
    public enum Action: Sendable, Equatable {
        /// Open the socket; with a session, add `?connection_id=…&sequence_number=…`.
        case connect(connectionID: String?, sequenceNumber: Int?)
        /// Hand the event to the translator (and wait until it is stored).
        case deliver(SocketEvent)
        /// A fresh server session began: fetch what may have been missed over REST.
        case backfill
        /// Send the `ping` action with this action seq.
        case sendPing(seq: Int)
        /// Close the socket with this code; a reconnect follows on `.closed`.
        case close(code: UInt16)
        /// Wait the backoff for this many consecutive failures, then feed `.reconnectDue`.
        case reconnect(afterFailures: Int)
    }

    /// The webapp's codes: 4000 for an unanswered ping, 4001 for a seq gap.
    public static let pingTimeoutCode: UInt16 = 4000
    public static let seqGapCode: UInt16 = 4001

    public private(set) var state: State = .connecting(resume: nil)
    /// Consecutive failed connections (reset once a connection delivers its first event).
    public private(set) var failures = 0
    private var actionSeq = 0
    private var pendingPing: Int?

    public init() {}

    /// The first action: connect without a session.
    public mutating func start() -> [Action] {
        state = .connecting(resume: nil)
        return [.connect(connectionID: nil, sequenceNumber: nil)]
    }

    /// Advances on an input and returns the actions to perform. Every state decides every input: an input a state
    /// cannot receive from `SocketSession` changes nothing, and says why next to it.
    public mutating func handle(_ input: Input) -> [Action] {
        switch state {
        case .connecting(let resume): connecting(resume: resume, input)
        case .opened(let resume): opened(resume: resume, input)
        case .live(let session): live(session, input)
        case .closing(let resume): closing(resume: resume, input)
        case .waiting(let resume): waiting(resume: resume, input)
        case .stopped:
            switch input {
            case .connected, .connectFailed, .event, .reply, .deliveryFailed, .pingDue, .reconnectDue, .closed, .stop:
                []  // stopped for good: what is still in flight changes nothing
            }
        }
    }

    private mutating func connecting(resume: Session?, _ input: Input) -> [Action] {
        switch input {
        case .connected:
            state = .opened(resume: resume)
            actionSeq = 0
            pendingPing = nil
            return []
        case .connectFailed:
            failures += 1
            state = .waiting(resume: resume)
            return [.reconnect(afterFailures: failures)]
        case .stop:
            state = .stopped
            return []
        case .event, .reply, .deliveryFailed, .pingDue:
            return []  // no socket yet: nothing arrives, nothing was delivered, and pings run only on an open socket
        case .closed:
            return []  // a connect that does not open reports `.connectFailed`
        case .reconnectDue:
            return []  // a reconnect is scheduled only from `waiting`, and it is this connect
        }
    }

    private mutating func opened(resume: Session?, _ input: Input) -> [Action] {
        switch input {
        case .event(let event):
            failures = 0
            return first(event, resume: resume)
        case .pingDue:
            return ping(onto: resume)
        case .reply(let seqReply, _):
            if seqReply == pendingPing { pendingPing = nil }
            return []
        case .closed:
            failures += 1
            state = .waiting(resume: resume)
            return [.reconnect(afterFailures: failures)]
        case .stop:
            state = .stopped
            return []
        case .connected, .connectFailed:
            return []  // connected already
        case .deliveryFailed:
            return []  // nothing was delivered on this socket yet: the first event moves on to `live`
        case .reconnectDue:
            return []  // a reconnect is scheduled only from `waiting`
        }
    }

    private mutating func live(_ session: Session, _ input: Input) -> [Action] {
        switch input {
        case .event(let event):
            return next(event, session: session)
        case .deliveryFailed(let seq):
            var session = session
            session.lastSeq = min(session.lastSeq, seq - 1)
            state = .closing(resume: session)
            return [.close(code: Self.seqGapCode)]
        case .pingDue:
            return ping(onto: session)
        case .reply(let seqReply, _):
            if seqReply == pendingPing { pendingPing = nil }
            return []
        case .closed:
            state = .waiting(resume: session)
            failures = 1
            return [.reconnect(afterFailures: failures)]
        case .stop:
            state = .stopped
            return []
        case .connected, .connectFailed:
            return []  // connected already
        case .reconnectDue:
            return []  // a reconnect is scheduled only from `waiting`
        }
    }

    private mutating func closing(resume: Session?, _ input: Input) -> [Action] {
        switch input {
        case .closed:
            failures += 1
            state = .waiting(resume: resume)
            return [.reconnect(afterFailures: failures)]
        case .stop:
            state = .stopped
            return []
        case .event, .reply:
            return []  // in flight on the socket being closed: the next connection resumes before them
        case .pingDue:
            return []  // closing already
        case .deliveryFailed(let seq):
            // Not sent by `SocketSession` (a failed delivery closes the socket at once, so nothing else is delivered
            // on it), but should it come, the event must still be asked for again.
            state = .closing(resume: resume.map { Session(connectionID: $0.connectionID, lastSeq: min($0.lastSeq, seq - 1)) })
            return []
        case .connected, .connectFailed:
            return []  // connected already
        case .reconnectDue:
            return []  // a reconnect is scheduled only from `waiting`
        }
    }

    private mutating func waiting(resume: Session?, _ input: Input) -> [Action] {
        switch input {
        case .reconnectDue:
            state = .connecting(resume: resume)
            return [.connect(connectionID: resume?.connectionID, sequenceNumber: resume.map { $0.lastSeq + 1 })]
        case .stop:
            state = .stopped
            return []
        case .connected, .connectFailed:
            return []  // no connect is under way before `.reconnectDue`
        case .event, .reply, .deliveryFailed, .pingDue, .closed:
            return []  // the socket has closed: nothing more comes from it
        }
    }

    /// A ping each interval; if the previous one is still unanswered, the socket is replaced (resuming `resume`).
    private mutating func ping(onto resume: Session?) -> [Action] {
        if pendingPing != nil {
            pendingPing = nil
            state = .closing(resume: resume)
            return [.close(code: Self.pingTimeoutCode)]
        }
        actionSeq += 1
        pendingPing = actionSeq
        return [.sendPing(seq: actionSeq)]
    }

    /// The first event on a new socket says whether the server resumed.
    private mutating func first(_ event: SocketEvent, resume: Session?) -> [Action] {
        if event.name == "hello" {
            let id = event.data.connectionID ?? ""
            state = .live(Session(connectionID: id, lastSeq: event.seq ?? 0))
            // A hello always means a new server session: whatever was missed must come over REST.
            return [.backfill]
        }
        guard let resume else {
            // Events before hello on a fresh connection: take the seq as the start.
            state = .live(Session(connectionID: "", lastSeq: (event.seq ?? 0) - 1))
            return next(event, session: Session(connectionID: "", lastSeq: (event.seq ?? 0) - 1))
        }
        state = .live(resume)
        return next(event, session: resume)
    }

    private mutating func next(_ event: SocketEvent, session: Session) -> [Action] {
        if event.name == "hello" {
            // A hello mid-stream: the server started over.
            state = .live(Session(connectionID: event.data.connectionID ?? session.connectionID, lastSeq: event.seq ?? 0))
            return [.backfill]
        }
        guard let seq = event.seq else { return [.deliver(event)] }
        let expected = session.lastSeq + 1
        if seq < expected { return [] }  // already handled (a replay overlapping what we saw)
        if seq > expected {  // resume from `expected`
            state = .closing(resume: session)
            return [.close(code: Self.seqGapCode)]
        }
        var session = session
        session.lastSeq = seq
        state = .live(session)
        return [.deliver(event)]
    }
}
