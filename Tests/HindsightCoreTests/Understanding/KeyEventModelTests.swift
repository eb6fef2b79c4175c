import Foundation
@testable import HindsightCore
import Testing

@Suite("The learned key-event model")
struct KeyEventModelTests {
    /// A desk whose one key-event rule marks "restart…" as an action, with a model of these weights.
    static func desk(model weights: [String: Double], _ settings: KeyEventModelSettings) -> DeskHarness {
        var rules = ClassifierRules(
            keyEventEmoji: [], features: ["act": ["restart*"]], milestones: [],
            keyEvents: [.init(reason: .action, threshold: 1, weights: ["act": 1])])
        rules.keyEventModel = KeyEventModel(LinearModel(bias: 0, weights: weights), settings: settings)
        return DeskHarness().withClassifier(rules)
    }

    @Test("a message's features: its words, their pairs, the first two words and what kind of message it is")
    func features() {
        let names = KeyEventFeatures.names(of: "[FIRING:12] DB down?", fromIntegration: true, isReply: false)
        for expected in ["u:[", "u:firing", "u::", "u:12", "u:]", "u:db", "u:down", "u:?", "b:[_firing", "b:down_?", "s:[",
                         "s:firing", "BOT", "NUM", "Q", "len:3"] {
            #expect(names.contains(expected), "\(expected) in \(names)")
        }
        #expect(!names.contains("REPLY") && !names.contains("s:db"))
        #expect(KeyEventFeatures.names(of: "ok", fromIntegration: false, isReply: true) == ["REPLY", "len:1", "s:ok", "u:ok"])
        // Non-ASCII letters and other punctuation separate words; an apostrophe does not.
        #expect(KeyEventFeatures.names(of: "we're back — déjà vu", fromIntegration: false, isReply: false).contains("b:we're_back"))
        #expect(KeyEventFeatures.names(of: "", fromIntegration: false, isReply: false) == ["len:0"])
    }

    @Test("a model read from its weights scores by name what it was given by name, upper case or lower")
    func scoresByName() throws {
        let linear = LinearModel(bias: -1, weights: ["u:rollback": 2, "b:rollback_done": 1.5, "BOT": 0.25, "len:1": -0.5])
        let model = KeyEventModel(linear, settings: KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1))
        #expect(model.score("Rollback DONE", fromIntegration: false, isReply: false) == -1 + 2 + 1.5 - 0.5)
        #expect(model.score("rollback done", fromIntegration: true, isReply: false) == -1 + 2 + 1.5 - 0.5 + 0.25)
        // A word twice counts once, as in training.
        #expect(model.score("rollback rollback", fromIntegration: false, isReply: false) == -1 + 2 - 0.5)
        #expect(model.score("nothing known here at all", fromIntegration: false, isReply: false) == -1, "five words: len:2")
        // Scoring by hash agrees with training by name for every feature of a message.
        let text = "Kill switch ON globally: 5xx back under 0.1% [ok]"
        let names = KeyEventFeatures.names(of: text, fromIntegration: false, isReply: true)
        let weighted = KeyEventModel(
            LinearModel(bias: 0, weights: Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Double($0 + 1)) })),
            settings: model.settings)
        #expect(weighted.score(text, fromIntegration: false, isReply: true) == Double(names.count * (names.count + 1) / 2))
    }

    @Test("the model marks what no rule marks, unmarks what only the rules mark, and never unmarks a milestone suggestion")
    func adjust() {
        let model = KeyEventModel(LinearModel(bias: 0, weights: [:]), settings: KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1))
        #expect(model.adjust([], score: 1) == [.learned])
        #expect(model.adjust([], score: 0.9) == [])
        #expect(model.adjust([.action], score: -0.9) == [.action])
        #expect(model.adjust([.action, .finding], score: -1.1) == [])
        #expect(model.adjust([.candidate, .action], score: -5) == [.candidate, .action])
    }

    @Test("on the desk, with the rules: a message is key by the model's verdict over the rules'")
    func onTheDesk() throws {
        let h = Self.desk(model: ["u:failover": 1.5, "u:lol": -2], KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1))
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        try h.command("start Checkout errors sev2", at: start)
        func key(_ text: String, _ id: String, _ minute: Double) throws -> Set<KeyReason> {
            try h.say(text, id: id, at: start.addingTimeInterval(minute * 60))
            return try #require(h.timeline.last).keyReasons
        }
        #expect(try key("restarting web", "m1", 1) == [.action])
        #expect(try key("failover finished", "m2", 2) == [.learned], "no rule, but it reads like a row")
        #expect(try key("restarting again lol", "m3", 3) == [], "a rule, but it reads like chatter")
        #expect(try key("coffee", "m4", 4) == [])
    }

    @Test("the rhythm: quiet before a message adds, a slow answer takes away, each gap up to the cap")
    func rhythm() {
        let settings = KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1, gapBefore: 0.5, gapAfter: -1, gapCapMinutes: 30)
        #expect(settings.readsRhythm)
        #expect(!KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1).readsRhythm)
        #expect(abs(settings.rhythm(before: 60, after: 0) - 0.5 * log(2)) < 1e-12)
        #expect(abs(settings.rhythm(before: 0, after: 180) - -log(4)) < 1e-12)
        // Nothing before: as quiet as the cap; no answer yet: as if answered at once; a day is the cap.
        #expect(abs(settings.rhythm(before: nil, after: nil) - 0.5 * log(31)) < 1e-12)
        #expect(settings.rhythm(before: 86_400, after: 86_400) == settings.rhythm(before: 1_800, after: 1_800))
        // A clock that went backwards is no gap.
        #expect(settings.rhythm(before: -30, after: -30) == 0)
    }

    @Test("settling: a lower final score takes back the model's marks and the rules', never a suggestion or a responder's")
    func settle() {
        let model = KeyEventModel(LinearModel(bias: 0, weights: [:]), settings: KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1))
        #expect(model.settle([.learned], score: 1) == [.learned])
        #expect(model.settle([.learned], score: 0.9) == [])
        #expect(model.settle([.learned, .reaction], score: 0.9) == [.reaction])
        #expect(model.settle([.action, .finding], score: -0.9) == [.action, .finding])
        #expect(model.settle([.action, .attention], score: -1.1) == [.attention])
        #expect(model.settle([.candidate, .action], score: -5) == [.candidate, .action])
    }

    @Test("on the desk: a message the room answers at once stays key, one nobody answers for long loses its mark")
    func settlesOnTheDesk() throws {
        // An answer after 30 s takes ln(1 + 0.5) = 0.41 from the score, one after 20 min ln(1 + 20) = 3.04.
        let h = Self.desk(model: ["u:failover": 1.5, "u:web": 1], KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1, gapBefore: 0, gapAfter: -1))
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        try h.command("start Checkout errors sev2", at: start)
        func reasons(_ id: String) -> Set<KeyReason>? { h.timeline.first { $0.messageID == id }?.keyReasons }
        try h.say("failover finished", id: "m1", at: start.addingTimeInterval(60))
        #expect(reasons("m1") == [.learned], "nobody has answered yet: scored as if answered at once")
        try h.say("nice", id: "m2", at: start.addingTimeInterval(90))
        #expect(reasons("m1") == [.learned], "answered in 30 s: 1.5 - 0.41 stays over 1")
        try h.say("failover finished for eu too", id: "m3", at: start.addingTimeInterval(120))
        try h.say("ok", id: "m4", at: start.addingTimeInterval(120 + 20 * 60))
        #expect(reasons("m3") == [], "answered after 20 min: 1.5 - 3.04 is under 1")
        try h.say("restarting web", id: "m5", at: start.addingTimeInterval(30 * 60))
        try h.capture(.pin(channel: Fixtures.channel, messageID: "m5", by: Fixtures.alice, added: true))
        #expect(reasons("m5") == [.action, .pin])
        try h.say("any news?", id: "m6", at: start.addingTimeInterval(60 * 60))
        #expect(reasons("m5") == [.pin], "the rule's reason goes below veto_below (1 - 3.43), the responder's stays")
    }

    @Test("settling scores the message before as it reads now: an edit since it was captured counts")
    func settlingAfterAnEdit() throws {
        // The model keeps the words' score of the last message it scored; an edited text is not that message.
        let h = Self.desk(model: ["u:failover": 1.5], KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1, gapBefore: 0, gapAfter: -1))
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        try h.command("start Checkout errors sev2", at: start)
        func reasons(_ id: String) -> Set<KeyReason>? { h.timeline.first { $0.messageID == id }?.keyReasons }
        try h.say("failover finished", id: "m1", at: start.addingTimeInterval(60))
        #expect(reasons("m1") == [.learned])
        _ = try h.capture(.edit(channel: Fixtures.channel, messageID: "m1", newText: "finished", editedAt: start.addingTimeInterval(70)))
        try h.say("nice", id: "m2", at: start.addingTimeInterval(90))
        #expect(reasons("m1") == [], "\"finished\" scores 0 - 0.41, under mark_at")
    }

    @Test("weights by hash find every feature stored and nothing else, however full the table")
    func hashedWeights() {
        for count in [0, 1, 7, 8, 1000] {
            let weights = Dictionary(uniqueKeysWithValues: (0..<count).map { (KeyEventFeatures.hash(ofName: "u:word\($0)"), Double($0) / 4) })
            let table = HashedWeights(weights)
            for (hash, weight) in weights { #expect(table[hash] == weight) }
            #expect(table[KeyEventFeatures.hash(ofName: "u:absent")] == 0)
            // Summed at once (first slots read ahead), the same as one by one, absent features adding nothing.
            let hashes = Array(weights.keys) + [KeyEventFeatures.hash(ofName: "u:absent"), 0]
            #expect(hashes.withUnsafeBufferPointer(table.sum) == hashes.reduce(0) { $0 + table[$1] })
            #expect(hashes.reduce(0) { $0 + table[$1] } == weights.values.reduce(0, +))
        }
    }
}
