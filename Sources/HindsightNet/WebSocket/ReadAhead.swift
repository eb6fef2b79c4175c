import Synchronization

/// How many messages a connection has read off the socket that its consumer has not taken yet, and the most there
/// were at once. Written by the lws service thread (`added`) and the consumer (`taken`).
final class ReadAhead: Sendable {
    private let waiting = Atomic<Int>(0)
    private let most = Atomic<Int>(0)

    /// One more message waits; returns how many wait now.
    func added() -> Int {
        let now = waiting.add(1, ordering: .relaxed).newValue
        _ = most.max(now, ordering: .relaxed)
        return now
    }

    /// The consumer took one; returns how many wait now.
    func taken() -> Int {
        waiting.subtract(1, ordering: .relaxed).newValue
    }

    var mostWaiting: Int { most.load(ordering: .relaxed) }
}
