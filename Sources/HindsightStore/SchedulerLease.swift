/// Which process runs the scheduled work (reminders, tracker sync, the weekly digest) when several share one database:
/// the reminder scheduler asks before each round and sits the round out when another process holds the lease.
/// (Each reminder is marked sent in the transaction that takes it, so even two schedulers would post it once; the
/// lease keeps the other rounds, tracker calls among them, to one process.)
public protocol SchedulerLease: Sendable {
    /// Whether this process holds the lease now, taking it when it is free.
    func holds() async -> Bool
}

/// The only process on its database (a SQLite file has one bot): it always holds the lease.
public struct SoleProcess: SchedulerLease {
    public init() {}
    public func holds() async -> Bool { true }
}
