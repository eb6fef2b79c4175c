import Foundation
import Logging
import Testing
@testable import HindsightBot
import HindsightConsole
import HindsightCore
import HindsightPrompts
import HindsightStore
import HindsightTesting
import Synchronization

@Suite("The bot over a real SQLite file")
struct BotTests {
    static let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Prompts")

    func makeBot(_ path: String) throws -> Bot {
        let prompts = try PromptSet(directory: Self.prompts)
        let desk = prompts.desk(zone: .gmt, redact: { $0 })
        return Bot(store: try Store(path: path), desk: desk, logger: Logger(label: "test"))
    }

    @Test("console lines become messages and commands, through the same bot and store")
    func console() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-bot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        let clock = Mutex(Date(timeIntervalSince1970: 1_795_356_000))
        let console = ConsoleChannel(bot: bot, user: Person(id: "console:ann", name: "ann"), filesDirectory: dir, logger: Logger(label: "test"),
                                     now: { clock.withLock { $0 = $0.addingTimeInterval(1); return $0 } })
        let input = ["/postmortem start Search is slow sev3", "p99 at 4s", "", "/postmortem timeline", "/postmortem nonsense"]
        let output = Mutex<[String]>([])
        await console.run(lines: AsyncStream { c in input.forEach { c.yield($0) }; c.finish() }) { text in output.withLock { $0.append(text) } }
        let replies = output.withLock { $0 }
        #expect(replies.count == 4)   // welcome, start, timeline, help
        #expect(replies[2].contains("p99 at 4s"))
        #expect(replies[3].contains("I don't know"))
        let incident = try #require(try await bot.store.read { tx in try tx.openIncident(in: ConsoleChannel.channel) })
        let events = try await bot.store.read { tx in try tx.events(of: incident.id) }
        #expect(events.map(\.text).contains("p99 at 4s"))
        #expect(events.first { $0.text == "p99 at 4s" }?.occurredAt == Date(timeIntervalSince1970: 1_795_356_002))
    }

    @Test("a backfill replaying a message stored under an earlier incident stores nothing under the new one: no event, no suggestion pointing at one")
    func replayIntoLaterIncident() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-bot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        let ann = Person(id: "U1", name: "ann"), bo = Person(id: "U2", name: "bo")
        let t0 = Date(timeIntervalSince1970: 1_795_356_000)
        func message(_ id: String, _ text: String, at offset: TimeInterval) -> CaptureInput {
            .message(ChannelMessage(channel: channel, messageID: id, author: bo, sentAt: t0.addingTimeInterval(offset), text: text))
        }
        let recovery = "rollback done, error rates back to normal for all users"
        _ = await bot.handle(CommandInvocation(channel: channel, user: ann, text: "start Checkout errors sev2", receivedAt: t0))
        #expect(try await bot.capture(message("m1", recovery, at: 60)).outcome == .stored)
        _ = await bot.handle(CommandInvocation(channel: channel, user: ann, text: "resolved", receivedAt: t0.addingTimeInterval(120)))
        _ = await bot.handle(CommandInvocation(channel: channel, user: ann, text: "start Checkout errors again sev2", receivedAt: t0.addingTimeInterval(600)))
        let later = try #require(try await bot.store.read { tx in try tx.openIncident(in: channel) })
        let before = try await bot.store.read { tx in (try tx.events(of: later.id), try tx.suggestions(of: later.id), try tx.eventCount()) }

        // The reconnect's backfill delivers m1 again, now that the later incident is open in the channel.
        #expect(try await bot.capture(message("m1", recovery, at: 60)).outcome == .duplicate)
        let (events, suggestions) = try await bot.store.read { tx in (try tx.events(of: later.id), try tx.suggestions(of: later.id)) }
        #expect(events == before.0, "the message is stored once, under the incident it was captured in")
        #expect(suggestions == before.1)
        #expect(suggestions.allSatisfy { s in events.contains { $0.number == s.eventNumber } }, "every suggestion points at a stored event")
        #expect(try await bot.store.read { tx in try tx.eventCount() } == before.2, "m1 once in the file")
    }

    @Test("concurrent captures from many tasks are all stored once, numbered without gaps")
    func concurrentCapture() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-bot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        let t0 = Date(timeIntervalSince1970: 1_795_356_000)
        _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "a"), text: "start Load test", receivedAt: t0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<100 {
                        let id = "\(task)-\(i % 60)"   // ids repeat: 40 duplicates per task
                        let m = ChannelMessage(channel: channel, messageID: id, author: Person(id: "U2", name: "b"), sentAt: t0.addingTimeInterval(Double(i)), text: "m \(id)")
                        _ = try await bot.capture(.message(m))
                    }
                }
            }
            try await group.waitForAll()
        }
        let incident = try #require(try await bot.store.read { tx in try tx.openIncident(in: channel) })
        let events = try await bot.store.read { tx in try tx.events(of: incident.id) }
        #expect(events.count == 1 + 8 * 60)
        #expect(events.map(\.number) == Array(1...(1 + 8 * 60)))
    }
}

@Suite("Where a backfill starts after an interruption")
struct BackfillPointTests {
    @Test("while a backfill is unfinished, the starting point stays where it began, even after newer live messages are stored")
    func interruptedBackfillKeepsItsStart() async throws {
        try await withTemporaryFolder("hindsight-backfill") { dir in
            let bot = try TestBot.make(path: dir.appendingPathComponent("db.sqlite").path)
            let channel = ChannelKey(platform: .slack, channelID: "C0BACKFILL")
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "alice"), text: "start Gap test sev3", receivedAt: start))
            func message(_ id: String, at offset: TimeInterval) -> CaptureInput {
                .message(ChannelMessage(channel: channel, messageID: id, author: Person(id: "U1", name: "alice"), sentAt: start.addingTimeInterval(offset), text: "line \(id)"))
            }
            _ = try await bot.capture(message("m1", at: 10))
            let gapStart = try #require(try await bot.backfillPoints(platform: .slack).first).since
            #expect(gapStart == start.addingTimeInterval(10))
            try await bot.beginBackfill(channel, since: gapStart)
            // A live message after the gap lands before the backfill has stored the gap; then the process dies.
            _ = try await bot.capture(message("m9", at: 90))
            let afterRestart = try #require(try await bot.backfillPoints(platform: .slack).first)
            #expect(afterRestart.since == gapStart)
            #expect(afterRestart.lastMessageID == nil)
            try await bot.endBackfill(channel)
            #expect(try await bot.backfillPoints(platform: .slack).first?.since == start.addingTimeInterval(90))
        }
    }
}
