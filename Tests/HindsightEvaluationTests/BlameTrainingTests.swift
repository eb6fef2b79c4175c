import Foundation
import HindsightCore
import HindsightEvaluation
import Testing

@Suite("Training the blameless check's model on the dev half")
struct BlameTrainingTests {
    static func sentence(_ text: String, _ kind: SentenceCase.Kind, _ split: Split) throws -> SentenceCase {
        let json = try JSONSerialization.data(withJSONObject: ["text": text, "people": ["dana", "kim"], "split": split.rawValue])
        var sentence = try JSONDecoder().decode(SentenceCase.self, from: json)
        sentence.kind = kind
        return sentence
    }

    @Test("the holdout half is never read, and cross-validation reports what the model adds at each threshold")
    func devOnly() throws {
        var sentences: [SentenceCase] = []
        for i in 0..<30 {
            sentences.append(try Self.sentence("dana never checks the queue number \(i), as usual", .blaming, .dev))
            sentences.append(try Self.sentence("the queue number \(i) had no alert on its depth", .neutral, .dev))
        }
        sentences.append(try Self.sentence("kim zorblatted the frobnicator", .blaming, .holdout))
        sentences.append(try Self.sentence("the frobnicator quuxed", .neutral, .holdout))
        let rules = CorpusRun.prompts.lint.blameless
        let settings = try #require(rules.model)
        let report = BlameTraining(rules: rules, settings: settings).run(sentences)
        #expect(report.examples == 60)
        #expect(!report.model.weights.keys.contains { $0.contains("frobnicator") || $0.contains("zorblatt") || $0.contains("quux") })
        #expect(report.model.weights["b:PERSON_never"].map { $0 > 0 } == true)
        // A higher threshold never catches more, nor flags more.
        for (lower, higher) in zip(report.rows, report.rows.dropFirst()) {
            #expect(higher.caught <= lower.caught && higher.falseFlags <= lower.falseFlags)
        }
        #expect(report.text.contains("5-fold cross-validation"))
    }
}
