import Foundation
import HindsightBot
import HindsightCore
import HindsightPrompts
import HindsightStore
import Logging
import Testing

@Suite("Publishing reports to the reports directory")
struct ReportPublishingTests {
    let channel = ChannelKey(platform: .console, channelID: "console")
    let alice = Person(id: "U1", name: "alice")
    let t0 = Date(timeIntervalSince1970: 1_795_356_000)

    func command(_ bot: Bot, _ text: String, minute: Double) async -> [Reply] {
        await bot.handle(CommandInvocation(channel: channel, user: alice, text: text, receivedAt: t0.addingTimeInterval(minute * 60)))
    }

    @Test("publish writes docs/post-mortems/YYYY-MM-DD-slug.md under the reports directory; publishing again replaces it")
    func writesFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = try PromptSet(directory: BotTests.prompts)
        let bot = Bot(store: try Store(path: dir.appendingPathComponent("db.sqlite").path), desk: prompts.desk(zone: .gmt, redact: { $0 }),
                      logger: Logger(label: "test"), reportsDirectory: dir.appendingPathComponent("reports"))
        _ = await command(bot, "start Payments ../../ timeout sev2", minute: 0)
        _ = await command(bot, "publish --force", minute: 5)
        let file = dir.appendingPathComponent("reports/docs/post-mortems/2026-11-22-payments-timeout.md")
        let first = try String(contentsOf: file, encoding: .utf8)
        #expect(first.hasPrefix("# Payments"))
        _ = await command(bot, "publish --force", minute: 6)
        let second = try String(contentsOf: file, encoding: .utf8)
        #expect(second.contains("Revision 2."))
        let written = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
        #expect(written == ["2026-11-22-payments-timeout.md"])
    }

    @Test("a reports directory that cannot be written gets a reply naming the path; the publication is still recorded")
    func unwritable() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("reports")
        try Data("a file where the directory should be".utf8).write(to: blocker)
        let prompts = try PromptSet(directory: BotTests.prompts)
        let bot = Bot(store: try Store(path: dir.appendingPathComponent("db.sqlite").path), desk: prompts.desk(zone: .gmt, redact: { $0 }),
                      logger: Logger(label: "test"), reportsDirectory: blocker)
        _ = await command(bot, "start Payments timeout sev2", minute: 0)
        let replies = await command(bot, "publish --force", minute: 5)
        #expect(replies.contains { $0.text.contains("could not be saved") && $0.text.contains("HINDSIGHT_REPORTS_DIR") })
        #expect(replies.contains { $0.file != nil }, "the report still goes to the channel")
    }
}
