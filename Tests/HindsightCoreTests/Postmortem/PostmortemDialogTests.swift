import Foundation
import Testing
@testable import HindsightCore

@Suite("Guided post-mortem conversations")
struct PostmortemDialogTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func resolvedIncident() throws -> DeskHarness {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        try h.say("error rate at 40%", id: "m1", at: at(1))
        try h.command("resolved", at: at(30))
        return h
    }

    @Test("summary without text asks; the asker's next message is the answer, not a timeline event")
    func guidedSummary() throws {
        let h = try resolvedIncident()
        let question = try h.command("summary", at: at(40)).map(\.text).joined()
        #expect(question.contains("Checkout returns 500"))
        let before = h.timeline.count
        let (outcome, replies) = try h.say("Checkout failed for 30 minutes after a config change.", id: "a1", at: at(41), by: Fixtures.alice)
        #expect(outcome == .answered)
        #expect(replies.map(\.text).joined().contains("P1"))
        #expect(h.timeline.count == before)
        #expect(try h.draft().entries(in: .summary).map(\.text) == ["Checkout failed for 30 minutes after a config change."])
        #expect(try h.conversations().isEmpty)
        // Later chat from the same person is ordinary again.
        #expect(try h.say("thanks all", id: "a2", at: at(42), by: Fixtures.alice).0 == .ignored(.noOpenIncident))
    }

    @Test("the 5 whys ask level after level, chain the answers, then propose the deepest as root cause")
    func fiveWhys() throws {
        let h = try resolvedIncident()
        try h.command("why", at: at(40))
        let answers = [
            "pods ran out of DB connections evidence E2",
            "the pool limit was removed",
            "the config came from an outdated template",
            "templates are copied by hand",
            "there is no versioned template source",
        ]
        var last: [Reply] = []
        for (i, answer) in answers.enumerated() {
            let (outcome, replies) = try h.say(answer, id: "w\(i)", at: at(41 + Double(i)), by: Fixtures.alice)
            #expect(outcome == .answered)
            last = replies
            if i < 4 { #expect(replies.map(\.text).joined().contains("Why \(i + 2)")) }
        }
        let pm = try h.draft()
        let whys = pm.entries(in: .why)
        #expect(whys.count == 5)
        #expect(whys[0].parent == nil && whys[0].evidence == ["E2"] && whys[0].text == "pods ran out of DB connections")
        for i in 1..<5 { #expect(whys[i].parent == whys[i - 1].number) }
        #expect(pm.whyDepth == 5)
        #expect(last.map(\.text).joined().contains("looks like the root cause"))
        #expect(try h.conversations().isEmpty)
        try h.command("rootcause confirm", at: at(50))
        #expect(try h.draft().rootCause?.text == "there is no versioned template source")
    }

    @Test("a why that ends at a person gets the follow-up question and the chain goes on below it")
    func blameInWhys() throws {
        let h = try resolvedIncident()
        try h.command("why", at: at(40))
        let (_, replies) = try h.say("human error during the deploy", id: "w1", at: at(41), by: Fixtures.alice)
        let text = replies.map(\.text).joined(separator: "\n")
        #expect(text.contains("what allowed"))
        #expect(text.contains("A person is never the last why"))
        try h.say("the deploy script has no dry-run", id: "w2", at: at(42), by: Fixtures.alice)
        let whys = try h.draft().entries(in: .why)
        #expect(whys.count == 2)
        #expect(whys[1].parent == whys[0].number)
        #expect(whys[0].hasOpenFindings)
    }

    @Test("asked in a thread: only replies there answer, the next question goes there too, and the main channel stays timeline")
    func threaded() throws {
        let h = DeskHarness()
        try h.command("start Checkout errors", at: at(0))
        let question = try #require(try h.command("impact", at: at(40)).first)
        #expect(question.thread == ReplyThread(rootID: nil, personID: Fixtures.alice.id))
        #expect(ReplyPlan([question], answer: AnswerSlot(capacity: 1, buttons: true)).followUps == [question], "no immediate answer can be threaded")
        // The adapter posted it as Q1: the conversation's answers come from Q1's thread from now on.
        try h.records.apply(try h.desk.conversationThreadStarted(in: Fixtures.channel, personID: Fixtures.alice.id, messageID: "Q1", records: h.records).changes)

        let (outcome, _) = try h.say("rolling back the config now", id: "c1", at: at(41), by: Fixtures.alice)
        #expect(outcome == .stored, "said in the channel: the timeline's, not an answer")
        let reply = ChannelMessage(channel: Fixtures.channel, messageID: "a1", author: Fixtures.alice, sentAt: at(42), text: "12% of EU checkouts", threadParentID: "Q1")
        let (answered, next) = try h.capture(.message(reply))
        #expect(answered == .answered)
        #expect(try h.draft().entries(in: .impact).map(\.text) == ["12% of EU checkouts"])
        #expect(next.contains { $0.visibility == .channel } && next.contains { $0.visibility == .ephemeral })
        #expect(next.allSatisfy { $0.thread == ReplyThread(rootID: "Q1", personID: Fixtures.alice.id) }, "the next question, and what only she sees, go to the thread")
        #expect(h.timeline.contains { $0.messageID == "c1" })
        #expect(!h.timeline.contains { $0.messageID == "a1" })
    }

    @Test("impact walks each field; skip leaves one empty; the walk ends with a count")
    func impactWalk() throws {
        let h = try resolvedIncident()
        try h.command("impact", at: at(40))
        let answers = ["12% of EU checkouts", "38 minutes", "skip", "about 900 lost orders", "none", "checkout SLO: 38% of budget"]
        var last: [Reply] = []
        for (i, answer) in answers.enumerated() {
            last = try h.say(answer, id: "i\(i)", at: at(41 + Double(i)), by: Fixtures.alice).1
        }
        let fields = try h.draft().entries(in: .impact).compactMap(\.field)
        #expect(fields == ["users", "duration", "revenue", "data", "slo"])
        #expect(last.map(\.text).joined().contains("5 of 6"))
        #expect(try h.conversations().isEmpty)
    }

    @Test("the words that cancel, skip and end a guided conversation come from Prompts/postmortem.yaml, not the code")
    func answerWordsAreData() throws {
        let h = try resolvedIncident().withGuide { $0.answerWords = .init(cancel: ["abbrechen"], skip: ["weiter"], done: ["fertig"]) }
        try h.command("impact", at: at(40))
        try h.say("weiter", id: "i0", at: at(41), by: Fixtures.alice)
        try h.say("skip", id: "i1", at: at(42), by: Fixtures.alice)
        #expect(try h.draft().entries(in: .impact).map(\.text) == ["skip"], "the team's word passes on users; English 'skip' is now an answer")
        try h.say("abbrechen", id: "i2", at: at(43), by: Fixtures.alice)
        #expect(try h.conversations().isEmpty)

        try h.command("why", at: at(44))
        try h.say("cancel", id: "w1", at: at(45), by: Fixtures.alice)
        #expect(try h.draft().entries(in: .why).map(\.text) == ["cancel"])
        let stopped = try h.say("fertig, the rest is in the vendor's report", id: "w2", at: at(46), by: Fixtures.alice).1.map(\.text).joined()
        #expect(try h.draft().entries(in: .why).count == 1, "the done word ends the whys instead of adding one")
        #expect(stopped.contains("the rest is in the vendor's report"))
    }

    @Test("two people answer different questions at the same time without mixing them up")
    func twoUsers() throws {
        let h = try resolvedIncident()
        try h.command("went-well", at: at(40), by: Fixtures.alice)
        try h.command("lucky", at: at(40), by: Fixtures.bob)
        #expect(try h.conversations().count == 2)
        try h.say("it happened at low traffic", id: "b1", at: at(41), by: Fixtures.bob)
        try h.say("the rollback was fast", id: "a1", at: at(41), by: Fixtures.alice)
        let pm = try h.draft()
        #expect(pm.entries(in: .wentWell).map(\.text) == ["the rollback was fast"])
        #expect(pm.entries(in: .wentWell).first?.author == Fixtures.alice)
        #expect(pm.entries(in: .lucky).map(\.text) == ["it happened at low traffic"])
        #expect(pm.entries(in: .lucky).first?.author == Fixtures.bob)
    }

    @Test("a restart in the middle resumes the question: a new desk over the same records takes the next answer")
    func restart() throws {
        let h = try resolvedIncident()
        try h.command("why", at: at(40))
        try h.say("pods ran out of DB connections", id: "w1", at: at(41), by: Fixtures.alice)
        let restarted = Fixtures.desk()
        let (outcome, decision) = try restarted.capture(
            .message(ChannelMessage(channel: Fixtures.channel, messageID: "w2", author: Fixtures.alice, sentAt: at(42), text: "the pool limit was removed")),
            records: h.records)
        try h.records.apply(decision.changes)
        #expect(outcome == .answered)
        let whys = try h.draft().entries(in: .why)
        #expect(whys.count == 2 && whys[1].parent == whys[0].number)
        // `/postmortem why` while a question is open repeats it rather than starting over.
        let repeated = try h.command("why", at: at(43)).map(\.text).joined()
        #expect(repeated.contains("the pool limit was removed"))
    }

    @Test("a redelivered answer is taken once; cancel stops the conversation and keeps what was answered")
    func duplicateAndCancel() throws {
        let h = try resolvedIncident()
        try h.command("why", at: at(40))
        try h.say("pods ran out of DB connections", id: "w1", at: at(41), by: Fixtures.alice)
        #expect(try h.say("pods ran out of DB connections", id: "w1", at: at(41), by: Fixtures.alice).0 == .duplicate)
        #expect(try h.draft().entries(in: .why).count == 1)
        try h.say("cancel", id: "w2", at: at(42), by: Fixtures.alice)
        #expect(try h.conversations().isEmpty)
        #expect(try h.draft().entries(in: .why).count == 1)
        #expect(try h.command("cancel", at: at(43)).map(\.text).joined().contains("no question"))
    }

    @Test("actions: bad dates, unknown owners and bad priorities are refused with the accepted forms; nothing is stored")
    func actionInputErrors() throws {
        let h = try resolvedIncident()
        let badDate = try h.command("action Add a lag alert owner @alice due 31/12 priority P1", at: at(40)).map(\.text).joined()
        #expect(badDate.contains("2026-12-01") && badDate.contains("+2w"))
        let badOwner = try h.command("action Add a lag alert owner zed due +7d priority P1", at: at(40)).map(\.text).joined()
        #expect(badOwner.contains("zed") && badOwner.contains("@"))
        let badPriority = try h.command("action Add a lag alert owner @alice due +7d priority urgent", at: at(40)).map(\.text).joined()
        #expect(badPriority.contains("P1"))
        let incident = try #require(h.incident)
        #expect(h.records.postmortem(of: incident.id)?.actions.isEmpty ?? true)
    }

    @Test("an action with everything is stored with its fields; a vague one is flagged; status changes are recorded")
    func actions() throws {
        let h = try resolvedIncident()
        let added = try h.command("action Add an alert on replica lag above 30s for orders-db owner @alice due 2026-12-01 priority P1 type detect", at: at(40))
        #expect(added.map(\.text).joined().contains("AI-001"))
        let vague = try h.command("action Improve monitoring owner bob", at: at(41)).map(\.text).joined(separator: "\n")
        #expect(vague.contains("specific"))
        #expect(vague.contains("due"))
        try h.command("action done AI-001", at: at(42))
        let pm = try h.draft()
        #expect(pm.actions.count == 2)
        let first = pm.actions[0]
        #expect(first.owner == "@alice" && first.priority == .p1 && first.kind == .detect && first.status == .done)
        #expect(UTCFormat.day(try #require(first.due)) == "2026-12-01")
        #expect(pm.actions[1].owner == "bob", "a name seen in the incident is a known owner")
        #expect(pm.actions[1].findings.contains { $0.kind == .vagueAction })
        let list = try h.command("actions", at: at(43)).map(\.text).joined()
        #expect(list.contains("AI-002") && list.contains("[done]"))
    }

    @Test("blame is flagged with a rewording; reword takes it, keep keeps the text; edit and remove correct entries")
    func corrections() throws {
        let h = try resolvedIncident()
        let reply = try h.command("went-wrong @bob deployed the bad config to production", at: at(40)).map(\.text).joined()
        #expect(reply.contains("reword P1"))
        try h.command("reword P1", at: at(41))
        #expect(try h.draft().entry(1)?.text == "The bad config was deployed to production")
        #expect(try h.draft().entry(1)?.hasOpenFindings == false)
        try h.command("went-wrong the team was careless", at: at(42))
        try h.command("keep P2", at: at(43))
        #expect(try h.draft().entry(2)?.hasOpenFindings == false)
        try h.command("edit P2 the change had no second reviewer", at: at(44))
        #expect(try h.draft().entry(2)?.text == "the change had no second reviewer")
        try h.command("remove P1", at: at(45))
        #expect(try h.draft().entry(1) == nil)
        let show = try h.command("show", at: at(46)).map(\.text).joined()
        #expect(show.contains("P2") && show.contains("no second reviewer"))
        #expect(try h.command("edit P9 nothing", at: at(47)).map(\.text).joined().contains("no P9"))
    }

    @Test("a platform mention as the subject of blame is a person: flagged, and the finding names them as people read it")
    func mentionBlamed() throws {
        let h = try resolvedIncident()
        let reply = try h.command("went-wrong <@U2> should have caught the lag an hour earlier", at: at(40)).map(\.text).joined()
        #expect(reply.contains("“@bob should have”"), "\(reply)")
        #expect(try h.draft().entry(1)?.hasOpenFindings == true)
        #expect(try h.draft().entry(1)?.text == "<@U2> should have caught the lag an hour earlier", "the entry keeps what was typed")
    }

    @Test("factors need a known category; the answer lists them")
    func factors() throws {
        let h = try resolvedIncident()
        let refused = try h.command("factor Luck the weather", at: at(40)).map(\.text).joined()
        #expect(refused.contains("Monitoring"))
        try h.command("factor monitoring no alert on pool saturation", at: at(41))
        #expect(try h.draft().entries(in: .factor).first?.field == "Monitoring")
    }

    @Test("an unanswered question expires: hours later the asker's chat is ordinary again; asking again resumes")
    func answerWindow() throws {
        let h = try resolvedIncident()
        try h.command("reopen", at: at(35))
        try h.command("why", at: at(40))
        let later = at(40 + Double(h.desk.guide.answerWindowMinutes) + 1)
        #expect(try h.say("lunch anyone?", id: "late", at: later, by: Fixtures.alice).0 == .stored)
        #expect(try h.records.postmortem(of: #require(h.incident).id)?.entries(in: .why).isEmpty ?? true, "asking wrote no entry")
        try h.command("why", at: later)
        #expect(try h.say("pods ran out of DB connections", id: "w1", at: later.addingTimeInterval(60), by: Fixtures.alice).0 == .answered)
    }

    @Test("asking for the whys while another question is open replaces it")
    func whyReplacesOtherQuestion() throws {
        let h = try resolvedIncident()
        try h.command("summary", at: at(40))
        let asked = try h.command("why", at: at(41)).map(\.text).joined()
        #expect(asked.contains("Why 1"))
        try h.say("pods ran out of DB connections", id: "w1", at: at(42), by: Fixtures.alice)
        #expect(try h.draft().entries(in: .why).count == 1)
        #expect(try h.draft().entries(in: .summary).isEmpty)
    }

    @Test("without any incident in the channel, post-mortem commands say how to start one")
    func noIncident() throws {
        let h = DeskHarness()
        #expect(try h.command("summary", at: t0).map(\.text).joined().contains("/postmortem start"))
    }
}

@Suite("Post-mortem steps as forms, where the platform has them")
struct PostmortemFormTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func submit(_ h: DeskHarness, _ form: String, _ values: [String: String], at minute: Double) throws -> FormResult {
        let submission = FormSubmission(formID: form, context: "", channel: Fixtures.channel, user: Fixtures.alice, values: values, submittedAt: at(minute))
        let (result, changes) = try h.desk.submit(submission, records: h.records)
        try h.records.apply(changes)
        return result
    }

    @Test("impact, action and why without text open forms; without forms they stay conversations or explanations")
    func formsInsteadOfQuestions() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        #expect(try h.command("impact", at: at(1), forms: true).first?.form?.id == "impact")
        #expect(try h.command("why", at: at(1), forms: true).first?.form?.id == "why")
        let action = try #require(try h.command("action", at: at(1), forms: true).first?.form)
        #expect(action.fields.map(\.name) == ["text", "owner", "due", "priority", "type"])
        #expect(action.fields[1].kind == .user, "Slack has a user picker")
        #expect(try h.command("impact", at: at(1)).first?.form == nil)
        #expect(try h.command("why", at: at(1)).first?.form == nil)
        #expect(try h.command("impact users 1,200 shoppers", at: at(1), forms: true).first?.form == nil, "typed text is taken as it is")
    }

    @Test("the impact form fills every answered field in one go; an empty one is refused")
    func impactForm() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        guard case .rejected(let errors) = try submit(h, "impact", [:], at: 2) else { Issue.record("empty impact accepted"); return }
        #expect(errors.count == 1)
        guard case .accepted = try submit(h, "impact", ["users": "About 1,200 shoppers", "duration": "32 minutes", "data": ""], at: 3) else {
            Issue.record("impact refused"); return
        }
        let impact = try h.draft().entries(in: .impact)
        #expect(impact.map(\.field) == ["users", "duration"])
        #expect(impact.map(\.text) == ["About 1,200 shoppers", "32 minutes"])
    }

    @Test("the action form checks its fields, then adds the item with owner, due date, priority and type")
    func actionForm() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        guard case .rejected(let errors) = try submit(h, "action", ["text": "Alert on queue depth", "due": "someday"], at: 2) else {
            Issue.record("incomplete action accepted"); return
        }
        #expect(Set(errors.keys) == ["owner", "due"])
        guard case .accepted = try submit(h, "action", ["text": "Alert on queue depth above 10k", "owner": "U2", "due": "2026-12-15", "priority": "P1", "type": "detect"], at: 3) else {
            Issue.record("action refused"); return
        }
        let item = try #require(try h.draft().actions.first)
        #expect(item.owner == "<@U2>")
        #expect(item.priority == .p1)
        #expect(item.kind == .detect)
        #expect(item.due.map(UTCFormat.day) == "2026-12-15")
    }

    @Test("the why form adds a why with its evidence under the why it answers")
    func whyForm() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        guard case .accepted = try submit(h, "why", ["text": "The connection pool was exhausted", "evidence": "E3 https://grafana/d/pool"], at: 2) else {
            Issue.record("why refused"); return
        }
        let first = try #require(try h.draft().entries(in: .why).first)
        #expect(first.evidence == ["E3", "https://grafana/d/pool"])
        guard case .rejected(let errors) = try submit(h, "why", ["text": "x", "parent": "nope"], at: 3) else { Issue.record("bad parent accepted"); return }
        #expect(errors["parent"] != nil)
        guard case .accepted = try submit(h, "why", ["text": "Its size was set for last year's traffic", "parent": first.reference], at: 4) else {
            Issue.record("second why refused"); return
        }
        #expect(try h.draft().entries(in: .why).last?.parent == first.number)
    }
}
