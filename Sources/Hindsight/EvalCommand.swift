import ArgumentParser
import Foundation
import HindsightCore
import HindsightEvaluation
import HindsightPrompts

/// `hindsight eval [DIR]`: replays the labelled war rooms through the bot and runs the labelled sentences through the
/// checks, printing recall and precision per check, per incident and per split.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score milestones, key events, the blameless and the action-item checks on a labelled corpus.",
        discussion: """
            DIR holds warrooms/*.json and sentences/{neutral,blaming,actions-concrete,actions-vague}.jsonl (format: \
            Tests/Fixtures/README.md). Each war room is replayed through the real desk on a temporary SQLite store; a \
            simulated responder confirms a suggested milestone within 10 minutes of the published time and dismisses \
            the others. Write rules in Prompts/ against the dev split; the holdout split is only for reporting.
            """
    )

    enum SplitChoice: String, ExpressibleByArgument, CaseIterable { case dev, holdout, all }

    @Argument(help: "The corpus directory.")
    var directory: String = "Tests/Fixtures"

    @Option(help: "dev, holdout or all.")
    var split: SplitChoice = .all

    @Flag(help: "List every miss: milestones, key events and sentences.")
    var verbose = false

    @Option(help: "The Prompts/ folder to evaluate (default: as `hindsight run` finds it).")
    var prompts: String?

    @Option(help: "Instead of evaluating, show the classifier's features and verdicts for this text (tuning).")
    var explain: String?

    @Flag(help: "With --explain: the text comes from an integration (alerting, status-page or deploy bot).")
    var bot = false

    func run() async throws {
        let promptSet: PromptSet
        do {
            promptSet = try PromptSet(explicit: prompts ?? ProcessInfo.processInfo.environment["HINDSIGHT_PROMPTS"])
        } catch {
            throw ValidationError("Prompts: \(error)")
        }
        if let explain {
            let classifier = MilestoneClassifier(rules: promptSet.classifier)
            let features = classifier.features(of: explain, fromIntegration: bot)
            let described = classifier.describe(features).map { feature in feature.phrase.map { "\(feature.name) (\($0))" } ?? feature.name }
            print("features: \(described.joined(separator: ", "))")
            for (milestone, score, threshold) in classifier.scores(features) {
                print("\(milestone.rawValue): \(String(format: "%.2f", score)) of \(threshold) without context")
            }
            print("key reasons: \(classifier.keyReasons(features).map(\.rawValue).sorted().joined(separator: ", "))")
            return
        }
        let corpus = try Corpus.load(from: URL(fileURLWithPath: directory))
        guard !corpus.warRooms.isEmpty || !corpus.sentences.isEmpty else {
            throw ValidationError("\(directory) has no warrooms/*.json and no sentences/*.jsonl.")
        }
        let splits: [Split] = switch split {
        case .dev: [.dev]
        case .holdout: [.holdout]
        case .all: [.dev, .holdout]
        }
        let evaluator = Evaluator(desk: promptSet.desk(zone: .gmt, redact: { $0 }))
        let result = try await evaluator.evaluate(corpus, splits: Set(splits))
        print("hindsight eval \(directory): \(result.incidents.count) war rooms, \(result.sentences.count) sentences\n")
        print(result.text(splits: splits, verbose: verbose), terminator: "")
    }
}
