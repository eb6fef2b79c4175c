import HindsightBot
import HindsightCore
import Synchronization

/// Events waiting to be stored, in arrival order. Sockets append and go on reading; one consumer takes everything
/// that piled up and stores it in one transaction (group commit), then acknowledges each envelope. A failed commit
/// acknowledges nothing, so Slack delivers those envelopes again.
final class CaptureQueue: Sendable {
    struct Item: Sendable {
        var inputs: [CaptureInput]
        var eventID: String?
        var envelopeID: String
        var ack: Acknowledger
        /// When the envelope was read off the socket: the start of its store-then-acknowledge latency.
        var receivedAt = ContinuousClock.now
    }

    private let inbox = Inbox<Item>()

    func append(_ item: Item) { inbox.append(item) }

    /// Calls `store` with each batch until the task is cancelled.
    func drain(_ store: ([Item]) async -> Void) async {
        await inbox.drain(limit: Bot.captureBatchLimit) { batch in
            await store(batch)
            return true
        }
    }

    func finish() { inbox.finish() }
}

/// Event ids stored recently: a retry of one of them is acknowledged without touching the store. Bounded; the store's
/// own uniqueness (platform, channel, message ts) still catches anything older.
final class RecentEventIDs: Sendable {
    private struct State {
        var ids: Set<String> = []
        var order: [String] = []
        var next = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    func contains(_ id: String) -> Bool { state.withLock { $0.ids.contains(id) } }

    func insert(_ id: String) {
        let capacity = self.capacity
        state.withLock { s in
            guard s.ids.insert(id).inserted else { return }
            if s.order.count < capacity {
                s.order.append(id)
            } else {
                s.ids.remove(s.order[s.next])
                s.order[s.next] = id
                s.next = (s.next + 1) % capacity
            }
        }
    }
}
