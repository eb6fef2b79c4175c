import Foundation
import HindsightBot
import HindsightCore
import HindsightPrompts
import HindsightStore
import Logging
import Synchronization
import Testing

@Suite("Reminders, with an injected clock and a real SQLite file")
struct ReminderTests {
    let channel = ChannelKey(platform: .mattermost, channelID: "ch4nch4nch4nch4nch4nch4nch")
    let alice = Person(id: "U1", name: "alice")
    /// 2026-11-22 14:00 UTC, a Sunday (the digest goes out on Mondays from 09:00 UTC).
    let t0 = Date(timeIntervalSince1970: 1_795_356_000)
    func at(hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    func makeBot(_ path: String) throws -> Bot {
        let prompts = try PromptSet(directory: BotTests.prompts)
        return Bot(store: try Store(path: path), desk: prompts.desk(zone: .gmt, redact: { $0 }), logger: Logger(label: "test"))
    }

    func keys(_ bot: Bot, at date: Date) async throws -> [String] {
        try await bot.takeDueReminders(now: date).map(\.key).sorted()
    }

    @Test("each reminder comes due once, at its time, and a restart does not send it again")
    func onceEach() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-reminders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        var bot = try makeBot(path)
        func run(_ text: String, _ date: Date) async {
            _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: text, receivedAt: date))
        }
        await run("start Checkout returns 500 sev2", t0)
        await run("resolved", at(hours: 1))
        await run("action Alert at 80% pool use for checkout-db owner @alice due 2026-11-26 priority P1", at(hours: 2))
        await run("followup 2026-11-30", at(hours: 2))
        let id = "INC-2026-1122-001"

        // Monday 2026-11-23 20:00: only the weekly digest (29 hours after resolution, the item due in three days).
        let first = try await keys(bot, at: at(hours: 30))
        #expect(first.count == 1 && first[0].hasPrefix("digest:"), "\(first)")
        // 2026-11-24 14:00 is two days before the due date, and 47 hours after resolution.
        #expect(try await keys(bot, at: at(hours: 48)) == ["due-soon:\(id):AI-001"])
        #expect(try await keys(bot, at: at(hours: 49)) == ["nudge:\(id)"])
        #expect(try await keys(bot, at: at(hours: 50)) == [])
        bot = try makeBot(path)  // restart
        #expect(try await keys(bot, at: at(hours: 59)) == [])
        // 2026-11-27: overdue.
        #expect(try await keys(bot, at: at(hours: 5 * 24)) == ["overdue:\(id):AI-001"])
        // Monday 2026-11-30 10:00 UTC: the weekly digest and the follow-up review.
        let monday = at(hours: 8 * 24 - 4)
        let mondayKeys = try await keys(bot, at: monday)
        #expect(mondayKeys.count == 2)
        #expect(mondayKeys.contains("followup:\(id)"))
        #expect(mondayKeys.contains { $0.hasPrefix("digest:mattermost:\(channel.channelID):") })
        #expect(try await keys(bot, at: monday.addingTimeInterval(3600)) == [])
        // A week later the digest comes again (the item is still open), the rest does not.
        let nextMonday = try await keys(bot, at: monday.addingTimeInterval(7 * 86_400))
        #expect(nextMonday.count == 1 && nextMonday[0].hasPrefix("digest:"))
    }

    @Test("the nudge stops being due once the post-mortem is published, and done items are not chased")
    func publishedAndDone() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-reminders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        func run(_ text: String, _ date: Date) async {
            _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: text, receivedAt: date))
        }
        await run("start Checkout returns 500 sev2", t0)
        await run("resolved", at(hours: 1))
        await run("action Alert at 80% pool use for checkout-db owner @alice due 2026-11-23 priority P1", at(hours: 2))
        await run("action done AI-001", at(hours: 3))
        await run("publish --force", at(hours: 4))
        #expect(try await keys(bot, at: at(hours: 72)) == [])
    }

    /// A bot on a new SQLite file in `dir` with an incident started at t0 and resolved an hour later: its post-mortem
    /// reminder comes due two days on.
    func botWithResolvedIncident(in dir: URL) async throws -> Bot {
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "start Checkout returns 500 sev2", receivedAt: t0))
        _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "resolved", receivedAt: at(hours: 1)))
        return bot
    }

    @Test("the scheduler delivers what is due on each tick and sleeps between ticks")
    func scheduler() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-reminders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try await botWithResolvedIncident(in: dir)
        let clock = Mutex(at(hours: 2))
        let delivered = Mutex<[DueReminder]>([])
        let scheduler = ReminderScheduler(
            bot: bot, logger: Logger(label: "test"), clock: { clock.withLock { $0 } }, sleep: { _ in },
            deliver: { reminder in delivered.withLock { $0.append(reminder) } }
        )
        #expect(await scheduler.tick() == 0)
        clock.withLock { $0 = at(hours: 50) }
        #expect(await scheduler.tick() == 1)
        #expect(await scheduler.tick() == 0)
        let reminder = try #require(delivered.withLock { $0.first })
        #expect(reminder.channel == channel)
        #expect(reminder.reply.text.contains("not published yet"))
    }

    /// A lease another replica holds until `mine` is set.
    final class Lease: SchedulerLease {
        let mine = Mutex(false)
        func holds() async -> Bool { mine.withLock { $0 } }
    }

    @Test("a replica without the scheduler lease sits the rounds out; once it has the lease, what is due is posted once")
    func leaseDecidesWhoRuns() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-reminders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try await botWithResolvedIncident(in: dir)
        let lease = Lease(), delivered = Mutex(0)
        let scheduler = ReminderScheduler(bot: bot, lease: lease, logger: Logger(label: "test"), clock: { at(hours: 50) }, sleep: { _ in },
                                          deliver: { _ in delivered.withLock { $0 += 1 } })
        #expect(await scheduler.tick() == 0)
        #expect(await scheduler.tick() == 0)
        #expect(delivered.withLock { $0 } == 0, "the due reminder waits for the replica that runs the rounds")
        lease.mine.withLock { $0 = true }
        #expect(await scheduler.tick() == 1)
        #expect(await scheduler.tick() == 0)
        #expect(delivered.withLock { $0 } == 1)
    }

    @Test("replies are held until posted: what a dead process stored but never posted (a suggestion, a reminder) is posted by the next round after the wait, once; a posted or in-flight one never")
    func heldRepliesOutliveTheirProcess() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let clock = Mutex(t0)
        func makeHoldingBot() throws -> Bot {
            let prompts = try PromptSet(directory: BotTests.prompts)
            let bot = Bot(store: try Store(path: path), desk: prompts.desk(zone: .gmt, redact: { $0 }), logger: Logger(label: "test"),
                          clock: { clock.withLock { $0 } })
            bot.outbox.enable(retryAfter: 60)
            return bot
        }
        var bot = try makeHoldingBot()
        _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "start Checkout returns 500 sev2", receivedAt: t0))
        var answered: [Reply] = []
        for (index, line) in ["rolled back to v41", "error rate back to normal, all green", "we are fully recovered, resolving"].enumerated() {
            let sent = t0.addingTimeInterval(Double(60 * (index + 1)))
            clock.withLock { $0 = sent }
            answered += try await bot.capture(.message(ChannelMessage(channel: channel, messageID: "m\(index)", author: alice, sentAt: sent, text: line))).replies
        }
        let keys = answered.compactMap(\.deliveryKey)
        try #require(!answered.isEmpty && keys.count == answered.count, "each suggestion is held: \(answered.map(\.text))")
        // The first was posted; the second failed for now (Mattermost answered 503); the rest were never posted: the
        // process was killed.
        await bot.posted(answered[0], settled: true)
        if answered.count > 1 { await bot.posted(answered[1], settled: false) }

        let retried = Mutex<[HeldReply]>([])
        func scheduler(_ bot: Bot) -> ReminderScheduler {
            ReminderScheduler(bot: bot, logger: Logger(label: "test"), clock: { clock.withLock { $0 } }, sleep: { _ in },
                              deliver: { _ in }, redeliver: { held in retried.withLock { $0.append(held) } })
        }
        clock.withLock { $0 = t0.addingTimeInterval(200) }  // 20 s after the last was held
        await scheduler(bot).tick()
        #expect(retried.withLock { $0 }.isEmpty, "nothing is retried before the wait")
        clock.withLock { $0 = t0.addingTimeInterval(300) }
        await scheduler(bot).tick()
        // The live process still holds the unposted ones as its own (in flight) but for the one that failed.
        #expect(retried.withLock { $0 }.map(\.reply) == Array(answered.dropFirst().prefix(1)), "only the one whose post failed")
        retried.withLock { $0 = [] }

        bot = try makeHoldingBot()  // the process was killed and another took over
        clock.withLock { $0 = t0.addingTimeInterval(400) }
        await scheduler(bot).tick()
        let afterRestart = retried.withLock { $0 }
        #expect(afterRestart.map(\.reply) == Array(answered.dropFirst()), "every reply not posted, in order, with its channel")
        #expect(afterRestart.allSatisfy { $0.channel == channel && $0.userID == alice.id })
        for held in afterRestart { await bot.posted(held.reply, settled: true) }
        retried.withLock { $0 = [] }
        clock.withLock { $0 = t0.addingTimeInterval(600) }
        await scheduler(bot).tick()
        #expect(retried.withLock { $0 }.isEmpty, "posted once each")

        // A due reminder is held the same way: taken and marked sent by a process that died before posting it, it is
        // posted by the next round.
        _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "resolved", receivedAt: at(hours: 1)))
        clock.withLock { $0 = at(hours: 50) }
        let due = try await bot.takeDueReminders(now: at(hours: 50))
        #expect(due.count == 1 && due[0].reply.deliveryKey == "reminder:" + due[0].key)
        bot = try makeHoldingBot()
        clock.withLock { $0 = at(hours: 50).addingTimeInterval(61) }
        await scheduler(bot).tick()
        #expect(retried.withLock { $0 }.map(\.reply.text) == due.map(\.reply.text))
    }
}
