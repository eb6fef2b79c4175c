import Foundation
import Testing
@testable import HindsightCore

@Suite("Stats, patterns and tags in the channel")
struct FollowThroughTests {
    let t0 = Fixtures.t0
    func day(_ n: Double, _ minutes: Double = 0) -> Date { t0.addingTimeInterval(n * 86_400 + minutes * 60) }
    func channel(_ id: String) -> ChannelKey { ChannelKey(platform: .slack, channelID: id) }

    /// Three incidents in three channels: two connection-pool exhaustions tagged checkout, one DNS outage.
    func history() throws -> DeskHarness {
        let h = DeskHarness()
        // 1: pool exhaustion, resolved after 60m, detected after 10m, published 2h after resolution, 2 actions (1 done).
        try h.command("start Checkout 500s sev2", at: day(0), channel: channel("A"))
        try h.command("detected at +10m", at: day(0), channel: channel("A"))
        try h.command("resolved", at: day(0, 60), channel: channel("A"))
        try h.command("why the database connection pool was exhausted by retries", at: day(0, 70), channel: channel("A"))
        try h.command("rootcause confirm", at: day(0, 71), channel: channel("A"))
        try h.command("tag checkout", at: day(0, 72), channel: channel("A"))
        try h.command("action Cap client retries at 3 with jitter in checkout-api owner @alice due 2026-11-25 priority P1", at: day(0, 73), channel: channel("A"))
        try h.command("action Alert at 80% connection pool use for checkout-db owner @bob due 2026-11-24 priority P2", at: day(0, 73), channel: channel("A"))
        try h.command("action done AI-001", at: day(0, 74), channel: channel("A"))
        try h.command("publish --force", at: day(0, 180), channel: channel("A"))
        // 2: DNS, resolved after 30m, not published.
        try h.command("start Internal DNS failures sev3", at: day(10), channel: channel("B"))
        try h.command("resolved", at: day(10, 30), channel: channel("B"))
        try h.command("why the resolver cache expired during a zone transfer", at: day(10, 40), channel: channel("B"))
        // 3: pool exhaustion again, still open.
        try h.command("start Checkout timeouts sev2", at: day(20), channel: channel("C"))
        try h.command("why the connection pool was exhausted by a retry storm", at: day(20, 30), channel: channel("C"))
        try h.command("tag checkout", at: day(20, 31), channel: channel("C"))
        return h
    }

    @Test("stats give counts, MTTx, MTBF, publication and action completion over the window")
    func stats() throws {
        let h = try history()
        let text = try h.command("stats since 2026-11-01", at: day(21), channel: channel("C")).map(\.text).joined()
        #expect(text.contains(": 3 (sev2 2, sev3 1), 1 still open"))
        #expect(text.contains("MTTD 10m"))
        #expect(text.contains("MTTR 45m"), "mean of 60m and 30m")
        #expect(text.contains("MTBF 9d 23h"), "from the first resolution (day 0 + 60m) to the second start (day 10)")
        #expect(text.contains("published: 1 of 2 resolved (50%), 2h 00m after resolution"))
        #expect(text.contains("done: 1 of 2 (50%), 1 overdue"), "AI-002 was due 2026-11-24")
        let recent = try h.command("stats last 5d", at: day(21), channel: channel("C")).map(\.text).joined()
        #expect(recent.contains(": 1 (sev2 1)"))
        let refused = try h.command("stats next week", at: day(21), channel: channel("C")).map(\.text).joined()
        #expect(refused.contains("does not take"))
    }

    @Test("patterns find the earlier pool exhaustion by its analysis and tag, not the DNS outage, with the report path")
    func patterns() throws {
        let h = try history()
        let text = try h.command("patterns", at: day(21), channel: channel("C")).map(\.text).joined(separator: "\n")
        #expect(text.contains("INC-2026-1122-001"))
        #expect(!text.contains("INC-2026-1202-001"))
        #expect(text.contains("#checkout"))
        #expect(text.contains("docs/post-mortems/2026-11-22-checkout-500s.md"))
        let none = try h.command("patterns", at: day(21), channel: channel("B")).map(\.text).joined()
        #expect(none.contains("No other incident"))
    }

    @Test("a published report lists the similar earlier incident with a link to its report")
    func reportSection() throws {
        let h = try history()
        let file = try #require(try h.command("publish --force", at: day(21), channel: channel("C")).first?.file)
        #expect(file.contents.contains("## Similar incidents"))
        #expect(file.contents.contains("[report](2026-11-22-checkout-500s.md)"))
    }
}

@Suite("The stats chart")
struct StatsChartTests {
    @Test("bars count incidents per month, the MTTR line has a point per month with resolutions, and it is well-formed SVG")
    func chart() throws {
        let h = try FollowThroughTests().history()
        let reply = try #require(try h.command("stats chart", at: Fixtures.t0.addingTimeInterval(21 * 86_400)).first)
        let svg = try #require(reply.file?.contents)
        #expect(reply.file?.name.hasSuffix(".svg") == true)
        let months = StatsChart.months(h.records.allIncidents(), now: Fixtures.t0.addingTimeInterval(21 * 86_400))
        #expect(months.count == 12)
        #expect(months.suffix(2).map(\.count) == [1, 2], "November: one incident, December: two")
        #expect(months.suffix(2).map(\.meanTimeToResolve) == [3600, 1800])
        #expect(svg.components(separatedBy: #"class="bar""#).count - 1 == 12)
        #expect(svg.contains(#"class="mttr""#))
        // Well-formed in the sense that matters here (FoundationXML would add libxml2 to the test's dependencies):
        // one root, every element closed, no stray markup from the escaped title.
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == svg.components(separatedBy: "</rect>").count - 1 + 1, "the background rect is self-closing")
        #expect(svg.components(separatedBy: "<text").count == svg.components(separatedBy: "</text>").count)
        #expect(!svg.contains("<script"))
    }
}
