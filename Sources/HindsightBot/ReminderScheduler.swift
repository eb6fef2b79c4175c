import Foundation
import HindsightCore
import HindsightStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

extension Bot {
    /// The reminders due at `now`, marked as sent in the same transaction that finds them: each is returned once,
    /// across restarts and concurrent ticks. Held in the outbox in that transaction too (when holding is on), so one
    /// whose process dies before posting it is posted by the next retry round.
    public func takeDueReminders(now: Date) async throws(StoreError) -> [DueReminder] {
        let (desk, outbox) = (self.desk, self.outbox)
        let due = try await store.write { tx in
            var due = try desk.dueReminders(now: now, records: tx, sent: { try tx.reminderSent($0) })
            try tx.apply(due.map { .markReminderSent(key: $0.key, at: now) })
            for index in due.indices {
                guard let held = outbox.held([due[index].reply], channel: due[index].channel, userID: nil,
                                             key: { [key = due[index].key] in "reminder:" + key }, at: now).first else { continue }
                try tx.hold([held])
                due[index].reply = held.reply
            }
            return due
        }
        outbox.posting(due.compactMap(\.reply.deliveryKey))
        return due
    }
}

/// Posts due reminders every `interval`: post-mortem nudges, action items due soon or overdue, follow-up reviews and
/// the weekly digest. Its state is the store's, so it survives restarts without sending anything twice.
public final class ReminderScheduler: Service, Sendable {
    private let bot: Bot
    private let interval: Duration
    private let clock: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void
    private let deliver: @Sendable (DueReminder) async -> Void
    /// Posts a held reply that no process posted in time (`Bot.heldRepliesToRetry`).
    private let redeliver: @Sendable (HeldReply) async -> Void
    private let logger: Logger
    /// How often action items are synced from their tracker issues (closed → done).
    private let syncInterval: TimeInterval
    private let lastSync = Mutex<Date?>(nil)
    /// Whether this process runs the rounds, when replicas share a database (`SoleProcess` on SQLite).
    private let lease: any SchedulerLease

    public init(
        bot: Bot, interval: Duration = .seconds(60), syncInterval: TimeInterval = 3600, lease: any SchedulerLease = SoleProcess(), logger: Logger,
        clock: @escaping @Sendable () -> Date = Date.init,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        deliver: @escaping @Sendable (DueReminder) async -> Void,
        redeliver: @escaping @Sendable (HeldReply) async -> Void = { _ in }
    ) {
        self.redeliver = redeliver
        self.bot = bot
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.deliver = deliver
        self.logger = logger
        self.syncInterval = syncInterval
        self.lease = lease
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var expected = ContinuousClock.now
            while !Task.isCancelled {
                // How late this tick runs compared with its schedule (a busy store or a slow tracker shows here).
                Gauge(label: "hindsight_scheduler_lag_seconds").record(max(0, Double((ContinuousClock.now - expected).components.seconds)))
                expected = ContinuousClock.now + self.interval
                await self.tick()
                do {
                    try await self.sleep(self.interval)
                } catch {
                    return  // cancelled: the service group is shutting down, which is a normal end
                }
            }
        }
    }

    /// One pass: finds, marks and delivers what is due, then posts the held replies no process posted in time; returns
    /// how many reminders were delivered. A process without the lease (another replica runs the rounds) does nothing.
    @discardableResult
    public func tick() async -> Int {
        guard await lease.holds() else { return 0 }
        let now = clock()
        let syncDue = lastSync.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= syncInterval }) ?? true else { return false }
            last = now
            return true
        }
        if syncDue {
            for (channel, reply) in await bot.syncActionItems(now: now) {
                await deliver(DueReminder(key: "sync", channel: channel, reply: reply))
            }
        }
        let retried = await bot.heldRepliesToRetry(now: now)
        if !retried.isEmpty { logger.notice("posting replies another process held but did not post", metadata: ["count": "\(retried.count)"]) }
        for held in retried { await redeliver(held) }
        do {
            let due = try await bot.takeDueReminders(now: now)
            for reminder in due { await deliver(reminder) }
            if !due.isEmpty { logger.info("reminders posted", metadata: ["count": "\(due.count)"]) }
            return due.count
        } catch {
            // Nothing was marked: the next tick tries again.
            logger.error("reminders not checked", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
