import Foundation
import Testing
@testable import HindsightCore

@Suite("Where each reply goes: the answer, a form, or posted after")
struct ReplyPlanTests {
    let form = Form(id: "note", title: "Add a note", submitLabel: "Add", fields: [])
    let file = Reply(.channel, "report attached", file: .init(name: "r.md", contents: "# r"))
    let elsewhere = Reply(.channel, "published", destination: "stakeholders")
    let buttons = Reply(.channel, "S1: mitigated?", actions: [.init(label: "Confirm", command: "confirm S1")])

    @Test("an answer with room for one takes the first reply it can carry; the rest follow in order")
    func one() {
        let slot = AnswerSlot(capacity: 1, buttons: true) { !$0.isEmpty && $0.count <= 10 }
        let long = Reply(.ephemeral, String(repeating: "x", count: 11))
        let plan = ReplyPlan([file, long, Reply(.ephemeral, "ok"), Reply(.channel, "also")], answer: slot)
        #expect(plan.answer == [Reply(.ephemeral, "ok")])
        #expect(plan.followUps == [file, long, Reply(.channel, "also")])
        #expect(plan.forms.isEmpty)
    }

    @Test("a form is opened apart from its text, which is a reply like any other")
    func forms() {
        let plan = ReplyPlan([Reply(.ephemeral, "Add a note", form: form), Reply(.ephemeral, "", form: form)], answer: AnswerSlot(capacity: nil, buttons: true))
        #expect(plan.forms == [form, form])
        #expect(plan.answer == [Reply(.ephemeral, "Add a note")])
        #expect(plan.followUps.isEmpty)
    }

    @Test("uploads, other channels, buttons and channel replies follow where the answer cannot show them")
    func limits() {
        let onlyMe = AnswerSlot(capacity: nil, visibilities: [.ephemeral], buttons: false)
        let plan = ReplyPlan([file, elsewhere, buttons, Reply(.channel, "to all"), Reply(.ephemeral, "to you")], answer: onlyMe)
        #expect(plan.answer == [Reply(.ephemeral, "to you")])
        #expect(plan.followUps == [file, elsewhere, buttons, Reply(.channel, "to all")])
    }

    @Test("with no answer everything is posted; with the console's everything is answered")
    func extremes() {
        let replies = [file, elsewhere, buttons]
        #expect(ReplyPlan(replies, answer: .none).followUps == replies)
        #expect(ReplyPlan(replies, answer: .none).answer.isEmpty)
        #expect(ReplyPlan(replies, answer: .everything).answer == replies)
    }
}
