import Foundation
import HindsightCore
import HindsightStore
import Logging
import Synchronization

/// Whether the bot holds its replies in the store until they are posted, and which of them this process is posting.
///
/// A reply decided in a capture's transaction (a milestone suggestion, a "got it") or a due reminder exists nowhere but
/// in memory between the commit and the adapter's post: a process killed there, or a platform that refuses the post
/// for a while, would lose it. Held, it is written in the same transaction as what caused it, deleted once posted,
/// and posted by the scheduler's replica (`ReminderScheduler`) if still there after `retryAfter`. Only the process
/// whose transaction stored the message decides a reply at all (another replica's copy is a duplicate), so each
/// reply is claimed once; a reply is posted twice only when its process dies after posting and before deleting it,
/// or is still posting it after `retryAfter` (a platform slower than that).
public final class ReplyOutbox: Sendable {
    private struct State {
        var enabled = false
        var retryAfter: TimeInterval = 60
        /// Keys this process is posting now: the retry round leaves them alone.
        var inFlight: Set<String> = []
    }

    private let state = Mutex(State())
    /// A held reply older than this is dropped instead of posted (a suggestion hours late is noise).
    public static let expiry: TimeInterval = 3600

    public init() {}

    /// Holds replies from now on (`hindsight run` with a chat platform); off by default, so the console, `ingest`
    /// and the tests that post nothing hold nothing.
    public func enable(retryAfter: TimeInterval) {
        state.withLock {
            $0.enabled = true
            $0.retryAfter = retryAfter
        }
    }

    var isEnabled: Bool { state.withLock { $0.enabled } }
    var retryAfter: TimeInterval { state.withLock { $0.retryAfter } }

    /// The replies of one decision, keyed and held for `channel` (answering `userID`); unchanged when holding is off.
    func held(_ replies: [Reply], channel: ChannelKey, userID: String?, key: () -> String, at now: Date) -> [HeldReply] {
        guard !replies.isEmpty, isEnabled else { return [] }
        return replies.map { HeldReply(key: key(), channel: channel, userID: userID, reply: $0, heldAt: now) }
    }

    func posting(_ keys: some Sequence<String>) { state.withLock { $0.inFlight.formUnion(keys) } }
    func finished(_ key: String) { state.withLock { _ = $0.inFlight.remove(key) } }
    var inFlight: Set<String> { state.withLock { $0.inFlight } }
}

extension Bot {
    /// An adapter finished with a reply: `settled` when it was posted or refused for good (the bot is not in the
    /// channel), false when the platform may take it later (unreachable, rate limited, 5xx). A held reply is then
    /// forgotten, or left for the retry round. Replies without a `deliveryKey` need no call (nothing happens).
    public func posted(_ reply: Reply, settled: Bool) async {
        guard let key = reply.deliveryKey else { return }
        defer { outbox.finished(key) }
        guard settled else { return }
        do {
            try await store.write { tx in try tx.release(heldReply: key) }
        } catch {
            // Left held: the retry round posts it again after `retryAfter`, which is a second post; rare enough to log.
            logger.error("a posted reply stays in the outbox", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    /// The held replies no process has posted within `retryAfter`, claimed for this one to post (each marked tried
    /// now, so no replica claims it again before the same wait).
    public func heldRepliesToRetry(now: Date) async -> [HeldReply] {
        guard outbox.isEnabled else { return [] }
        let (retryAfter, inFlight) = (outbox.retryAfter, outbox.inFlight)
        do {
            let claimed = try await store.write { tx in
                try tx.claimHeldReplies(
                    triedBefore: now.addingTimeInterval(-retryAfter), expiredBefore: now.addingTimeInterval(-ReplyOutbox.expiry), now: now,
                    excluding: inFlight, limit: 100
                )
            }
            outbox.posting(claimed.map(\.key))
            return claimed
        } catch {
            logger.error("held replies not checked", metadata: ["error": "\(error)"])
            return []
        }
    }
}
