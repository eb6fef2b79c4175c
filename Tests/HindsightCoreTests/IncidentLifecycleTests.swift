import Foundation
import Testing
@testable import HindsightCore

@Suite("Incident lifecycle and milestone arithmetic")
struct IncidentLifecycleTests {
    let t0 = Fixtures.t0

    @Test("start opens one incident per channel with a stable human-friendly id")
    func startAndRefuseSecond() throws {
        let h = DeskHarness()
        let replies = try h.command("start Checkout errors sev2", at: t0)
        #expect(h.incident?.id.rawValue == "INC-2026-1122-001")
        #expect(h.incident?.severity == .sev2)
        #expect(replies.first?.visibility == .channel)
        #expect(replies.first?.text.contains("INC-2026-1122-001") == true)

        let refusal = try h.command("start Another one", at: t0.addingTimeInterval(60))
        #expect(refusal.first?.visibility == .ephemeral)
        #expect(refusal.first?.text.contains("INC-2026-1122-001") == true)
        #expect(h.records.incidents.count == 1)

        let other = ChannelKey(platform: .slack, channelID: "C2")
        try h.command("start Search slow", at: t0.addingTimeInterval(120), channel: other)
        #expect(h.records.openIncident(in: other)?.id.rawValue == "INC-2026-1122-002")
    }

    @Test("TTD, TTA, TTM and TTR are measured from the start, including backdated milestones")
    func timeToFigures() throws {
        let h = DeskHarness()
        try h.command("start API down sev1 at 13:30", at: t0)           // started 13:30
        try h.command("detected at 13:40", at: t0)                      // +10m
        try h.command("acknowledged at -10m", at: t0.addingTimeInterval(-300)) // 13:45 → +15m
        try h.command("mitigated at 2026-11-22T14:20:00Z rolled back", at: t0.addingTimeInterval(1800))
        try h.command("resolved", at: t0.addingTimeInterval(3600))      // 15:00 → +90m
        let incident = try #require(h.incident)
        #expect(incident.timeTo(.detected) == 600)
        #expect(incident.timeTo(.acknowledged) == 900)
        #expect(incident.timeTo(.mitigated) == 3000)
        #expect(incident.timeTo(.resolved) == 5400)
        #expect(incident.state == .resolved)
        #expect(incident.duration(now: t0.addingTimeInterval(99_999)) == 5400)
        let status = try h.desk.card(incident, records: h.records, now: t0).text
        #expect(status.contains("TTD 10m"))
        #expect(status.contains("TTA 15m"))
        #expect(status.contains("TTM 50m"))
        #expect(status.contains("TTR 1h 30m"))
    }

    @Test("milestones may arrive out of order; one before the start is refused with the fix")
    func outOfOrder() throws {
        let h = DeskHarness()
        try h.command("start Queue backlog", at: t0)
        try h.command("mitigated at 14:30", at: t0.addingTimeInterval(1900))
        try h.command("detected at 14:05", at: t0.addingTimeInterval(2000))
        #expect(h.incident?.timeTo(.mitigated) == 1800)
        #expect(h.incident?.timeTo(.detected) == 300)

        let refusal = try h.command("acknowledged at 13:00", at: t0.addingTimeInterval(2100))
        #expect(h.incident?.milestones[.acknowledged] == nil)
        #expect(refusal.first?.text.contains("started at") == true)

        try h.command("started at 12:50", at: t0.addingTimeInterval(2200))
        try h.command("acknowledged at 13:00", at: t0.addingTimeInterval(2300))
        #expect(h.incident?.timeTo(.acknowledged) == 600)
    }

    @Test("a milestone change is written to the timeline, in time order")
    func milestonesOnTimeline() throws {
        let h = DeskHarness()
        try h.command("start Cache stampede", at: t0)
        try h.say("cache hit rate is at 20% on checkout", id: "1.1", at: t0.addingTimeInterval(30))
        try h.command("detected at 13:59", at: t0.addingTimeInterval(60))   // refused: before the 14:00 start
        #expect(h.timeline.map(\.milestone) == [.started, nil])
        try h.command("started at 13:55", at: t0.addingTimeInterval(70))
        try h.command("detected at 13:59", at: t0.addingTimeInterval(80))
        let milestones = h.timeline.compactMap(\.milestone)
        #expect(milestones == [.started, .started, .detected])
        let reply = try h.desk.timeline(try #require(h.incident), filter: .key, page: 1, records: h.records)
        let lines = reply.text.split(separator: "\n").filter { $0.contains(" UTC E") }
        #expect(lines.count == 3)
        #expect(lines.first?.contains("13:55:00") == true)   // sorted by time, not by number
    }

    @Test("resolve stops capture; reopen resumes it and clears the resolution")
    func reopen() throws {
        let h = DeskHarness()
        try h.command("start Disk full", at: t0)
        try h.command("resolved", at: t0.addingTimeInterval(600))
        #expect(try h.say("after resolution", id: "2.0", at: t0.addingTimeInterval(700)).0 == .ignored(.noOpenIncident))
        try h.command("reopen", at: t0.addingTimeInterval(800))
        #expect(h.incident?.state == .open)
        #expect(h.incident?.milestones[.resolved] == nil)
        #expect(try h.say("it's back", id: "2.1", at: t0.addingTimeInterval(900)).0 == .stored)
        let again = try h.command("reopen", at: t0.addingTimeInterval(950))
        #expect(again.first?.text.contains("open in this channel") == true)
    }

    @Test("commands that need an incident say how to start one; unknown commands get the help")
    func guidance() throws {
        let h = DeskHarness()
        #expect(try h.command("detected", at: t0).first?.text.contains("/postmortem start") == true)
        let help = try h.command("wat", at: t0)
        #expect(help.first?.text.contains("I don't know `/postmortem wat`") == true)
        #expect(help.first?.text.contains("/postmortem timeline") == true)
        #expect(try h.command("detected at 99:00", at: t0).first?.text.contains("-15m") == true)
    }

    @Test("a command typed without its arguments opens a form where the platform can show one")
    func forms() throws {
        let h = DeskHarness()
        let replies = try h.command("start", at: t0, forms: true)
        let form = try #require(replies.first?.form)
        #expect(form.id == "start")
        #expect(form.fields.map(\.name) == ["title", "severity", "at"])
        #expect(try h.command("start", at: t0, forms: false).first?.form == nil)

        let bad = FormSubmission(formID: "start", context: "", channel: Fixtures.channel, user: Fixtures.alice, values: ["title": " ", "at": "tea time"], submittedAt: t0)
        let (rejected, noChanges) = try h.desk.submit(bad, records: h.records)
        guard case let .rejected(errors) = rejected else { Issue.record("expected errors"); return }
        #expect(Set(errors.keys) == ["title", "at"])
        #expect(noChanges.isEmpty)

        var good = bad
        good.values = ["title": "Checkout down", "severity": "sev1", "at": "13:50"]
        let (accepted, changes) = try h.desk.submit(good, records: h.records)
        try h.records.apply(changes)
        guard case .accepted = accepted else { Issue.record("expected acceptance"); return }
        #expect(h.incident?.severity == .sev1)
        #expect(h.incident?.startedAt == t0.addingTimeInterval(-600))
    }
}
