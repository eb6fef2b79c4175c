import Foundation
@testable import HindsightBot
import HindsightCore
import HindsightPrompts
import HindsightStore
import Logging
import Testing

@Suite("Post-mortem drafts in a real SQLite file")
struct PostmortemPersistenceTests {
    let channel = ChannelKey(platform: .slack, channelID: "C9")
    let alice = Person(id: "U1", name: "alice")
    let bob = Person(id: "U2", name: "bob")
    let t0 = Date(timeIntervalSince1970: 1_795_356_000)

    func makeBot(_ path: String) throws -> Bot {
        let prompts = try PromptSet(directory: BotTests.prompts)
        return Bot(store: try Store(path: path), desk: prompts.desk(zone: .gmt, redact: { $0 }), logger: Logger(label: "test"))
    }

    func command(_ bot: Bot, _ text: String, by user: Person, minute: Double) async -> String {
        await bot.handle(CommandInvocation(channel: channel, user: user, text: text, receivedAt: t0.addingTimeInterval(minute * 60)))
            .map(\.text).joined(separator: "\n")
    }

    func say(_ bot: Bot, _ text: String, id: String, by user: Person, minute: Double) async throws -> CaptureOutcome {
        try await bot.capture(.message(ChannelMessage(channel: channel, messageID: id, author: user, sentAt: t0.addingTimeInterval(minute * 60), text: text))).outcome
    }

    @Test("one batch mixing messages, dialog answers and a redelivery: each answer sees the one before, numbers have no gaps")
    func mixedBatch() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-pm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        _ = await command(bot, "start Checkout returns 500 sev2", by: alice, minute: 0)
        #expect(try await say(bot, "error rate at 40%", id: "m1", by: bob, minute: 1) == .stored)
        _ = await command(bot, "impact", by: alice, minute: 2)
        let message = { (text: String, id: String, user: Person, minute: Double) in
            CaptureInput.message(ChannelMessage(channel: self.channel, messageID: id, author: user, sentAt: self.t0.addingTimeInterval(minute * 60), text: text))
        }
        let results = try await bot.capture(batch: [
            message("checking the dashboards", "m2", bob, 3),
            message("12% of EU checkouts", "a1", alice, 3.5),
            message("38 minutes", "a2", alice, 4),
            message("error rate at 40%", "m1", bob, 1),  // a redelivery
            message("rolling back", "m3", bob, 5),
            message("error rate back to 0.1%", "m4", bob, 6),
        ])
        #expect(results.map(\.outcome) == [.stored, .answered, .answered, .duplicate, .stored, .stored])
        let (events, draft) = try await bot.store.read { tx in
            let incident = try #require(try tx.openIncident(in: channel))
            return (try tx.events(of: incident.id), try tx.postmortem(of: incident.id))
        }
        #expect(events.map(\.number) == Array(1...events.count), "numbered without gaps")
        #expect(events.compactMap(\.messageID).filter { $0.hasPrefix("m") } == ["m1", "m2", "m3", "m4"])
        #expect(draft?.entries(in: .impact).compactMap(\.field) == ["users", "duration"], "the second answer went to the next question")
    }

    @Test("a 5-whys conversation survives closing and reopening the database, and continues where it stopped")
    func restartMidDialog() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-pm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        do {
            let bot = try makeBot(path)
            _ = await command(bot, "start Checkout returns 500 sev2", by: alice, minute: 0)
            _ = await command(bot, "resolved", by: alice, minute: 30)
            _ = await command(bot, "why", by: alice, minute: 40)
            #expect(try await say(bot, "pods ran out of DB connections", id: "w1", by: alice, minute: 41) == .answered)
        }
        let bot = try makeBot(path)
        #expect(try await say(bot, "the pool limit was removed", id: "w2", by: alice, minute: 42) == .answered)
        let channel = self.channel
        let found = try await bot.store.read { tx in try tx.latestIncident(in: channel).flatMap { try tx.postmortem(of: $0.id) } }
        let whys = try #require(found).entries(in: .why)
        #expect(whys.map(\.text) == ["pods ran out of DB connections", "the pool limit was removed"])
        #expect(whys[1].parent == whys[0].number)
    }

    @Test("forty entries from two people at once are all kept, each with its author")
    func concurrentContributors() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-pm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bot = try makeBot(dir.appendingPathComponent("db.sqlite").path)
        _ = await command(bot, "start Search is slow sev3", by: alice, minute: 0)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask { _ = await command(bot, "went-well alice item \(i)", by: alice, minute: 1) }
                group.addTask { _ = await command(bot, "lesson bob item \(i)", by: bob, minute: 1) }
            }
        }
        let channel = self.channel
        let found = try await bot.store.read { tx in try tx.openIncident(in: channel).flatMap { try tx.postmortem(of: $0.id) } }
        let draft = try #require(found)
        #expect(draft.entries.count == 40)
        #expect(Set(draft.entries.map(\.number)).count == 40)
        #expect(draft.entries(in: .wentWell).allSatisfy { $0.author == alice })
        #expect(draft.entries(in: .lesson).allSatisfy { $0.author == bob })
    }
}
