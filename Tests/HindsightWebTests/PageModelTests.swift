import Foundation
@testable import HindsightCore
import HindsightPrompts
import HindsightTesting
import HindsightWeb
import Testing

@Suite("What the archive's pages are built from")
struct PageModelTests {
    @Test("only http(s) and mailto links become anchors; javascript:, data: and markup stay text")
    func links() {
        let pieces = TextPiece.pieces(
            "see https://grafana.example/d/x?a=1&b=2. and javascript:alert(1) or <b>x</b>", markup: PlainMarkup())
        let links = pieces.filter(\.isLink).map(\.href)
        #expect(links == ["https://grafana.example/d/x?a=1&b=2"])
        #expect(pieces.map(\.text).joined() == "see https://grafana.example/d/x?a=1&b=2. and javascript:alert(1) or <b>x</b>")
        #expect(!TextPiece.isSafe("javascript:alert(1)") && !TextPiece.isSafe("data:text/html,x") && !TextPiece.isSafe("https://x\" onmouseover=\"y"))
        #expect(TextPiece.isSafe("mailto:oncall@example.com") && TextPiece.isSafe("HTTPS://example.com/"))
        #expect(TextPiece.pieces("(https://example.com/a)", markup: PlainMarkup()).filter(\.isLink).map(\.href) == ["https://example.com/a"])
        #expect(TextPiece.pieces("httpd restarted; https:// alone", markup: PlainMarkup()).map(\.text).joined() == "httpd restarted; https:// alone")
    }

    @Test("the list's query string is read into a filter, and paging links keep every filter")
    func listQuery() throws {
        let query = ListQuery(parameters: [
            ("q", "cert expired"), ("severity", "sev1"), ("severity", "SEV2"), ("state", "resolved"), ("tag", "tls"), ("platform", "slack"),
            ("from", "2026-01-01"), ("until", "2026-03-31"), ("page", "3"),
        ])
        #expect(query.problems.isEmpty)
        #expect(query.filter.words == ["cert", "expired"])
        #expect(query.filter.severities == [.sev1, .sev2])
        #expect(query.filter.state == .resolved && query.filter.tag == "tls" && query.filter.platform == .slack)
        #expect(query.filter.until.map(UTCFormat.iso) == "2026-04-01T00:00:00Z")
        #expect(query.page == 3)
        let link = query.queryString(page: 4)
        #expect(link == "?q=cert%20expired&severity=sev1&severity=sev2&state=resolved&tag=tls&platform=slack&from=2026-01-01&until=2026-03-31&page=4")
        let again = ListQuery(parameters: URLComponents(string: "/x" + link)!.queryItems!.map { ($0.name, $0.value ?? "") })
        #expect(again.filter == query.filter && again.page == 4)
        #expect(ListQuery(parameters: [("q", "a+b&c")]).queryString(page: 1) == "?q=a%2Bb%26c")
    }

    @Test("values that make no sense are named, not obeyed")
    func badValues() {
        let query = ListQuery(parameters: [("from", "2026-02-30"), ("until", "yesterday"), ("severity", "sev9"), ("state", "maybe"), ("page", "0")])
        #expect(query.problems == ["from 2026-02-30", "until yesterday", "severity sev9", "state maybe", "page 0"])
        #expect(query.filter == ArchiveFilter() && query.page == 1)
        #expect(ArchiveFilter(query: "\"OR\" NEAR(x) *").words == ["or", "near", "x"])
    }

    @Test("a time axis labels minutes for an hour's incident and days for a week's")
    func axis() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 09:46:40 UTC
        let hour = TimeAxis(start: start, end: start.addingTimeInterval(3_600), left: 0, right: 100)
        let ticks = hour.ticks()
        #expect(ticks.count >= 3 && ticks.count <= 8)
        #expect(ticks.allSatisfy { $0.label.count == 5 && $0.label.contains(":") }, "\(ticks)")
        #expect(hour.x(start) == 0 && hour.x(start.addingTimeInterval(1_800)) == 50)
        let week = TimeAxis(start: start, end: start.addingTimeInterval(6 * 86_400), left: 0, right: 100).ticks()
        #expect(week.allSatisfy { $0.label.count == 5 && $0.label.contains("-") }, "\(week)")
        let twoDays = TimeAxis(start: start, end: start.addingTimeInterval(30 * 3_600), left: 0, right: 100).ticks()
        #expect(twoDays.allSatisfy { $0.label.contains("-") && $0.label.contains(":") }, "\(twoDays)")
        let instant = TimeAxis(start: start, end: start, left: 0, right: 100)
        #expect(instant.x(start) == 50)
    }

    @Test("the timeline picture: marks in time order linking to their rows, milestone names never written over each other")
    func timelineChart() {
        let start = Seed.base
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        func event(_ number: Int, _ minutes: Double, milestone: MilestoneKind? = nil, key: Set<KeyReason> = []) -> KeyTimeline.Entry {
            let event = TimelineEvent(number: number, incidentID: IncidentID(rawValue: "INC-1"), channel: channel, messageID: nil, author: Person(id: "U", name: "Ana"),
                                      occurredAt: start.addingTimeInterval(minutes * 60), text: "e\(number)", source: .command, keyReasons: key, milestone: milestone)
            return KeyTimeline.Entry(event: event, milestone: milestone, reasons: key)
        }
        // Five milestones within two minutes of a 10-hour incident, then one at its very end, and two key events.
        let entries = [event(9, 600, milestone: .resolved), event(1, 0, milestone: .started), event(2, 0.5, milestone: .detected), event(3, 1, milestone: .acknowledged),
                       event(4, 1.5, milestone: .mitigated), event(5, 2, milestone: .detected), event(6, 30, key: [.action]), event(7, 31, key: [.finding])]
        let chart = TimelineChart(entries: entries, start: start) { "e\($0.number)" }
        #expect(chart.marks.map(\.href) == ["#e1", "#e2", "#e3", "#e4", "#e5", "#e6", "#e7", "#e9"])
        #expect(chart.marks.filter(\.isMilestone).count == 6 && chart.marks.filter { !$0.isMilestone }.count == 2)
        let named = chart.marks.filter(\.hasName)
        #expect(named.count >= 4 && named.count < 6, "four label rows, so at most four of five crowded names")
        var spans: [String: [(Double, Double)]] = [:]
        for mark in named {
            let x = Double(mark.x)!, length = Double(mark.name.count) * 7
            let span = mark.nameAnchor == "end" ? (x - length, x) : (x - length / 2, x + length / 2)
            #expect(span.1 <= Double(TimelineChart.width), "\(mark.name) runs off the right edge")
            #expect(!(spans[mark.nameY] ?? []).contains { $0.0 < span.1 && span.0 < $0.1 }, "\(mark.name) overlaps another name")
            spans[mark.nameY, default: []].append(span)
        }
        #expect(chart.marks.last?.nameAnchor == "end")
        #expect(chart.ticks.allSatisfy { $0.label.count == 5 })
    }

    @Test("a page template that would place text unescaped is refused, naming the file and line")
    func unescapedTemplatesRefused() throws {
        let shipped = try PromptSet(directory: TestBot.prompts)
        _ = try WebTemplates { try shipped.sources.text($0).text }
        for sneaky in ["{{{title}}}", "{{& title}}"] {
            do {
                _ = try WebTemplates { name in name == "web/incident.mustache" ? "<h1>\n\(sneaky)</h1>" : try shipped.sources.text(name).text }
                Issue.record("\(sneaky) was accepted")
            } catch let error as WebTemplateError {
                #expect(error.file == "web/incident.mustache" && error.reason.hasPrefix("2:"), "\(error)")
            }
        }
    }
}
