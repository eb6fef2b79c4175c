import Foundation
import Testing
@testable import HindsightCore

@Suite("The incident card: what it shows, and what changes it")
struct IncidentCardTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    @Test("state, milestones, TTx, waiting suggestions as buttons, key events and review progress; status shows the same card")
    func openIncident() throws {
        let h = DeskHarness()
        try h.command("start Checkout errors sev2", at: t0)
        try h.command("detected at 14:03", at: at(4))
        try h.say("rolled back to v41; error rate back to normal", id: "m1", at: at(20))
        let incident = try #require(h.incident)
        let card = try h.desk.card(incident, records: h.records, now: at(21))
        let pending = h.records.suggestions(of: incident.id).filter { $0.status == .pending }
        let suggestion = try #require(pending.first)
        #expect(card.text.contains("INC-2026-1122-001"))
        #expect(card.text.contains("sev2, open since 2026-11-22 14:00:00 UTC"))
        #expect(card.text.contains("detected: 2026-11-22 14:03:00"))
        #expect(card.text.contains("mitigated: not yet"))
        #expect(card.text.contains("TTD 3m"))
        #expect(card.text.contains("Suggested: \(suggestion.reference) *\(suggestion.milestone.rawValue)*"))
        #expect(card.actions.map(\.command) == pending.flatMap { ["confirm \($0.reference)", "dismiss \($0.reference)"] })
        let keys = h.timeline.filter { $0.isKey && !$0.isDeleted }.count
        #expect(card.text.contains("Key events: \(keys) "))
        #expect(card.text.contains("7 ✗ of 9 checks"))  // nothing of the post-mortem written yet
        #expect(!card.text.contains("Report:"))

        let status = try h.command("status", at: at(22))
        #expect(status.first?.text == card.text)
        #expect(status.first?.actions == card.actions + card.menu, "where there is no menu, its items are buttons too")
        #expect(card.menu.map(\.command) == ["role ic me", "role comms me", "role scribe me"])

        // Confirming from the card's button: the suggestion leaves the card, the milestone joins it.
        try h.command(card.actions[0].command, at: at(23))
        let after = try h.desk.card(try #require(h.incident), records: h.records, now: at(23))
        #expect(!after.actions.contains { $0.command.hasSuffix(" \(suggestion.reference)") })
        #expect(after.actions.count == card.actions.count - 2)
        #expect(after.text.contains("\(suggestion.milestone.rawValue): 2026-11-22 14:20:00"))
    }

    @Test("a finished post-mortem: resolved with its duration, every check passed, the report and issues linked")
    func published() throws {
        let h = try DeskHarness.completePostmortem()
        try h.command("publish", at: at(70))
        var draft = try h.draft()
        draft.actions[0].issues = ["github": "https://github.example.com/acme/shop/issues/7"]
        try h.records.apply([.savePostmortem(draft)])
        let card = try h.desk.card(try #require(h.incident), records: h.records, now: at(71))
        #expect(card.text.contains("resolved after 40m"))
        #expect(card.text.contains("9 ✓ 0 ! 0 ✗ of 9 checks"))
        #expect(card.text.contains("Report: `docs/post-mortems/2026-11-22-checkout-returns-500-sev2.md` (revision 1)") || card.text.contains("Report: `docs/post-mortems/2026-11-22-checkout-returns-500.md` (revision 1)"))
        #expect(card.text.contains("AI-001 [github](https://github.example.com/acme/shop/issues/7)"))
    }

    @Test("only changes the card shows wake the keeper: an ordinary message, an edit or a reaction does not")
    func cardChanges() throws {
        let h = DeskHarness()
        try h.command("start Checkout errors sev2", at: t0)
        let id = try #require(h.incident).id
        var event = TimelineEvent(
            number: 2, incidentID: id, channel: Fixtures.channel, messageID: "m9", author: Fixtures.bob, occurredAt: at(1), text: "looking",
            source: .chat)
        #expect(Change.appendEvent(event).cardIncident == nil)
        #expect(Change.setReaction(incidentID: id, number: 2, reaction: Reaction(emoji: "eyes", personID: "U2"), added: true).cardIncident == nil)
        event.keyReasons = [.note]
        #expect(Change.appendEvent(event).cardIncident == id)
        let milestone = try h.decide("detected", at: at(2))
        #expect(milestone.changes.compactMap(\.cardIncident).contains(id))
    }
}
