import HindsightCore
import Synchronization

/// What the bot tells the card keeper after each commit: which incidents changed in ways their card shows, and which
/// messages were deleted (one may be a card). Notes pile up until the keeper takes them, merged (an incident changed
/// twice is one note), so a burst costs the committer a lock and a set insert, and nothing waits on the keeper.
public final class CardSignals: Sendable {
    public struct Batch: Sendable, Equatable {
        public var changed: Set<IncidentID> = []
        public var deleted: [(channel: ChannelKey, messageID: String)] = []

        public static func == (a: Batch, b: Batch) -> Bool {
            a.changed == b.changed && a.deleted.elementsEqual(b.deleted) { $0.channel == $1.channel && $0.messageID == $1.messageID }
        }
    }

    /// Deletions kept while nobody takes them (a bot without cards): the newest, since only a card just deleted matters.
    static let deletionLimit = 256

    private let pending = Mutex(Batch())
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init() {
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Notes the incidents `changes` alter on their cards.
    func note(_ changes: [Change]) {
        note(changed: changes.cardIncidents)
    }

    func note(changed: Set<IncidentID>, deleted: [(ChannelKey, String)] = []) {
        guard !changed.isEmpty || !deleted.isEmpty else { return }
        pending.withLock { batch in
            batch.changed.formUnion(changed)
            batch.deleted += deleted.map { (channel: $0.0, messageID: $0.1) }
            if batch.deleted.count > Self.deletionLimit { batch.deleted.removeFirst(batch.deleted.count - Self.deletionLimit) }
        }
        wake.yield()
    }

    /// Fires after notes arrive (several notes may share one firing); `take()` then has them.
    public var arrivals: AsyncStream<Void> { wakeUps }

    /// Everything noted since the last call, and forgets it.
    public func take() -> Batch {
        pending.withLock { batch in
            defer { batch = Batch() }
            return batch
        }
    }
}
