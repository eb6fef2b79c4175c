import Foundation
import HindsightCore
import Testing

/// The guided conversation's transitions on their own: what one answer does at each step, without a draft or a desk.
@Suite("Guided conversation: what an answer does at each step")
struct ConversationMachineTests {
    let words = PostmortemGuide.AnswerWords.english
    let fields = ["users", "duration", "requests"]
    let t0 = Fixtures.t0

    func conversation(_ step: Conversation.Step) -> Conversation {
        Conversation(person: Fixtures.alice, channel: Fixtures.channel, incidentID: IncidentID(day: t0, number: 1), step: step, askedAt: t0)
    }

    @Test("a cancel word ends any step and says so; the message is remembered as answered")
    func cancel() {
        for step: Conversation.Step in [.single(.summary), .impact(field: 1), .why(parent: 3)] {
            var c = conversation(step)
            #expect(c.handle("  Cancel ", messageID: "m9", at: t0, words: words, impactFields: fields) == [.end, .cancelled])
            #expect(c.lastMessageID == "m9")
            #expect(c.step == step)
        }
    }

    @Test("one answer fills one section and ends the conversation")
    func single() {
        var c = conversation(.single(.lucky))
        #expect(c.handle("traffic was low", messageID: "m1", at: t0, words: words, impactFields: fields)
                == [.end, .add(.lucky, text: "traffic was low", field: nil)])
    }

    @Test("impact walks the fields in order: an answer or a skip moves on and asks again; after the last it ends")
    func impact() {
        var c = conversation(.impact(field: 0))
        let later = t0.addingTimeInterval(60)
        #expect(c.handle("12% of EU checkouts", messageID: "m1", at: later, words: words, impactFields: fields)
                == [.add(.impact, text: "12% of EU checkouts", field: "users"), .ask])
        #expect(c.step == .impact(field: 1))
        #expect(c.askedAt == later)
        #expect(c.handle("skip", messageID: "m2", at: later, words: words, impactFields: fields) == [.ask])
        #expect(c.step == .impact(field: 2))
        #expect(c.handle("41,200 failed", messageID: "m3", at: later, words: words, impactFields: fields)
                == [.add(.impact, text: "41,200 failed", field: "requests"), .end, .impactDone])
    }

    @Test("a why answers its parent with any evidence split off; 'done' ends the chain with or without a reason")
    func whys() {
        var c = conversation(.why(parent: 4))
        #expect(c.handle("the pool limit was removed evidence E2 https://x/y", messageID: "m1", at: t0, words: words, impactFields: fields)
                == [.addWhy(parent: 4, text: "the pool limit was removed", evidence: ["E2", "https://x/y"])])
        #expect(c.handle("done: the cause is known", messageID: "m2", at: t0, words: words, impactFields: fields)
                == [.whysDone(reason: "the cause is known")])
        #expect(c.handle("Done.", messageID: "m3", at: t0, words: words, impactFields: fields) == [.whysDone(reason: nil)])
        #expect(c.handle("doneness of the steak", messageID: "m4", at: t0, words: words, impactFields: fields)
                == [.addWhy(parent: 4, text: "doneness of the steak", evidence: [])])
    }

    @Test("the answer words are the team's: another language answers in it")
    func otherWords() {
        let german = PostmortemGuide.AnswerWords(cancel: ["abbrechen"], skip: ["weiter"], done: ["fertig"])
        var c = conversation(.impact(field: 0))
        #expect(c.handle("weiter", messageID: "m1", at: t0, words: german, impactFields: fields) == [.ask])
        #expect(c.handle("skip", messageID: "m2", at: t0, words: german, impactFields: fields) == [.add(.impact, text: "skip", field: "duration"), .ask])
        #expect(c.handle("abbrechen", messageID: "m3", at: t0, words: german, impactFields: fields) == [.end, .cancelled])
    }
}
