import Foundation
import Testing
@testable import HindsightCore

@Suite("Milestones from what the war room says")
struct MilestoneUnderstandingTests {
    let t0 = Fixtures.t0
    let classifier = MilestoneClassifier(rules: Fixtures.prompts.classifier)
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func opened() throws -> DeskHarness {
        let h = DeskHarness()
        try h.command("start Checkout errors sev2", at: t0)
        return h
    }

    func pending(_ h: DeskHarness) -> [MilestoneSuggestion] {
        h.incident.map { h.records.suggestions(of: $0.id).filter { $0.status == .pending } } ?? []
    }

    /// What the classifier proposes for a line, with an alert already suggested (so acknowledgements can count).
    func verdict(_ text: String, integration: Bool = false) -> MilestoneKind? {
        classifier.candidates(classifier.features(of: text, fromIntegration: integration), context: ["known_detected"]).first?.milestone
    }

    @Test("ordinary lines that mark a milestone are proposed", arguments: [
        ("failover finished, traffic looks normal", MilestoneKind.mitigated),
        // The kill switch alone is an action (and a key event): "disabled in all clusters" is as often the trigger
        // stopped as the impact; with what users see it is the mitigation.
        ("kill switch is on globally and checkout is working again", .mitigated),
        ("all pops normal. incident mitigated", .mitigated),
        ("statuspage set to resolved", .resolved),
        ("that's it, we can close this", .resolved),
        ("all clear. closing the incident", .resolved),
    ])
    func ordinaryLines(_ text: String, _ expected: MilestoneKind) {
        #expect(verdict(text) == expected, "\(text)")
    }

    @Test("integration posts: a page is detection, a status page monitoring a fix is mitigation, one saying resolved is resolution, a cleared alert is neither")
    func integrations() {
        #expect(verdict("[TRIGGERED] #4411 DNS SERVFAIL rate > 5% (eu-west)", integration: true) == .detected)
        #expect(verdict("[FIRING:3] HTTP 5xx ratio > 50% frontend", integration: true) == .detected)
        #expect(verdict("Resolved - This incident has been resolved.", integration: true) == .resolved)
        #expect(verdict("Monitoring - A fix has been implemented and we are monitoring the results.", integration: true) == .mitigated)
        #expect(verdict("[RESOLVED] #4411 DNS SERVFAIL rate > 5% (eu-west)", integration: true) == nil)
    }

    @Test("questions, negations, conditionals, plans and failures are never proposed", arguments: [
        "is it mitigated?", "are we resolved?", "not resolved yet", "no. not resolved until the waf is back on",
        "if this fails we roll back", "the rollback didn't help", "rollback didnt help. errors same or worse",
        "going to resolve the status post", "waiting 15 min to be sure then closing", "lets roll back anything that went out today",
    ])
    func notAssertions(_ text: String) {
        #expect(verdict(text) == nil, "\(text)")
    }

    @Test("a subsystem recovering is not the incident resolving")
    func subsystem() {
        #expect(verdict("home feed fully recovered, comments still janky") == nil)
        #expect(verdict("gmail recovered on its own (rerouted). gce still bad") == nil)
        #expect(verdict("services starting to recover. 5xx dropping in EU pops") == nil)
    }

    @Test("the room cheering a recovery just reported proposes the mitigation; a cheer with no recovery before it does not")
    func cheeredRecovery() throws {
        let cheered = try opened()
        try cheered.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m1", at: at(1), integration: true)
        try cheered.say("on it", id: "m2", at: at(2))
        #expect(try cheered.say("checkout recovered", id: "m4", at: at(6)).1.isEmpty, "a recovery alone is a step, not the mitigation")
        try cheered.say("🎉", id: "m5", at: at(6.5))
        #expect(pending(cheered).first { $0.milestone == .mitigated }?.at == at(6.5))

        let early = try opened()
        try early.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m1", at: at(1), integration: true)
        try early.say("found the bad flag 🎉", id: "m2", at: at(2))
        #expect(!pending(early).contains { $0.milestone == .mitigated })
        try early.say("🎉 not celebrating yet, the tail is long", id: "m3", at: at(3))
        #expect(!pending(early).contains { $0.milestone == .mitigated })
    }

    @Test("an acknowledgement counts only after something was detected, and the first one is kept")
    func acknowledgement() throws {
        let h = try opened()
        #expect(try h.say("ack, on it", id: "m1", at: at(1)).1.isEmpty)
        try h.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m2", at: at(2), integration: true)
        let (_, replies) = try h.say("ack, on it", id: "m3", at: at(3))
        #expect(replies.count == 1)
        #expect(try h.say("IC here. ana comms", id: "m4", at: at(4)).1.isEmpty)
        #expect(pending(h).map(\.milestone).sorted() == [.detected, .acknowledged])
        #expect(pending(h).first { $0.milestone == .acknowledged }?.at == at(3))
    }

    @Test("the first person to answer the page acknowledges it, in whatever words; a later reply without ack words does not")
    func firstResponse() throws {
        let h = try opened()
        try h.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m1", at: at(1), integration: true)
        try h.say("[TRIGGERED] #2 checkout p99 > 2s", id: "m2", at: at(2), integration: true)
        #expect(try h.say("pulling up the checkout dashboards", id: "m3", at: at(3)).1.count == 1)
        #expect(pending(h).first { $0.milestone == .acknowledged }?.at == at(3))

        let later = try opened()
        try later.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m1", at: at(1), integration: true)
        try later.say("is this the deploy from this morning?", id: "m2", at: at(2))
        #expect(try later.say("pulling up the checkout dashboards", id: "m3", at: at(3)).1.isEmpty, "someone answered first")
        #expect(!pending(later).contains { $0.milestone == .acknowledged })

        let before = try opened()
        #expect(try before.say("pulling up the checkout dashboards", id: "m1", at: at(1)).1.isEmpty, "nothing detected yet")
    }

    @Test("the incident's opening message, what set it off, is the detection on less evidence than a later line")
    func opening() throws {
        let line = "checkout pods stuck in a crash loop"
        let h = try opened()
        try h.command("note paged by the storefront team", at: at(0.5))
        #expect(try h.say(line, id: "m1", at: at(1)).1.count == 1, "a note is no message: this one opens the incident")
        #expect(pending(h).map(\.milestone) == [.detected])

        let later = try opened()
        try later.say("morning all", id: "m1", at: at(1))
        #expect(try later.say(line, id: "m2", at: at(2)).1.isEmpty, "the same words, no longer the opening")
        #expect(pending(later).isEmpty)

        #expect(verdict(line) == nil, "alone, without the context")
    }

    @Test("a milestone set by command closes the suggestion of it still waiting, so a late confirm cannot move it")
    func commandClosesSuggestion() throws {
        let h = try opened()
        try h.say("checkout pods stuck in a crash loop", id: "m1", at: at(2))
        let waiting = try #require(pending(h).first { $0.milestone == .detected })
        try h.command("detected at 14:03", at: at(4))
        #expect(pending(h).isEmpty)
        let late = try h.command("confirm \(waiting.reference)", at: at(5))
        #expect(late.first?.text.contains("dismissed") == true, "\(late.map(\.text))")
        #expect(h.incident?.milestones[.detected] == at(3))
    }

    @Test("once mitigation is confirmed, thanking the room with things normal reads as the end")
    func thanksCloses() throws {
        let h = try opened()
        try h.say("morning all", id: "m0", at: at(1))
        try h.say("rolled back; traffic back to expected levels", id: "m1", at: at(10))
        let mitigated = try #require(pending(h).first { $0.milestone == .mitigated })
        try h.command("confirm \(mitigated.reference)", at: at(11))
        #expect(try h.say("dashboards look normal", id: "m2", at: at(30)).1.isEmpty)
        #expect(try h.say("dashboards look normal. thanks everyone", id: "m3", at: at(35)).1.count == 1)
        #expect(pending(h).map(\.milestone) == [.resolved])
    }

    @Test("after a dismissal the same milestone waits dismissed_quiet_minutes before it is proposed again")
    func quietAfterDismissal() throws {
        let h = try opened()
        try h.say("morning all", id: "m0", at: at(1))
        #expect(try h.say("rolled back; traffic back to expected levels", id: "m1", at: at(10)).1.count == 1)
        let first = try #require(pending(h).first { $0.milestone == .mitigated })
        try h.command("dismiss \(first.reference)", at: at(11))
        #expect(try h.say("failover finished, traffic looks normal", id: "m2", at: at(15)).1.isEmpty, "within 10 minutes of the dismissed one")
        #expect(try h.say("failover finished in eu too, traffic looks normal", id: "m3", at: at(21)).1.count == 1, "11 minutes after it")
        #expect(Fixtures.prompts.classifier.dismissedQuietMinutes == 10)
    }

    @Test("a stronger later candidate moves the unanswered suggestion in place instead of adding another")
    func strongerMoves() throws {
        let h = try opened()
        let first = try h.say("rolled back; traffic back to expected levels", id: "m1", at: at(10)).1
        let ref = try #require(pending(h).first { $0.milestone == .mitigated }).reference
        #expect(first.first?.text.contains(ref) == true)
        let moved = try h.say("all pops normal. incident mitigated", id: "m2", at: at(15)).1
        #expect(moved.count == 1)
        #expect(moved.first?.text.contains("\(ref) updated") == true)
        let now = try #require(pending(h).first { $0.milestone == .mitigated })
        #expect(now.reference == ref)
        #expect(now.at == at(15))
        #expect(pending(h).count == 1)
    }

    @Test("a confirmed milestone is not proposed again, and nothing is proposed out of order with it")
    func confirmedStays() throws {
        let h = try opened()
        try h.say("failover finished, traffic looks normal", id: "m1", at: at(10))
        try h.command("confirm S1", at: at(11))
        #expect(try h.say("all pops normal. incident mitigated", id: "m2", at: at(20)).1.isEmpty)
        try h.command("resolved at 14:30", at: at(30))
        try h.command("reopen", at: at(40))
        #expect(try h.say("all clear. closing the incident", id: "m3", at: at(50)).1.count == 1)
    }

    @Test("every milestone is a key event with a reason; chit-chat never is", arguments: [
        "+1", "lol", "brb 2 min", ":tada:", "looking", "nice", "ty all",
    ])
    func chitChat(_ text: String) {
        #expect(classifier.keyReasons(classifier.features(of: text)).isEmpty, "\(text)")
    }

    @Test("key events carry why they are key", arguments: [
        ("decision: global waf kill. rui do it", KeyReason.decision),
        ("confirmed: waf is the component, not an attack", .finding),
        ("root cause candidate: the maintenance automation descheduled the jobs", .finding),
        ("sev1 now. everyone in the call please", .severity),
        ("paging the database on-call", .escalation),
        ("global waf kill executed", .action),
        ("rollback started: webapp 2021-01-04-a -> 2020-12-22-c", .action),
        ("Investigating - We are investigating elevated 502 errors.", .update),
    ])
    func reasons(_ text: String, _ reason: KeyReason) {
        let integration = text.hasPrefix("Investigating") || text.hasPrefix("rollback started")
        #expect(classifier.keyReasons(classifier.features(of: text, fromIntegration: integration)).contains(reason), "\(text)")
    }

    @Test("a sentence-scoped negation weighs only in the sentence that says something for the rule", arguments: [
        ("nothing dropped. we're good, closing the incident", true),
        ("closing the incident. nothing dropped", true),
        ("not closing the incident yet", false),
        ("closing the incident? nothing dropped yet", false),
        ("not yet. still checking", false),
    ])
    func sentenceScoped(_ text: String, _ closes: Bool) {
        var rules = ClassifierRules(
            keyEventEmoji: [], features: ["closing": ["closing the incident"], "negation": ["nothing", "not"]],
            milestones: [.init(milestone: .resolved, threshold: 1, weights: ["closing": 1, "negation": -2, "question": -2])],
            keyEvents: [])
        rules.sentenceScoped = ["negation", "question"]
        let engine = MilestoneClassifier(rules: rules)
        let features = engine.features(of: text)
        #expect((engine.candidates(features).first?.milestone == .resolved) == closes, "\(text)")
        // Capture asks `prospects` first and reads no further when it says no: it must weigh negations the same way.
        #expect(engine.prospects(features).possible == closes, "\(text)")
    }

    @Test("a phrase set that shadows negation takes the \"no\" inside its own words, and only there", arguments: [
        ("no more errors, traffic is back", true),
        ("no more errors. traffic is back", true),
        ("traffic is back, no more errors", true),
        ("no errors yet. traffic is back", false),
        ("traffic is back? no more errors", false),
        ("no. traffic is back, no more errors", false),
    ])
    func shadowedNegation(_ text: String, _ mitigates: Bool) {
        var rules = ClassifierRules(
            keyEventEmoji: [],
            features: ["recovery": ["is back"], "no_longer": ["no more error*"], "negation": ["no", "yet"]],
            milestones: [.init(milestone: .mitigated, threshold: 1, weights: ["recovery": 0.6, "no_longer": 0.6, "negation": -2, "question": -2])],
            keyEvents: [])
        rules.shadows = ["no_longer": ["negation"]]
        let engine = MilestoneClassifier(rules: rules)
        let features = engine.features(of: text)
        #expect((engine.candidates(features).first?.milestone == .mitigated) == mitigates, "\(text)")
        #expect(engine.prospects(features).possible == mitigates, "\(text)")
        // A set listed among the ones it hides keeps its own phrases: a match does not hide itself.
        rules.shadows = ["no_longer": ["no_longer", "negation"]]
        let selfListed = MilestoneClassifier(rules: rules)
        #expect((selfListed.candidates(selfListed.features(of: text)).first?.milestone == .mitigated) == mitigates, "\(text)")
        // Without the shadow the "no" weighs as a negation wherever it is.
        rules.shadows = [:]
        let plain = MilestoneClassifier(rules: rules)
        #expect(plain.candidates(plain.features(of: text)).first?.milestone != .mitigated, "\(text)")
    }

    @Test("a requirement written `a|b` is met by either: an acknowledgement after a detection, or by declaring the incident")
    func eitherRequirement() {
        let rules = ClassifierRules(
            keyEventEmoji: [], features: ["ack": ["on it"], "declare_incident": ["declaring an incident"]],
            milestones: [.init(milestone: .acknowledged, threshold: 1, requires: ["known_detected|declare_incident", "human"],
                               weights: ["ack": 1, "declare_incident": 1])],
            keyEvents: [])
        let engine = MilestoneClassifier(rules: rules)
        func acknowledges(_ text: String, detected: Bool, integration: Bool = false) -> Bool {
            let features = engine.features(of: text, fromIntegration: integration)
            return engine.candidates(features, context: detected ? ["known_detected"] : []).first?.milestone == .acknowledged
        }
        #expect(acknowledges("on it", detected: true))
        #expect(!acknowledges("on it", detected: false), "nothing detected and nothing declared")
        #expect(acknowledges("declaring an incident", detected: false))
        #expect(!acknowledges("declaring an incident", detected: true, integration: true), "the other requirement still holds")
        // Capture asks `prospects` first: a choice the context can meet is not one the message must carry.
        #expect(engine.prospects(engine.features(of: "on it")).possible)
        #expect(!engine.prospects(engine.features(of: "lunch")).possible)
    }

    @Test("declaring the incident acknowledges it even when no detection was suggested, and never ends it; closing it is not its mitigation", arguments: [
        ("declaring an incident. I'll coordinate, mira and theo on the hosts", MilestoneKind?.some(.acknowledged)),
        ("I am taking incident command. Declaring this a P1 as of 18:12", .acknowledged),
        ("declaring major incident. roles: IC me, statuspage going out now", .acknowledged),
        ("queues draining steadily, all hosts stable, alerts cleared. closing the incident", .resolved),
    ])
    func declaringAndClosing(_ text: String, _ expected: MilestoneKind?) {
        let candidates = classifier.candidates(classifier.features(of: text), context: [])
        #expect(candidates.first?.milestone == expected, "\(text): \(candidates.map(\.milestone))")
        #expect(!candidates.contains { $0.milestone == .mitigated }, "\(text)")
    }

    @Test("in a quiet stretch a message near a key-event rule is key with that rule's reason; where key events are dense it is not")
    func quietStretch() throws {
        var rules = ClassifierRules(
            keyEventEmoji: [], features: ["act": ["restart*"], "done": ["done"]], milestones: [],
            keyEvents: [.init(reason: .action, threshold: 1, weights: ["act": 0.6, "done": 0.6])])
        let plain = DeskHarness().withClassifier(rules)
        try plain.command("start Checkout errors sev2", at: t0)
        try plain.say("restarting web", id: "m1", at: at(1))
        #expect(plain.timeline.last?.isKey == false, "without quiet_stretch only a rule's threshold makes a key event")

        rules.quietStretch = .init(window: 4, fewerThan: 3, floor: 0.5)
        let h = DeskHarness().withClassifier(rules)
        try h.command("start Checkout errors sev2", at: t0)
        func key(_ text: String, _ id: String, _ minute: Double) throws -> Set<KeyReason> {
            try h.say(text, id: id, at: at(minute))
            return try #require(h.timeline.last).keyReasons
        }
        #expect(try key("restarting web", "m1", 1) == [.action], "0.6 of the threshold; before it only the start, which is key")
        #expect(try key("restarting db", "m2", 2) == [.action], "two key events among the last four")
        #expect(try key("restarting cache", "m3", 3) == [], "three key events among the last four: not quiet")
        #expect(try key("restart done", "m4", 4) == [.action], "passing the rule does not depend on the stretch")
        for (i, text) in ["lunch?", "anyone", "hmm", "ok"].enumerated() {
            #expect(try key(text, "q\(i)", 5 + Double(i)) == [], "no evidence at all is never promoted")
        }
        #expect(try key("restarting cache", "m5", 10) == [.action], "quiet again after four plain messages")
    }

    @Test("where key events are dense a message must clear a raised bar; where they are not, the rule's own threshold")
    func busyStretch() throws {
        var rules = ClassifierRules(
            keyEventEmoji: [], features: ["act": ["restart*"], "done": ["done"]], milestones: [],
            keyEvents: [.init(reason: .action, threshold: 1, weights: ["act": 1, "done": 1])])
        rules.busyStretch = .init(window: 4, atLeast: 3, raise: 2)
        let h = DeskHarness().withClassifier(rules)
        try h.command("start Checkout errors sev2", at: t0)
        func key(_ text: String, _ id: String, _ minute: Double) throws -> Set<KeyReason> {
            try h.say(text, id: id, at: at(minute))
            return try #require(h.timeline.last).keyReasons
        }
        #expect(try key("restarting web", "m1", 1) == [.action], "the start and nothing else before it")
        #expect(try key("restarting db", "m2", 2) == [.action], "two key events among the last four")
        #expect(try key("restarting cache", "m3", 3) == [], "three among the last four: 1 is short of the raised 2")
        #expect(try key("restart of the cache done", "m4", 4) == [.action], "2 clears the raised bar")
        for (i, text) in ["lunch?", "anyone", "hmm"].enumerated() { _ = try key(text, "q\(i)", 5 + Double(i)) }
        #expect(try key("restarting queue", "m5", 9) == [.action], "one key event among the last four: the rule's own bar")
    }

    @Test("a phrase written ^… matches only where a sentence starts", arguments: [
        ("Restarting the automation manually.", true),
        ("checked the logs. restarting the automation now", true),
        ("checked the logs!\nrestarting it", true),
        ("- restarting the pods", true),
        ("the restarting pods are fine", false),
        ("db1.restarting is a host name", false),
    ])
    func anchoredPhrases(_ text: String, _ matches: Bool) {
        let rules = ClassifierRules(
            keyEventEmoji: [], features: ["lead": ["^restarting"]], milestones: [],
            keyEvents: [.init(reason: .action, threshold: 1, weights: ["lead": 1])])
        let engine = MilestoneClassifier(rules: rules)
        #expect(engine.keyReasons(engine.features(of: text)).contains(.action) == matches, "\(text)")
    }

    @Test("status pages write their state with any dash, and an arrow only separates words", arguments: [
        ("Resolved - The build queue is operating normally.", "state"),
        ("Resolved — The build queue is operating normally.", "state"),
        ("Resolved – The build queue is operating normally.", "state"),
        ("[Cloud Networking #18012] Resolved—the 502s have stopped", "state"),
        ("statuspage → resolved", "arrow"),
        ("resolved the ticket", nil),
    ])
    func dashes(_ text: String, _ feature: String?) {
        let rules = ClassifierRules(
            keyEventEmoji: [], features: ["state": ["resolved -"], "arrow": ["statuspage resolved"]], milestones: [], keyEvents: [])
        let engine = MilestoneClassifier(rules: rules)
        let found = engine.describe(engine.features(of: text, fromIntegration: true)).map(\.name).filter { $0 == "state" || $0 == "arrow" }
        #expect(found == (feature.map { [$0] } ?? []), "\(text)")
    }

    @Test("weights that add up to the threshold reach it, whatever floating point makes of the sum")
    func weightsOnTheThreshold() {
        #expect(0.7 + 0.6 < 1.3, "the sum this test is about")
        let rules = ClassifierRules(
            keyEventEmoji: [], features: ["act": ["rollback"], "done": ["completed"]],
            milestones: [.init(milestone: .mitigated, threshold: 1.3, weights: ["act": 0.7, "done": 0.6])],
            keyEvents: [.init(reason: .action, threshold: 1.3, weights: ["act": 0.7, "done": 0.6])])
        let engine = MilestoneClassifier(rules: rules)
        let features = engine.features(of: "Rollback completed on the affected router.")
        #expect(engine.keyReasons(features) == [.action])
        #expect(engine.candidates(features).map(\.milestone) == [.mitigated])
        #expect(engine.keyReasons(engine.features(of: "Rollback on the affected router.")).isEmpty)
    }

    @Test("a word written *ending matches words with that ending and at least two letters before it", arguments: [
        ("Shutting off the bulk transfer jobs first", true),
        ("ok. bringing extra capacity into the border group", true),
        ("the shutting down hosts are fine", false),
        ("ping the on-call", false),
        ("ing", false),
    ])
    func endings(_ text: String, _ matches: Bool) {
        let rules = ClassifierRules(
            keyEventEmoji: [], features: ["lead": ["^*ing"]], milestones: [],
            keyEvents: [.init(reason: .action, threshold: 1, weights: ["lead": 1])])
        let engine = MilestoneClassifier(rules: rules)
        #expect(engine.keyReasons(engine.features(of: text)).contains(.action) == matches, "\(text)")
    }

    @Test("the timeline's key view reads like a published one: milestones folded into their messages, with reasons")
    func keyView() throws {
        let h = try opened()
        try h.say("[TRIGGERED] #1 checkout 5xx > 5%", id: "m1", at: at(1), integration: true)
        try h.say("lol of course", id: "m2", at: at(2))
        try h.command("confirm S1", at: at(3))
        let text = try h.desk.timeline(try #require(h.incident), filter: .key, page: 1, records: h.records).text
        #expect(text.contains("[TRIGGERED] #1 checkout 5xx > 5%"))
        #expect(text.contains("— detected"))
        #expect(!text.contains("lol"))
        #expect(text.split(separator: "\n").filter { $0.contains(" UTC E") }.count == 2)
    }
}

@Suite("classifier.yaml's shadows")
struct ClassifierShadowsDecodingTests {
    @Test("a shadow naming something other than a phrase set is refused, with the name")
    func unknownNameRefused() throws {
        func decode(_ shadows: String) throws -> ClassifierRules {
            let json = #"{"key_event_emoji": [], "features": {"no_longer": ["no more errors"], "negation": ["no"]}, "milestones": [], "shadows": \#(shadows)}"#
            return try JSONDecoder().decode(ClassifierRules.self, from: Data(json.utf8))
        }
        #expect(try decode(#"{"no_longer": ["negation"]}"#).shadows == ["no_longer": ["negation"]])
        #expect(throws: DecodingError.self) { try decode(#"{"no_longer": ["negaton"]}"#) }
        do {
            _ = try decode(#"{"question": ["negation"]}"#)
            Issue.record("a built-in feature cannot shadow: it has no words")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("'question'"))
        }
    }
}
