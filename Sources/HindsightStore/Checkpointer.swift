import Dispatch
import GRDB
import Synchronization

/// WAL checkpoints off the commit path.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: that commit copies the
/// pages back into the database file and fsyncs it, and every message whose acknowledgement waits on that commit
/// waits for the disk (the tail of acknowledgement latency). The store turns automatic checkpoints off on its
/// connections; this runs a PASSIVE checkpoint on a connection of its own, on a thread of its own, `delay` after a
/// write. A passive checkpoint takes no lock the writer or readers need: it copies what no reader still uses and
/// stops there, and the next one carries on. Idle, it does nothing (no timer runs without writes).
///
/// The WAL starts over from its beginning only when a write begins after a checkpoint that copied all of it. Under
/// writes that never pause, a passive checkpoint beside them never quite finishes, and the WAL would grow without end:
/// past `restartAbove` frames it runs a RESTART checkpoint, which waits for the current write, copies the little the
/// passive one left, and holds the next write for that long (milliseconds, once per that many frames).
///
/// Durability is unchanged for a crash or SIGKILL of the process: a commit is in the WAL, which the OS holds. With
/// `synchronous=NORMAL` the WAL is fsynced by checkpoints, so a power loss or kernel crash can lose what was committed
/// since the last one (each begins by syncing the WAL): now about `delay` of writes, where SQLite's own checkpoints
/// left up to 1,000 pages.
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "hindsight.checkpoint", qos: .utility)
    private let delay: Duration
    private let restartAbove: Int
    /// A checkpoint is scheduled and has not started yet: writes meanwhile need no other.
    private let scheduled = Mutex(false)

    init(path: String, delay: Duration, restartAbove: Int = 16_384) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        // No `wal_autocheckpoint` setting here: it acts after a commit, and this connection commits nothing.
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.delay = delay
        self.restartAbove = restartAbove
    }

    /// Called after each write: schedules a checkpoint unless one is already waiting.
    func wrote() {
        let schedule = scheduled.withLock { scheduled in
            defer { scheduled = true }
            return !scheduled
        }
        guard schedule else { return }
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay / .nanoseconds(1)))) { [self] in
            scheduled.withLock { $0 = false }
            checkpoint()
        }
    }

    /// One checkpoint, now, on the calling thread: passive, then a RESTART if the WAL is past `restartAbove` frames.
    @discardableResult
    func checkpoint() -> (walFrameCount: Int, checkpointedFrameCount: Int)? {
        // A failure (the disk, a busy lock) leaves the WAL as it is, which loses nothing: the next write schedules
        // another, and SQLite checkpoints what is left when the last connection closes.
        try? connection.writeWithoutTransaction { db in
            let passive = try db.checkpoint(.passive)
            return passive.walFrameCount > restartAbove ? try db.checkpoint(.restart) : passive
        }
    }
}
