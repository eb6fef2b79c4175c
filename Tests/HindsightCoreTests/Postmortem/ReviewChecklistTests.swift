import Foundation
import Testing
@testable import HindsightCore

@Suite("Post-mortem review checklist")
struct ReviewChecklistTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    /// An incident taken all the way: milestones, timeline, and every section written through the commands.
    func completePostmortem() throws -> DeskHarness {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        try h.say("error rate at 40%", id: "m1", at: at(2))
        try h.command("detected at 14:03", at: at(4))
        try h.say("rolled back to v41", id: "m2", at: at(20))
        try h.command("mitigated at 14:21", at: at(22))
        try h.command("resolved at 14:40", at: at(41))
        try h.command("summary Checkout returned HTTP 500 for 40 minutes after a config change removed the DB pool limit.", at: at(60))
        try h.command("impact users about 12% of EU checkouts", at: at(61))
        try h.command("impact duration 38 minutes", at: at(61))
        try h.command("impact requests 41,200 failed requests", at: at(61))
        let whys = [
            "the checkout pods exhausted database connections",
            "the pool limit was removed from the config",
            "the config change was generated from an outdated template",
            "templates are copied by hand between repositories",
            "there is no shared, versioned source for service templates",
        ]
        for why in whys { try h.command("why \(why)", at: at(62)) }
        try h.command("rootcause confirm", at: at(63))
        try h.command("factor Technology the pool limit had no safe default", at: at(64))
        try h.command("factor Monitoring no alert on connection saturation", at: at(64))
        try h.command("went-well the rollback took four minutes", at: at(65))
        try h.command("action Publish service templates as a versioned package used by all repos owner @alice due +14d priority P1 type prevent", at: at(66))
        try h.command("followup 2026-12-20", at: at(67))
        return h
    }

    func review(_ h: DeskHarness, at date: Date) throws -> [ReviewResult] {
        let incident = try #require(h.incident)
        let draft = try #require(h.records.postmortem(of: incident.id))
        let guide = h.desk.guide
        return ReviewChecklist(minimumWhyDepth: guide.minimumWhyDepth, followUpWeeks: guide.followUpWeeks, actionCheck: h.desk.actionCheck)
            .evaluate(incident: incident, events: h.timeline, draft: draft, today: date)
    }

    @Test("a complete post-mortem passes every item, and the review says so")
    func complete() throws {
        let h = try completePostmortem()
        let results = try review(h, at: at(70))
        #expect(results.filter { $0.status == .fail }.map(\.item) == [])
        #expect(ReviewChecklist.isComplete(results))
        let text = try h.command("review", at: at(70)).map(\.text).joined()
        #expect(text.contains(h.desk.guide.render(.reviewComplete)))
    }

    @Test("an incomplete post-mortem fails the missing items, each with the command that fixes it")
    func incomplete() throws {
        let h = DeskHarness()
        try h.command("start Search is slow sev3", at: t0)
        try h.command("why @bob broke the index", at: at(5))
        try h.command("action Improve monitoring", at: at(6))
        let results = try review(h, at: at(10))
        let failed = Set(results.filter { $0.status == .fail }.map(\.item))
        #expect(failed == [.timeline, .summary, .impact, .rootCause, .factors, .wentWell, .actions, .blame])
        #expect(results.first { $0.item == .followUp }?.status == .warn)
        #expect(!ReviewChecklist.isComplete(results))
        let text = try h.command("review", at: at(10)).map(\.text).joined()
        #expect(text.contains("/postmortem summary"))
        #expect(text.contains("/postmortem reword P1"))
        #expect(text.contains(h.desk.guide.render(.reviewIncomplete)))
    }

    @Test("keeping a flagged text resolves the blame item; a past-due action only warns")
    func keptAndLate() throws {
        let h = try completePostmortem()
        try h.command("went-wrong Bob broke the staging database", at: at(68))
        #expect(try review(h, at: at(70)).first { $0.item == .blame }?.status == .fail)
        try h.command("keep P13", at: at(69))
        #expect(try review(h, at: at(70)).first { $0.item == .blame }?.status == .pass)
        let later = at(60 * 24 * 30)
        #expect(try review(h, at: later).first { $0.item == .actions }?.status == .warn)
    }

    @Test("fewer than five whys fail unless stopped early with a reason, which warns")
    func shallowWhys() throws {
        let h = DeskHarness()
        try h.command("start Cache miss storm sev3", at: t0)
        try h.command("why all keys expired together", at: at(1))
        try h.command("why TTLs were set without jitter", at: at(2))
        #expect(try review(h, at: at(3)).first { $0.item == .rootCause }?.status == .fail)
        let refused = try h.command("why done", at: at(3)).map(\.text).joined()
        #expect(refused.contains("needs a reason"))
        try h.command("why done the TTL library is third-party and out of our control", at: at(4))
        try h.command("rootcause confirm", at: at(5))
        #expect(try review(h, at: at(6)).first { $0.item == .rootCause }?.status == .warn)
    }
}
