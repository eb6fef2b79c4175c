import Foundation
@testable import HindsightCore
import Testing

@Suite("The learned key-event model")
struct KeyEventModelTests {
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
        var rules = ClassifierRules(
            keyEventEmoji: [], features: ["act": ["restart*"]], milestones: [],
            keyEvents: [.init(reason: .action, threshold: 1, weights: ["act": 1])])
        let settings = KeyEventModelSettings(weights: "w.tsv", markAt: 1, vetoBelow: -1)
        rules.keyEventModel = KeyEventModel(LinearModel(bias: 0, weights: ["u:failover": 1.5, "u:lol": -2]), settings: settings)
        let h = DeskHarness().withClassifier(rules)
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

    @Test("weights by hash find every feature stored and nothing else, however full the table")
    func hashedWeights() {
        for count in [0, 1, 7, 8, 1000] {
            let weights = Dictionary(uniqueKeysWithValues: (0..<count).map { (KeyEventFeatures.hash(ofName: "u:word\($0)"), Double($0) / 4) })
            let table = HashedWeights(weights)
            for (hash, weight) in weights { #expect(table[hash] == weight) }
            #expect(table[KeyEventFeatures.hash(ofName: "u:absent")] == 0)
        }
    }
}
