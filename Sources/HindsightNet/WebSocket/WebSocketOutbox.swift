/// The part of a connection shared between callers and the lws service thread: whether
/// sends are still accepted, and the messages and close frame waiting for the wire.
///
/// Lives inside a `Mutex` on `LWSConnection`. Messages leave in the order `enqueue` saw them.
/// A local close is written after every message queued before it; when the connection ends
/// any other way, what is still queued is discarded (a connection is never re-used).
struct WebSocketOutbox {
    enum Phase: Equatable {
        /// The handshake has not finished; the connection has not been handed out yet.
        case connecting
        case open
        /// `close` was called; the close frame goes out after the queued messages.
        case closing(code: UInt16, reason: String)
        case closed

        var isClosing: Bool {
            if case .closing = self { true } else { false }
        }
    }

    /// What the service thread should write next.
    enum Item: Equatable {
        case text(String)
        case close(code: UInt16, reason: String)
    }

    private(set) var phase: Phase = .connecting
    private var messages: [String] = []
    private var head = 0
    private var closeFrameTaken = false
    /// True while a wake-up is queued for the service thread or a writable callback is armed,
    /// so a burst of sends costs one `lws_cancel_service` rather than one each.
    private var writeRequested = false

    var hasPendingWrites: Bool { writeRequested }

    mutating func open() {
        if phase == .connecting { phase = .open }
    }

    /// Queues a message; returns true when the caller must wake the service thread.
    mutating func enqueue(_ text: String) throws(WebSocketError) -> Bool {
        guard phase == .open else { throw .notConnected }
        messages.append(text)
        return requestWrite()
    }

    /// Starts a graceful close; returns true when the caller must wake the service thread.
    mutating func close(code: UInt16, reason: String) -> Bool {
        guard phase == .open else { return false }
        phase = .closing(code: code, reason: reason)
        return requestWrite()
    }

    /// Takes the next thing to write and says whether more waits behind it. When nothing does, the write request is
    /// cleared with it: the next `enqueue` wakes the service thread again, and no writable callback is armed for nothing.
    mutating func next() -> (item: Item, more: Bool)? {
        let item: Item
        if head < messages.count {
            let text = messages[head]
            messages[head] = ""
            head += 1
            compactIfWorthwhile()
            item = .text(text)
        } else if case .closing(let code, let reason) = phase, !closeFrameTaken {
            closeFrameTaken = true
            item = .close(code: code, reason: reason)
        } else {
            writeRequested = false
            return nil
        }
        let more = head < messages.count || (phase.isClosing && !closeFrameTaken)
        if !more { writeRequested = false }
        return (item, more)
    }

    /// Marks the connection finished and drops unsent messages; returns how many were dropped.
    mutating func finish() -> Int {
        let dropped = messages.count - head
        phase = .closed
        messages = []
        head = 0
        writeRequested = false
        return dropped
    }

    private mutating func requestWrite() -> Bool {
        defer { writeRequested = true }
        return !writeRequested
    }

    private mutating func compactIfWorthwhile() {
        if head == messages.count {
            messages.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= messages.count {
            messages.removeFirst(head)
            head = 0
        }
    }
}
