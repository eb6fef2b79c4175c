import Foundation
import Synchronization

/// Which channels are being backfilled and how far each has come, shared with `/readyz` and the gap gauge.
public final class BackfillStatus: Sendable {
    struct Progress: Sendable, Equatable {
        var channel: String
        /// Where capture stood when the backfill began.
        var since: Date
        /// The creation time of the newest post captured so far.
        var newest: Date?
        var posts = 0
        /// Set while the backfill waits to be retried: what is still missing.
        var missing: String?
    }

    /// By job: a channel may have a backfill waiting for a retry while a later one runs.
    private let channels = Mutex<[UUID: Progress]>([:])

    public init() {}

    public func begin(_ job: UUID, channel: String, since: Date) {
        channels.withLock { $0[job] = Progress(channel: channel, since: since) }
    }

    public func progress(_ job: UUID, posts: Int, newest: Date?) {
        channels.withLock { all in
            all[job]?.posts += posts
            if let newest { all[job]?.newest = newest }
            all[job]?.missing = nil
        }
    }

    public func fail(_ job: UUID, missing: String) {
        channels.withLock { $0[job]?.missing = missing }
    }

    public func end(_ job: UUID) {
        _ = channels.withLock { $0.removeValue(forKey: job) }
    }

    /// How far behind the furthest-behind backfill is (0 with none running).
    public func gapSeconds(now: Date) -> Double {
        channels.withLock { all in
            all.values.map { now.timeIntervalSince($0.newest ?? $0.since) }.max().map { max($0, 0) } ?? 0
        }
    }

    /// A line for `/readyz` while a backfill runs or waits for a retry; nil when none does.
    public func summary(now: Date) -> String? {
        let all = channels.withLock { $0 }
        guard !all.isEmpty else { return nil }
        let posts = all.values.map(\.posts).reduce(0, +)
        let behind = Int(gapSeconds(now: now).rounded())
        let count = Set(all.values.map(\.channel)).count
        var text = "backfilling \(count) channel\(count == 1 ? "" : "s"): \(posts) posts so far, \(behind) s behind"
        for progress in all.values.filter({ $0.missing != nil }).sorted(by: { $0.channel < $1.channel }) {
            text += "; \(progress.channel) incomplete, retrying (missing \(progress.missing ?? ""))"
        }
        return text
    }
}
