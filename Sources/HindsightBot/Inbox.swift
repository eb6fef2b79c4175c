import Synchronization

/// Values handed from producers (socket readers, timers) to one consumer that takes, each time it wakes, everything
/// that piled up meanwhile: the shape of a group commit. Appending never waits; the consumer is woken once however
/// many values arrive before it looks. A producer that can slow down (a socket reader) calls `waitForRoom` first, so
/// that a consumer that falls behind holds it back rather than the values piling up in memory.
public final class Inbox<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var waitingForRoom: [CheckedContinuation<Void, Never>] = []
        var open = true

        /// A producer need not wait: fewer than `capacity` values wait, or the consumer has gone.
        func hasRoom(_ capacity: Int) -> Bool { !open || items.count < capacity }
    }

    private let state = Mutex(State())
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation
    /// `waitForRoom` waits while this many values (or more) wait for the consumer.
    public let capacity: Int

    public init(capacity: Int = .max) {
        self.capacity = max(capacity, 1)
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func append(_ element: Element) {
        state.withLock { $0.items.append(element) }
        ring.yield()
    }

    /// How many values wait for the consumer.
    public var waitingCount: Int { state.withLock { $0.items.count } }

    /// Returns once fewer than `capacity` values wait for the consumer (or the consumer is gone).
    public func waitForRoom() async {
        let capacity = self.capacity
        if state.withLock({ $0.hasRoom(capacity) }) { return }
        await withCheckedContinuation { waiter in
            let now = state.withLock { state -> Bool in
                guard !state.hasRoom(capacity) else { return true }
                state.waitingForRoom.append(waiter)
                return false
            }
            if now { waiter.resume() }
        }
    }

    /// No more values will come: `drain` returns once it has handed over what is left.
    public func finish() { ring.finish() }

    /// Hands the values over in arrival order, at most `limit` at a time, until `body` returns false, the inbox is
    /// finished and empty, or the task is cancelled. One consumer only.
    public func drain(limit: Int = .max, _ body: ([Element]) async -> Bool) async {
        defer { release(closing: true) }
        for await _ in doorbell {
            while true {
                let batch = state.withLock { state -> [Element] in
                    let batch = Array(state.items.prefix(limit))
                    state.items.removeFirst(batch.count)
                    return batch
                }
                if batch.isEmpty { break }
                release(closing: false)
                guard await body(batch) else { return }
            }
        }
    }

    /// Lets the producers waiting for room go on: all of them once the consumer has gone, else those there is room for.
    private func release(closing: Bool) {
        let capacity = self.capacity
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if closing { state.open = false }
            guard state.hasRoom(capacity) else { return [] }
            defer { state.waitingForRoom = [] }
            return state.waitingForRoom
        }
        for waiter in waiters { waiter.resume() }
    }
}
