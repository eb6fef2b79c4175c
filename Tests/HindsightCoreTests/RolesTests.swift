import Foundation
import Testing
@testable import HindsightCore

@Suite("Roles: who is IC, on comms, taking notes")
struct RolesTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }
    let parser = CommandParser(zone: .gmt)

    @Test("role commands parse with aliases; a wrong role or a missing person says what to type")
    func parsing() throws {
        #expect(try parser.parse("role ic @dana", now: t0).get() == .role(.ic, person: "@dana"))
        #expect(try parser.parse("role Commander me", now: t0).get() == .role(.ic, person: "me"))
        #expect(try parser.parse("role comms <@U2>", now: t0).get() == .role(.comms, person: "<@U2>"))
        #expect(try parser.parse("role scribe none", now: t0).get() == .role(.scribe, person: nil))
        #expect(throws: CommandError.invalidRole("pilot")) { try parser.parse("role pilot @x", now: t0).get() }
        #expect(throws: CommandError.missingArgument(subcommand: "role ic", argument: "@person, me or none")) { try parser.parse("role ic", now: t0).get() }
        let h = DeskHarness()
        try h.command("start API down", at: t0)
        #expect(try h.command("role pilot @x", at: at(1)).first?.text.contains("ic (incident commander), comms or scribe") == true)
    }

    @Test("set, handed over, cleared: each said in the channel and a key event; on the card and in the report header")
    func lifecycle() throws {
        let h = DeskHarness()
        try h.command("start API down sev2", at: t0)
        let set = try h.command("role ic @dana", at: at(1))
        #expect(set.first?.visibility == .channel)
        #expect(set.first?.text == "*INC-2026-1122-001*: IC is now @dana (set by alice).")
        try h.command("role scribe me", at: at(2), by: Fixtures.bob)
        let handover = try h.command("role ic @lee", at: at(30))
        #expect(handover.first?.text == "*INC-2026-1122-001*: IC handed over from @dana to @lee (by alice).")
        #expect(h.incident?.roles == [.ic: "@lee", .scribe: "<@U2>"])  // Slack: `me` is a mention by id

        let roleEvents = h.timeline.filter { $0.source == .command && $0.text.contains("IC ") }
        #expect(roleEvents.map(\.occurredAt) == [at(1), at(30)])
        #expect(roleEvents.allSatisfy { $0.isKey })

        let card = try h.desk.card(try #require(h.incident), records: h.records, now: at(31))
        #expect(card.text.contains("Roles: IC @lee · Scribe <@U2>"))
        let same = try h.command("role ic @lee", at: at(32))
        #expect(same.first?.visibility == .ephemeral)
        #expect(same.first?.text == "IC is already @lee.")

        try h.command("role scribe none", at: at(33))
        #expect(h.incident?.roles == [.ic: "@lee"])
        let incident = try #require(h.incident)
        let report = h.desk.renderReport(h.desk.reportModel(
            incident: incident, events: h.timeline, draft: PostmortemDraft(incidentID: incident.id), now: at(40), revision: 1))
        #expect(report.contains("**Roles:** IC @lee"))
    }

    @Test("with no role set the card says how to set one; on a platform without ids, `me` is the typed @name")
    func unset() throws {
        let h = DeskHarness()
        let channel = ChannelKey(platform: .mattermost, channelID: "ch1")
        try h.command("start API down", at: t0, channel: channel)
        let incident = try #require(h.records.openIncident(in: channel))
        #expect(try h.desk.card(incident, records: h.records, now: at(1)).text.contains("Roles: none yet"))
        try h.command("role ic me", at: at(1), channel: channel)
        #expect(h.records.openIncident(in: channel)?.roles[.ic] == "@alice")
    }
}
