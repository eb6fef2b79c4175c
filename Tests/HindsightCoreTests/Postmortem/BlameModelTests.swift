import Foundation
import Testing
@testable import HindsightCore

@Suite("The blameless check's learned model")
struct BlameModelTests {
    static let rules = Fixtures.prompts.lint.blameless
    static let settings = BlameModelSettings(
        weights: "blame-model.tsv", threshold: 1.0, suffixes: ["ing", "ed", "s"], minimumStem: 3,
        advice: "reads as blame ({words}); say what the system allowed")
    let reader = BlameFeatures(settings: settings, rules: rules)

    /// A toy set in slang no phrase list has: blame is a person who "yeets" something; the neutral twins tell the same
    /// events about the system.
    static let examples: [(text: String, people: [String], blames: Bool)] = [
        ("dana yeets the alerts into a channel nobody reads", people: ["dana"], blames: true),
        ("kim yeets migrations without a test", people: ["kim"], blames: true),
        ("sam yeets the dashboards until it is too late", people: ["sam"], blames: true),
        ("hugo yeets the checklist", people: ["hugo"], blames: true),
        ("the alerts were routed to a channel nobody reads", people: ["dana"], blames: false),
        ("the migration had no test covering the new column", people: ["kim"], blames: false),
        ("the dashboard showed the lag twenty minutes before the page", people: ["sam"], blames: false),
        ("the checklist did not include the new region", people: ["hugo"], blames: false),
    ]

    func trained() -> LinearModel {
        LinearModel.train(Self.examples.map { .init(features: reader.features($0.text, people: $0.people), positive: $0.blames) })
    }

    @Test("people in the room read as one placeholder, roles as another, and words are stemmed")
    func features() {
        let features = reader.features("Kim's script; the on-call engineer restarted @li's pods", people: ["Kim Park"])
        #expect(features.contains("u:PERSONS"))
        #expect(features.contains("u:ROLE"))
        #expect(features.contains("u:restart"))
        #expect(features.contains("b:PERSONS_script"))
        #expect(features.filter { $0 == "u:PERSONS" }.count == 2, "@li's is a person by the @ even when not in the room")
    }

    @Test("what it learns about people carries to a name it never saw")
    func generalisesOverNames() {
        let model = trained()
        let blaming = model.score(reader.features("ola yeets the runbook", people: ["ola"])).value
        let neutral = model.score(reader.features("the runbook had no section for the new region", people: ["ola"])).value
        #expect(blaming > neutral + 1, "\(blaming) vs \(neutral)")
        #expect(model.score(reader.features("ola yeets the runbook", people: ["ola"])).strongest.contains("b:PERSON_yeet"))
    }

    @Test("the same examples and seed give the same weights")
    func deterministic() {
        #expect(trained() == trained())
    }

    @Test("the weights survive the Prompts file, and a line that is not feature<TAB>weight is named")
    func weightsFile() throws {
        let model = trained()
        let text = model.tsv(comment: ["trained on the toy set"])
        #expect(text.hasPrefix("# trained on the toy set\nbias\t"))
        let read = try LinearModel(tsv: text)
        #expect(read.weights.keys.sorted() == model.weights.keys.sorted())
        for (feature, weight) in model.weights { #expect(abs(read.weights[feature]! - weight) < 0.0001) }
        #expect(abs(read.bias - model.bias) < 0.0001)
        do {
            _ = try LinearModel(tsv: "# weights\nbias\t0.5\nu:never 1.5\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
        }
    }

    @Test("the check flags what the phrases miss, names the words that weighed most, and flags a sentence once")
    func inTheCheck() {
        var rules = Self.rules
        rules.model = Self.settings
        rules.learned = trained()
        let withModel = BlamelessCheck(rules: rules)
        let sentence = "ola yeets the runbook."
        let result = withModel.check(sentence, people: ["ola"])
        #expect(result.findings.map(\.kind) == [.readsAsBlame])
        #expect(result.findings.first?.excerpt == sentence)
        #expect(result.findings.first?.suggestion.contains("<person> yeet") == true, "\(result.findings)")
        #expect(withModel.check("The runbook had no section for the new region.", people: ["ola"]).findings.isEmpty)

        rules.learned = nil
        #expect(BlamelessCheck(rules: rules).check(sentence, people: ["ola"]).findings.isEmpty, "without weights the phrases alone decide")

        // A sentence the phrases already flag is not flagged a second time by the model.
        rules.learned = trained()
        let both = BlamelessCheck(rules: rules).check("ola carelessly yeets the runbook.", people: ["ola"])
        #expect(!both.findings.contains { $0.kind == .readsAsBlame }, "\(both.findings)")
        #expect(!both.findings.isEmpty)
    }

    @Test("the shipped prompts carry trained weights and use them")
    func shipped() throws {
        let shipped = try #require(Self.rules.learned)
        #expect(shipped.weights.count > 1000)
        #expect(Self.rules.model != nil)
    }
}
