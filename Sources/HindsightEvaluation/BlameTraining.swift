import Foundation
import HindsightCore

/// Fits the blameless check's learned model on the `dev` half of the labelled sentences (`blaming` against
/// `neutral`), and measures, by cross-validation on the same half, what it adds to the phrase rules at each threshold:
/// how many of the blaming sentences the phrases miss it catches, and how many neutral sentences it flags that the
/// phrases leave alone. The `holdout` half is never read.
public struct BlameTraining: Sendable {
    /// What the model adds at one threshold, in cross-validation.
    public struct Row: Sendable {
        public var threshold: Double
        /// Blaming sentences the phrases miss that the model flags.
        public var caught: Int
        /// Neutral sentences the phrases pass that the model flags.
        public var falseFlags: Int
    }

    public struct Report: Sendable {
        public var model: LinearModel
        public var examples: Int
        public var blaming: Int
        public var neutral: Int
        /// Blaming dev sentences the phrase rules miss.
        public var missedByPhrases: Int
        public var neutralFlaggedByPhrases: Int
        public var rows: [Row]
        public var folds: Int
        public var falseFlagBudget: Double
        /// The lowest threshold whose added false flags stay within `falseFlagBudget` of the neutral sentences.
        public var suggested: Double?
    }

    public var rules: BlamelessRules
    public var settings: BlameModelSettings
    public var folds = 5
    public var thresholds: [Double] = [2, 2.5, 3, 3.5, 4, 4.5, 5]
    public var falseFlagBudget = 0.005

    public init(rules: BlamelessRules, settings: BlameModelSettings) {
        var phrasesOnly = rules
        phrasesOnly.model = nil
        phrasesOnly.learned = nil
        self.rules = phrasesOnly
        self.settings = settings
    }

    public func run(_ sentences: [SentenceCase], seed: UInt64 = 1) -> Report {
        let dev = sentences.filter { $0.split == .dev && ($0.kind == .blaming || $0.kind == .neutral) }
        let phrases = BlamelessCheck(rules: rules)
        let reader = BlameFeatures(settings: settings, rules: rules)
        // Each sentence is read once; every fold and the final fit learn from the same features.
        let examples = dev.map { LinearModel.Example(features: reader.features($0.text, people: $0.people), positive: $0.kind == .blaming) }
        let flaggedByPhrases = dev.map { !phrases.check($0.text, people: $0.people).findings.isEmpty }

        // Each example is scored by a model that never saw it.
        var heldOutScore = [Double](repeating: 0, count: examples.count)
        for fold in CrossValidation.folds(of: examples.count, into: folds, seed: seed) {
            let held = Set(fold)
            let training = examples.indices.filter { !held.contains($0) }
            let model = LinearModel.train(training.map { examples[$0] }, seed: seed)
            for index in held { heldOutScore[index] = model.score(examples[index].features).value }
        }
        let rows = thresholds.map { threshold in
            Row(
                threshold: threshold,
                caught: examples.indices.filter { examples[$0].positive && !flaggedByPhrases[$0] && heldOutScore[$0] >= threshold }.count,
                falseFlags: examples.indices.filter { !examples[$0].positive && !flaggedByPhrases[$0] && heldOutScore[$0] >= threshold }.count)
        }
        let neutral = examples.filter { !$0.positive }.count
        let model = LinearModel.train(examples, seed: seed)
        return Report(
            model: model, examples: examples.count, blaming: examples.count - neutral, neutral: neutral,
            missedByPhrases: examples.indices.filter { examples[$0].positive && !flaggedByPhrases[$0] }.count,
            neutralFlaggedByPhrases: examples.indices.filter { !examples[$0].positive && flaggedByPhrases[$0] }.count,
            rows: rows, folds: folds, falseFlagBudget: falseFlagBudget,
            suggested: rows.first { Double($0.falseFlags) <= falseFlagBudget * Double(neutral) }?.threshold)
    }
}

extension BlameTraining.Report {
    /// The report `hindsight eval --train-blame` prints.
    public var text: String {
        var lines = [
            "trained on the dev half: \(blaming) blaming and \(neutral) neutral sentences, \(model.weights.count) weights kept",
            "the phrase rules miss \(missedByPhrases) of the \(blaming) blaming sentences and flag \(neutralFlaggedByPhrases) of the \(neutral) neutral ones",
            "what the model adds, in \(folds)-fold cross-validation on the dev half:",
            "  threshold  blaming caught that the phrases miss  neutral flagged that the phrases pass",
        ]
        for row in rows {
            let caught = "\(row.caught)/\(missedByPhrases)"
            let flags = String(format: "%d/%d (%.1f%%)", row.falseFlags, neutral, 100 * Double(row.falseFlags) / Double(max(1, neutral)))
            lines.append("  " + String(format: "%-9.1f", row.threshold) + "  " + caught.padding(toLength: 37, withPad: " ", startingAt: 0) + "  " + flags)
        }
        if let suggested {
            lines.append("the lowest threshold within \(falseFlagBudget * 100)% added false flags: \(suggested)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
