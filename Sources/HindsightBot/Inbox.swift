import Synchronization

/// Values handed from producers (socket readers, timers) to one consumer that takes, each time it wakes, everything
/// that piled up meanwhile: the shape of a group commit. Appending never waits; the consumer is woken once however
/// many values arrive before it looks.
public final class Inbox<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    public init() {
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func append(_ element: Element) {
        items.withLock { $0.append(element) }
        ring.yield()
    }

    /// No more values will come: `drain` returns once it has handed over what is left.
    public func finish() { ring.finish() }

    /// Hands the values over in arrival order, at most `limit` at a time, until `body` returns false, the inbox is
    /// finished and empty, or the task is cancelled. One consumer only.
    public func drain(limit: Int = .max, _ body: ([Element]) async -> Bool) async {
        for await _ in doorbell {
            while true {
                let batch = items.withLock { items -> [Element] in
                    let batch = Array(items.prefix(limit))
                    items.removeFirst(batch.count)
                    return batch
                }
                if batch.isEmpty { break }
                guard await body(batch) else { return }
            }
        }
    }
}
