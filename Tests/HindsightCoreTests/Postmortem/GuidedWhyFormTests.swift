import Foundation
@testable import HindsightCore
import Testing

@Suite("The 5 whys through forms that buttons open")
struct GuidedWhyFormTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    static let chain = [
        "Checkout pods ran out of database connections",
        "The connection pool was sized for last year's traffic",
        "Pool sizes are never revisited after launch",
        "No capacity review covers connection pools",
        "Capacity planning has no owner for shared infrastructure",
    ]

    func submitWhy(_ h: DeskHarness, _ text: String, context: String = "", buttons: Bool = true, at minute: Double) throws -> FormResult {
        let submission = FormSubmission(
            formID: "why", context: context, channel: Fixtures.channel, user: Fixtures.alice, values: ["text": text], submittedAt: at(minute),
            buttonsCanOpenForms: buttons
        )
        let (result, changes) = try h.desk.submit(submission, records: h.records)
        try h.records.apply(changes)
        return result
    }

    func accepted(_ result: FormResult) throws -> [Reply] {
        guard case .accepted(let replies) = result else { Issue.record("refused: \(result)"); return [] }
        return replies
    }

    /// The channel questions the typed conversation asks for the same answers, level after level.
    func consoleQuestions() throws -> [String] {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        try h.command("why", at: at(1))
        var asked: [String] = []
        for (index, answer) in Self.chain.enumerated() {
            let (_, replies) = try h.say(answer, id: "a\(index)", at: at(2 + Double(index)), by: Fixtures.alice)
            asked += replies.filter { $0.visibility == .channel }.map(\.text)
        }
        return asked
    }

    @Test("each submitted why asks the conversation's next question with a button that opens that level's form, until the root cause is proposed")
    func chain() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        let first = try #require(try h.command("why", at: at(1), forms: true).first?.form)
        #expect(first.context.isEmpty, "the first form answers the latest why, as before")
        var context = first.context
        var asked: [String] = []
        for (index, answer) in Self.chain.enumerated() {
            let replies = try accepted(try submitWhy(h, answer, context: context, at: 2 + Double(index)))
            asked += replies.filter { $0.visibility == .channel }.map(\.text)
            let entry = try #require(try h.draft().entries(in: .why).last)
            let buttons = replies.flatMap(\.actions)
            guard index + 1 < Self.chain.count else {
                #expect(buttons.isEmpty, "no next level once the root cause is proposed")
                break
            }
            let button = try #require(buttons.first)
            #expect(buttons.count == 1)
            #expect(button.command == "why under \(entry.reference)")
            #expect(button.label.contains("\(index + 2)"))
            let question = try #require(replies.first { !$0.actions.isEmpty }).text
            // The button's command, clicked where forms open, is that level's form: its question over the answer.
            let reply = try #require(try h.command(button.command, at: at(2.5 + Double(index)), forms: true).first)
            let form = try #require(reply.form)
            #expect(form.id == "why")
            #expect(form.context == entry.reference)
            #expect(form.fields.map(\.name) == ["text", "evidence"])
            #expect(form.fields.first?.hint == question)
            context = form.context
        }
        #expect(asked == (try consoleQuestions()), "the same questions and the same proposal as the typed conversation")
        let whys = try h.draft().entries(in: .why)
        #expect(whys.map(\.text) == Self.chain)
        #expect(zip(whys.dropFirst(), whys).allSatisfy { $0.parent == $1.number })
        #expect(try h.conversations().isEmpty, "forms leave no conversation waiting for a chat answer")
    }

    @Test("a why that blames a person asks the next level with a button, as the conversation does")
    func blameAsksDeeper() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        let replies = try accepted(try submitWhy(h, "human error during the deploy", at: 2))
        let entry = try #require(try h.draft().entries(in: .why).last)
        let followUp = try #require(replies.first { !$0.actions.isEmpty })
        #expect(followUp.text == h.desk.guide.render(.whyBlameFollowUp, ["ref": entry.reference, "level": "2"]))
        #expect(followUp.actions.map(\.command) == ["why under \(entry.reference)"])
    }

    @Test("an answered level opens no form: the button refuses, and a form opened before the answer cannot answer it again")
    func answeredLevel() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        _ = try accepted(try submitWhy(h, Self.chain[0], at: 2))
        let p1 = try #require(try h.draft().entries(in: .why).first)
        let early = try #require(try h.command("why under \(p1.reference)", at: at(3), forms: true).first?.form)
        _ = try accepted(try submitWhy(h, Self.chain[1], context: early.context, at: 4))
        let p2 = try #require(try h.draft().entries(in: .why).last)

        let stale = try h.command("why under \(p1.reference)", at: at(5), forms: true)
        #expect(stale.count == 1)
        #expect(stale.first?.form == nil)
        #expect(stale.first?.visibility == .ephemeral)
        #expect(stale.first?.text.contains(p2.reference) == true, "says which why answered it")

        guard case .rejected(let errors) = try submitWhy(h, "Another answer", context: early.context, at: 6) else {
            Issue.record("a second answer to the same level was accepted"); return
        }
        #expect(errors["text"]?.contains(p2.reference) == true)
        #expect(try h.draft().entries(in: .why).map(\.text) == Array(Self.chain.prefix(2)))
        #expect(try h.command("why under P99", at: at(7), forms: true).first?.form == nil, "no form for a why that does not exist")
    }

    @Test("where buttons cannot open forms (Mattermost dialogs) a submitted why says what it said before, and typed whys never ask")
    func unchangedElsewhere() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        let replies = try accepted(try submitWhy(h, Self.chain[0], buttons: false, at: 2))
        #expect(replies.count == 1)
        #expect(replies.allSatisfy { $0.actions.isEmpty && $0.visibility == .ephemeral })
        let typed = try h.command("why \(Self.chain[1])", at: at(3), forms: true)
        #expect(typed.allSatisfy { $0.actions.isEmpty })
        #expect(try h.command("why under P1", at: at(4)).first?.form == nil, "without forms, no form")
    }
}
