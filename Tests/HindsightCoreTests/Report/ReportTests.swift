import Foundation
import Ink
import Testing
@testable import HindsightCore

@Suite("The post-mortem report")
struct ReportTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func complete() throws -> DeskHarness { try DeskHarness.completePostmortem() }

    func minimal() throws -> DeskHarness {
        let h = DeskHarness()
        try h.command("start Search is slow sev4", at: t0)
        return h
    }

    func render(_ h: DeskHarness, revision: Int = 1, forced: Bool = false) throws -> String {
        let incident = try #require(h.incident)
        let draft = h.records.postmortem(of: incident.id) ?? PostmortemDraft(incidentID: incident.id)
        let model = h.desk.reportModel(incident: incident, events: h.timeline, draft: draft, now: at(70), revision: revision, forced: forced)
        return h.desk.renderReport(model)
    }

    /// Compares with the checked-in golden file; `HINDSIGHT_UPDATE_GOLDEN=1 swift test` rewrites it (review the diff).
    func expectGolden(_ text: String, _ name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["HINDSIGHT_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(text == golden, "differs from Golden/\(name); rerun with HINDSIGHT_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test("a complete post-mortem renders as the golden report")
    func completeGolden() throws {
        try expectGolden(try render(try complete()), "complete.md")
    }

    @Test("a bare incident renders as the golden report, every empty section saying so")
    func minimalGolden() throws {
        try expectGolden(try render(try minimal()), "minimal.md")
    }

    @Test("the report parses as Markdown with every section, its tables and the Mermaid block")
    func parses() throws {
        let text = try render(try complete())
        let html = MarkdownParser().html(from: text)
        for heading in ["Summary", "Impact", "Timeline (UTC)", "Root cause", "Contributing factors", "What went well",
                        "What went wrong", "Where we got lucky", "Action items", "Lessons learned", "Review"] {
            #expect(html.contains(">\(heading)</h2>"), "missing section \(heading)")
        }
        #expect(html.components(separatedBy: "<table>").count - 1 == 5, "header, impact, timeline, actions, review tables")
        #expect(text.contains("```mermaid\ntimeline\n"))
        #expect(html.contains("href=\"https://deploys.example.com/41\""))
        #expect(!html.contains("&lt;https"))
    }

    @Test("hostile text in every field stays text")
    func hostile() throws {
        let h = DeskHarness()
        let evil = "<script>alert(1)</script> | `rm -rf /` [x](javascript:alert(1))"
        try h.command("start \(evil) sev2", at: t0)
        try h.say(evil + "\n# heading\n" + String(repeating: "z", count: 10_000), id: "m1", at: at(1))
        try h.command("summary \(evil)", at: at(2))
        try h.command("action \(evil) owner @alice due +7d priority P1", at: at(3))
        let html = MarkdownParser().html(from: try render(h))
        #expect(!html.contains("<script"))
        #expect(!html.contains("href=\"javascript"))
        #expect(!html.contains("<h1>heading"))
        #expect(html.contains(String(repeating: "z", count: 10_000)))
    }

    @Test("publish refuses while the review fails, publishes with --force and says so in the report")
    func publishForce() throws {
        let h = try minimal()
        let refused = try h.command("publish", at: at(10))
        #expect(refused.allSatisfy { $0.file == nil })
        #expect(refused.map(\.text).joined().contains("--force"))
        let forced = try h.command("publish --force", at: at(11))
        let file = try #require(forced.first?.file)
        #expect(file.name == "2026-11-22-search-is-slow.md")
        #expect(file.contents.contains("Published before the review was complete"))
    }

    @Test("stakeholder channels from the settings and from `publish to` each get the summary and the file, once")
    func stakeholders() throws {
        var h = try complete()
        h = h.withStakeholders(["C-LEADS"])
        let replies = try h.command("publish to #support <#C-LEADS|leads> <#C-EXEC|exec>", at: at(70))
        #expect(replies.map(\.destination) == [nil, "C-LEADS", "support", "C-EXEC"])
        #expect(replies.allSatisfy { $0.file != nil })
    }

    @Test("a complete post-mortem publishes at once; publishing again is a marked revision of the same file")
    func publishTwice() throws {
        let h = try complete()
        let first = try h.command("publish", at: at(70))
        #expect(first.first?.visibility == .channel)
        #expect(first.first?.text.contains("docs/post-mortems/2026-11-22-checkout-returns-500.md") == true)
        let second = try h.command("publish", at: at(71))
        #expect(second.first?.file?.name == first.first?.file?.name)
        #expect(second.first?.file?.contents.contains("Revision 2.") == true)
        #expect(first.first?.file?.contents.contains("Revision") == false)
        let incident = try #require(h.incident)
        #expect(h.records.postmortem(of: incident.id)?.publications == 2)
    }
}
