import Foundation
import Testing
@testable import HindsightCore

@Suite("The report's timeline reads like a published post-mortem")
struct ReportTimelineTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func model(_ h: DeskHarness, now: Date) throws -> ReportModel {
        let incident = try #require(h.incident)
        return h.desk.reportModel(incident: incident, events: h.timeline, draft: PostmortemDraft(incidentID: incident.id), now: now, revision: 1)
    }

    @Test("the main timeline is milestones and key events; chatter is only in the transcript appendix")
    func keyOnly() throws {
        let h = DeskHarness()
        try h.command("start Checkout errors sev2", at: t0)
        try h.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m1", at: at(1), integration: true)
        try h.say("lol of course", id: "m2", at: at(2))
        try h.say("decision: roll back to v41", id: "m3", at: at(3))
        let m = try model(h, now: at(60))
        #expect(m.timeline.map(\.event).contains { $0.contains("decision") })
        #expect(!m.timeline.map(\.event).contains { $0.contains("lol") })
        #expect(m.transcript.map(\.event).contains { $0.contains("lol") })
        #expect(m.timeline.first { $0.event.contains("decision") }?.why == "decision")
        let text = h.desk.renderReport(m)
        #expect(text.contains("<details>") && text.contains("</details>"))
    }

    @Test("an incident over several UTC days dates every row, in Markdown, JSON and the Mermaid chart")
    func multiDay() throws {
        let h = DeskHarness()
        try h.command("start Restore takes days sev1", at: t0)
        try h.say("decision: restore from the staging copy", id: "m1", at: at(30))
        try h.say("copy done. starting postgres on db1", id: "m2", at: at(60 * 26))
        let m = try model(h, now: at(60 * 27))
        #expect(m.spansDays)
        #expect(m.timeline.allSatisfy { $0.time.hasPrefix("2026-11-2") })
        #expect(m.transcript.allSatisfy { $0.time.count == "2026-11-22 14:00:00".count })
        #expect(m.mermaid.allSatisfy { $0.name.contains("11-2") })
        #expect(m.timeline.first?.at == "2026-11-22T14:00:00Z")
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        #expect(json.contains(#""at":"2026-11-23T16:00:00Z""#))
    }

    @Test("a long key timeline is charted as its milestones and a spread of the rest; the table keeps every row")
    func chartCap() throws {
        let h = DeskHarness()
        try h.command("start Long restore sev1", at: t0)
        try h.say("[TRIGGERED] #1 restore lag > 1h", id: "a", at: at(1), integration: true)
        for i in 0..<120 { try h.say("decision: restore shard \(i) from the staging copy", id: "m\(i)", at: at(Double(2 + i))) }
        let m = try model(h, now: at(200))
        #expect(m.timeline.count > IncidentDesk.chartLimit)
        #expect(m.mermaid.count == IncidentDesk.chartLimit)
        #expect(m.mermaid.first?.value == "started", "the milestone is kept")
        #expect(m.mermaid.last?.value.contains("shard 11") == true, "the spread reaches the end: \(m.mermaid.last?.value ?? "")")
        #expect(m.mermaidOmitted == m.timeline.count - IncidentDesk.chartLimit)
        #expect(h.desk.renderReport(m).contains("the \(m.mermaidOmitted) others are in the table"))
    }

    @Test("a single-day incident keeps short times in Markdown, full ISO times in JSON")
    func singleDay() throws {
        let h = DeskHarness()
        try h.command("start Checkout errors sev2", at: t0)
        try h.say("decision: roll back to v41", id: "m1", at: at(3))
        let m = try model(h, now: at(60))
        #expect(!m.spansDays)
        #expect(m.timeline.last?.time == "14:03:00")
        #expect(m.timeline.last?.at == "2026-11-22T14:03:00Z")
    }
}

@Suite("One-line action items: fields only at the end")
struct ActionLineTests {
    let parser = Fixtures.desk().parser
    let now = Fixtures.t0

    func draft(_ line: String) -> PostmortemRequest.ActionDraft? {
        if case let .success(.postmortem(.action(draft))) = parser.parse("action \(line)", now: now) { return draft }
        return nil
    }

    @Test("field words inside the text are text", arguments: [
        "Add a lint rule blocking migrations of the type ALTER TABLE ... ADD COLUMN on tables over 10 GB",
        "Require the change owner to stay online for 30 minutes after a production config change",
        "Record the due date of each vendor contract renewal and remind its owner 30 days ahead",
        "Make the deploy bot refuse releases during the freeze unless the priority is P1 and an incident id is attached",
    ])
    func fieldWordsInText(_ line: String) throws {
        let parsed = try #require(draft(line), "\(line) refused")
        #expect(parsed.text == line)
        #expect(parsed.owner == nil && parsed.due == nil && parsed.kind == nil)
    }

    @Test("trailing fields are read, in any order, and taken off the text")
    func trailingFields() throws {
        let parsed = try #require(draft("Add a lag alert for orders-db owner @dana due 2026-12-01 priority P1 type detect"))
        #expect(parsed.text == "Add a lag alert for orders-db")
        #expect(parsed.owner == "@dana" && parsed.priority == .p1 && parsed.kind == .detect)
        #expect(draft("Refund the 212 duplicate captures type other owner @li")?.kind == .other)
    }

    @Test("trailing fields read through the sentence's punctuation, and what only led into them goes too", arguments: [
        ("Enable point-in-time recovery on billing-db with 14 days of retention. Owner: @kenji. Due: 2026-12-15.",
         "Enable point-in-time recovery on billing-db with 14 days of retention."),
        ("Rate-limit /v1/search to 50 req/s per API key (priority P2, due 2026-12-31)", "Rate-limit /v1/search to 50 req/s per API key"),
        ("Page on replica lag above 30 s for orders-db — owner @dana, due 2026-12-15", "Page on replica lag above 30 s for orders-db"),
    ])
    func punctuatedFields(_ line: String, _ text: String) throws {
        let parsed = try #require(draft(line), "\(line) refused")
        #expect(parsed.text == text)
        #expect(parsed.due != nil)
        #expect(parsed.owner == nil || parsed.owner?.hasPrefix("@") == true)
    }

    @Test("an item may start with a status word; a status word then an item reference is a status change")
    func statusWordsLeadingText() throws {
        for line in ["Open a ticket with the storage vendor for the RAID firmware regression", "Done when the reboot command refuses patterns over 50 hosts"] {
            #expect(try #require(draft(line), "\(line) refused").text == line)
        }
        if case .success(.postmortem(.actionStatus(number: 3, status: .done, note: nil))) = parser.parse("action done AI-003", now: now) {} else {
            Issue.record("status change not read")
        }
        if case .failure(.invalidNumber("AIx")) = parser.parse("action done AIx", now: now) {} else { Issue.record("bad item reference accepted") }
    }

    @Test("a malformed trailing field is still an error that names it")
    func malformed() {
        if case .failure(.invalidDay("31/12")) = parser.parse("action Add a lag alert owner @alice due 31/12 priority P1", now: now) {} else {
            Issue.record("bad date accepted")
        }
    }
}

@Suite("Action items judged by specificity, not the first verb")
struct ActionSpecificityTests {
    let check = Fixtures.desk().actionCheck

    @Test("concrete items pass whatever verb they start with", arguments: [
        "Improve the Postgres failover runbook with the promotion steps",
        "Investigate pgbouncer for connection pooling on orders-db (time-boxed, 2 days) and write up a recommendation",
        "Review the terraform modules under modules/network and add prevent_destroy to each production one",
    ])
    func concrete(_ text: String) {
        #expect(check.vagueness(text) == nil, "\(text)")
    }

    @Test("abstract goals are vague whatever verb they start with", arguments: [
        "Faster remediation", "Make restarts quicker", "Make the platform more resilient", "Avoid outages on Fridays",
        "Make Redis more robust", "Look into pgbouncer",
    ])
    func vague(_ text: String) {
        #expect(check.vagueness(text)?.suggestion.contains("specific") == true, "\(text)")
    }
}
