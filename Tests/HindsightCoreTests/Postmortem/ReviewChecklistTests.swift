import Foundation
import Testing
@testable import HindsightCore

@Suite("Post-mortem review checklist")
struct ReviewChecklistTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func completePostmortem() throws -> DeskHarness { try DeskHarness.completePostmortem() }

    func review(_ h: DeskHarness, at date: Date) throws -> [ReviewResult] {
        let incident = try #require(h.incident)
        let draft = try #require(h.records.postmortem(of: incident.id))
        return h.desk.reviewChecklist.evaluate(incident: incident, events: h.timeline, draft: draft, today: date)
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
        try h.command("keep P16", at: at(69))  // the went-wrong just added follows P1…P15
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
