import HindsightCore
import HindsightEvaluation
import HindsightPrompts
import Testing

@Suite("Dropping phrases to test the rules on phrasing they were not written for")
struct PhraseDropoutTests {
    let rules: ClassifierRules = {
        var rules = ClassifierRules(
            keyEventEmoji: [],
            features: ["for": (1...200).map { "word\($0)" }, "against": ["not", "never", "no"], "other": ["a", "b"]],
            milestones: [.init(milestone: .resolved, threshold: 1, weights: ["for": 1, "against": -2, "recent_other": 0.5])],
            keyEvents: [])
        rules.sentenceScoped = ["against"]
        return rules
    }()

    @Test("the share of phrases for a rule is dropped, the same ones for the same seed; phrases against a rule stay")
    func drops() {
        let thinned = PhraseDropout(share: 0.4, seed: 7).apply(to: rules)
        let kept = thinned.features["for"]?.count ?? 0
        #expect((90...150).contains(kept), "about 60% of 200 kept, got \(kept)")
        #expect(thinned.features["against"] == rules.features["against"])
        #expect(PhraseDropout(share: 0.4, seed: 7).apply(to: rules) == thinned)
        #expect(PhraseDropout(share: 0.4, seed: 8).apply(to: rules) != thinned)
    }

    @Test("adding a phrase to a list leaves which of the others are dropped as it was")
    func stableUnderAdditions() {
        var grown = rules
        grown.features["for"]?.insert("a new phrase", at: 0)
        grown.features["aardvark"] = ["x", "y", "z"]
        grown.milestones[0].weights["aardvark"] = 1
        let before = PhraseDropout(share: 0.4, seed: 7).apply(to: rules).features["for"] ?? []
        let after = PhraseDropout(share: 0.4, seed: 7).apply(to: grown).features["for"] ?? []
        #expect(after.filter { $0 != "a new phrase" } == before)
    }

    @Test("nothing dropped at 0; at 1 every feature keeps its first phrase, so every rule can still fire")
    func bounds() {
        #expect(PhraseDropout(share: 0, seed: 1).apply(to: rules) == rules)
        let all = PhraseDropout(share: 1, seed: 1).apply(to: rules)
        #expect(all.features["for"] == ["word1"])
        #expect(all.features["other"] == ["a"], "weighed for a rule through recent_other")
    }

    @Test("in the action check only the features with a positive weight lose phrases")
    func actions() throws {
        let actions = try PromptSet(directory: CorpusRun.root.appendingPathComponent("Prompts")).lint.actions
        let thinned = PhraseDropout(share: 0.5, seed: 3).apply(to: actions)
        for (name, phrases) in actions.features {
            if (actions.weights[name] ?? 0) > 0 {
                #expect((thinned.features[name]?.count ?? 0) < phrases.count, "\(name)")
            } else {
                #expect(thinned.features[name] == phrases, "\(name)")
            }
        }
    }
}
