import Foundation
import Logging
import Testing
@testable import HindsightBot
import HindsightCore
import HindsightPrompts
import HindsightStore
import HindsightTesting
import Synchronization

@Suite("Backfills coordinated the same way on every platform")
struct BackfillCoordinatorTests {
    struct Refused: Error {}

    /// What the scripted jobs do: how many times each start point still fails, and which points ran, in order.
    final class Script: Sendable {
        let failuresLeft: Mutex<[Date: Int]>
        let ran = Mutex<[String]>([])
        /// While set, a job waits here before it runs (to have points arrive mid-backfill).
        let hold = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let holding = Mutex(false)
        /// How many retries may start (each waits for one).
        let retriesAllowed = Mutex(0)

        init(failures: [Date: Int] = [:]) { failuresLeft = Mutex(failures) }
    }

    struct ScriptedBackfill: ChannelBackfill {
        let point: BackfillPoint
        let script: Script
        let message: CaptureInput

        var missing: String { "everything after \(point.since)" }

        mutating func run(_ sink: BackfillSink) async throws {
            if script.holding.withLock({ $0 }) {
                await withCheckedContinuation { continuation in script.hold.withLock { $0 = continuation } }
            }
            let fail = script.failuresLeft.withLock { left -> Bool in
                guard let count = left[point.since], count > 0 else { return false }
                left[point.since] = count - 1
                return true
            }
            script.ran.withLock { $0.append("\(point.channel.channelID)@\(Int(point.since.timeIntervalSince1970))\(fail ? " failed" : "")") }
            if fail { throw Refused() }
            try await sink.capture([message], newest: point.since)
        }
    }

    let t0 = Date(timeIntervalSince1970: 1_795_356_000)

    func makeBot(_ dir: URL) throws -> Bot {
        let prompts = try PromptSet(directory: BotTests.prompts)
        return Bot(store: try Store(path: dir.appendingPathComponent("db.sqlite").path), desk: prompts.desk(zone: .gmt, redact: { $0 }), logger: Logger(label: "test"))
    }

    func coordinator(_ bot: Bot, _ script: Script) -> BackfillCoordinator<ScriptedBackfill> {
        BackfillCoordinator(
            platform: .slack, bot: bot, logger: Logger(label: "test"), backoff: { _ in .zero },
            sleep: { _ in
                // Each retry waits until the test lets one go.
                while !script.retriesAllowed.withLock({ allowed in
                    guard allowed > 0 else { return false }
                    allowed -= 1
                    return true
                }) { try await Task.sleep(for: .milliseconds(2)) }
            },
            now: { [t0] in t0.addingTimeInterval(3600) }, replies: { _, _ in },
            make: { [t0] point in
                let message = ChannelMessage(
                    channel: point.channel, messageID: "b\(Int(point.since.timeIntervalSince1970))", author: Person(id: "U2", name: "bo"),
                    sentAt: point.since.addingTimeInterval(1), text: "found while away at \(point.since.timeIntervalSince(t0))"
                )
                return ScriptedBackfill(point: point, script: script, message: .message(message))
            }
        )
    }

    func point(_ channel: String, since offset: TimeInterval) -> BackfillPoint {
        BackfillPoint(channel: ChannelKey(platform: .slack, channelID: channel), since: t0.addingTimeInterval(offset), incidentStartedAt: t0)
    }

    @Test("a channel whose earlier backfill is still being retried stays marked unfinished when a later one succeeds")
    func unfinishedUntilEveryJobEnds() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-backfill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir)
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "ann"), text: "start Checkout errors sev2", receivedAt: t0))
        let captured = ChannelMessage(channel: channel, messageID: "m1", author: Person(id: "U1", name: "ann"), sentAt: t0.addingTimeInterval(600), text: "p99 at 4 s")
        _ = try await bot.capture(.message(captured))

        let script = Script(failures: [t0.addingTimeInterval(10): 1])
        let backfills = coordinator(bot, script)
        let retrying = Task { await backfills.retryFailed() }
        defer { retrying.cancel() }

        await backfills.backfill([point("C1", since: 10)])  // fails; waits for its retry
        #expect(backfills.summary?.contains("C1 incomplete, retrying (missing everything after") == true)
        await backfills.backfill([point("C1", since: 600)])  // a later drop's backfill of the same channel succeeds
        // A restart now must still start from the failed backfill's point, not after the later one.
        #expect(try await bot.backfillPoints(platform: .slack).map(\.since) == [t0.addingTimeInterval(10)])

        script.retriesAllowed.withLock { $0 = 1 }
        try await eventually("the retried backfill done") { backfills.summary == nil }
        #expect(try await bot.backfillPoints(platform: .slack).map(\.since) == [t0.addingTimeInterval(601)])
        #expect(script.ran.withLock { $0 } == ["C1@1795356010 failed", "C1@1795356600", "C1@1795356010"])
        let stored = try await bot.openTimeline(in: channel).compactMap(\.messageID)
        #expect(Set(stored) == ["m1", "b1795356010", "b1795356600"])
    }

    @Test("points that arrive while a backfill runs are merged by channel, from the earlier time, and run next")
    func mergedWhileRunning() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-backfill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir)
        for channel in ["C1", "C2"] {
            _ = await bot.handle(CommandInvocation(
                channel: ChannelKey(platform: .slack, channelID: channel), user: Person(id: "U1", name: "ann"), text: "start Errors in \(channel) sev2", receivedAt: t0
            ))
        }
        let script = Script()
        script.holding.withLock { $0 = true }
        let backfills = coordinator(bot, script)
        let first = Task { await backfills.backfill([point("C1", since: 100)]) }
        try await eventually("the first job waiting") { script.hold.withLock { $0 != nil } }
        // Arrive mid-run: merged (C2 from 50, not 300) and returned at once.
        await backfills.backfill([point("C2", since: 300), point("C2", since: 50)])
        await backfills.backfill([point("C1", since: 200)])
        script.holding.withLock { $0 = false }
        script.hold.withLock { $0?.resume(); $0 = nil }
        await first.value
        #expect(script.ran.withLock { $0 } == ["C1@1795356100", "C1@1795356200", "C2@1795356050"])
        #expect(backfills.summary == nil)
    }
}
