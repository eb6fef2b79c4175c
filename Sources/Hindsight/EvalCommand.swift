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

    @Option(name: .customLong("drop-phrases"), help: ArgumentHelp(
        "Drop this share (0-1) of the phrases that speak for a rule, in classifier.yaml and the action check, to see how the rules do on phrasing they were not written for.",
        valueName: "share"))
    var dropPhrases: Double?

    @Option(help: "With --drop-phrases: which phrases are dropped (the same seed drops the same ones).")
    var seed: UInt64 = 1

    @Flag(name: .customLong("train-blame"), help: "Instead of evaluating, fit the blameless check's learned model on the dev sentences, print what it adds in cross-validation, and write its weights.")
    var trainBlame = false

    @Flag(name: .customLong("train-key-events"), help: "Instead of evaluating, fit the learned key-event model on the dev war rooms, print what it does with the rules in cross-validation, and write its weights.")
    var trainKeyEvents = false

    @Option(help: ArgumentHelp(
        "Instead of the bot, score a person's picks from the chat alone (READERS/<room id>.json: ranked_rows, milestones; format: Tests/Fixtures/README.md) against the same labels, beside the bot's figures on the same rooms.",
        valueName: "readers"))
    var readers: String?

    @Option(help: ArgumentHelp(
        "With --train-key-events: also write each dev chat message's label, the rules' mark and the gaps around it to this file (tab-separated; for scripts/research/key-event-ceiling.py).",
        valueName: "file"))
    var examples: String?

    @Option(help: "With --train-blame or --train-key-events: where to write the weights (default: the file lint.yaml or classifier.yaml names, in the --prompts folder, else under Prompts/).")
    var output: String?

    func run() async throws {
        var promptSet: PromptSet
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
            let reasons = classifier.keyReasons(features)
            print("key reasons by the rules: \(reasons.map(\.rawValue).sorted().joined(separator: ", "))")
            if let model = promptSet.classifier.keyEventModel {
                let score = model.score(explain, fromIntegration: bot, isReply: false)
                func verdict(_ score: Double) -> String {
                    let verdict = model.adjust(reasons, score: score)
                    return verdict.isEmpty ? "not key" : verdict.map(\.rawValue).sorted().joined(separator: ", ")
                }
                guard model.settings.readsRhythm else {
                    print(String(format: "learned key-event model: %.2f (mark at %.2f, veto below %.2f): ", score, model.settings.markAt, model.settings.vetoBelow)
                          + verdict(score))
                    return
                }
                // The room's rhythm moves the score: two typical places for the message in a room.
                print(String(format: "learned key-event model: the words %.2f (mark at %.2f, veto below %.2f), then the room's rhythm:", score,
                             model.settings.markAt, model.settings.vetoBelow))
                for (answer, said) in [(0.0, "answered at once"), (300.0, "answered after 5 min")] {
                    let placed = score + model.settings.rhythm(before: 60, after: answer)
                    print("  after a minute of quiet, \(said): " + String(format: "%.2f, ", placed) + verdict(placed))
                }
            }
            return
        }
        let corpus = try Corpus.load(from: URL(fileURLWithPath: directory))
        guard !corpus.warRooms.isEmpty || !corpus.sentences.isEmpty else {
            throw ValidationError("\(directory) has no warrooms/*.json and no sentences/*.jsonl.")
        }
        if trainBlame {
            guard let settings = promptSet.lint.blameless.model else {
                throw ValidationError("lint.yaml has no blameless.model: add one (see `hindsight prompts export`) to say how the model reads sentences.")
            }
            let report = BlameTraining(rules: promptSet.lint.blameless, settings: settings).run(corpus.sentences)
            return try publish(report.model, report: report.text, weights: settings.weights, comment: [
                "The blameless check's learned weights (see `model:` in lint.yaml). Written by `hindsight eval --train-blame`",
                "from the dev half of \(directory)/sentences (\(report.blaming) blaming, \(report.neutral) neutral); retrain rather than edit.",
                "Features: u:<word> and b:<word>_<next word>, words lower-cased and stemmed, PERSON(S) a person in the room, ROLE a role or team word.",
            ])
        }
        if trainKeyEvents {
            guard let settings = promptSet.classifier.keyEventModelSettings else {
                throw ValidationError("classifier.yaml has no key_event_model: add one (see `hindsight prompts export`) to name its weights file and thresholds.")
            }
            promptSet.classifier.keyEventModel = nil  // the rules' own marks, for the model to complement
            let report = try await KeyEventTraining(desk: promptSet.desk(zone: .gmt, redact: { $0 })).run(corpus)
            if let examples {
                do {
                    try Data(report.examplesTSV.utf8).write(to: URL(fileURLWithPath: examples))
                } catch {
                    throw ValidationError("Could not write the examples to \(examples): \(error.localizedDescription). Name a file in a folder you can write to.")
                }
            }
            return try publish(report.model, report: report.text, weights: settings.weights, comment: [
                "The learned key-event model's weights (see `key_event_model:` in classifier.yaml). Written by",
                "`hindsight eval --train-key-events` from the dev war rooms of \(directory) (\(report.messages) messages, \(report.published) published",
                "rows); retrain rather than edit. Features: u:<word>, b:<word>_<next word>, s:<one of the first two words>, BOT,",
                "REPLY, NUM, Q, len:<log2 of the word count>.",
            ])
        }
        let splits: [Split] = switch split {
        case .dev: [.dev]
        case .holdout: [.holdout]
        case .all: [.dev, .holdout]
        }
        if let readers {
            let answers = try ReaderAnswer.load(from: URL(fileURLWithPath: readers))
            let read = Corpus(warRooms: corpus.warRooms.filter { answers[$0.id] != nil && splits.contains($0.split) }, sentences: [])
            guard !read.warRooms.isEmpty else { throw ValidationError("\(readers) has no <room id>.json for a war room of \(directory).") }
            print(ReaderScore(corpus: read, answers: answers).text, terminator: "")
            // The bot on the same rooms, replayed as `hindsight eval` does (a dev room's key events are in-sample for
            // the learned model, and its rules were written there: read the holdout's, `--split holdout`).
            let bot = try await Evaluator(desk: promptSet.desk(zone: .gmt, redact: { $0 })).evaluate(read).summary(nil)
            print("the bot on the same war rooms")
            print("  milestones within 10 min   \(bot.milestones.text), \(bot.wrongProposals) wrong (\(String(format: "%.2f", bot.wrongPerIncident)) per incident)")
            print("  published rows             \(bot.keyEvents.text) marked, \(bot.marked) marked in all (\(String(format: "%.2f", bot.markedRatio))× published)")
            return
        }
        if let dropPhrases {
            guard (0...1).contains(dropPhrases) else { throw ValidationError("--drop-phrases takes a share from 0 to 1, e.g. 0.4.") }
            let dropout = PhraseDropout(share: dropPhrases, seed: seed)
            promptSet.classifier = dropout.apply(to: promptSet.classifier)
            promptSet.lint.actions = dropout.apply(to: promptSet.lint.actions)
            print("with \(Int((dropPhrases * 100).rounded()))% of the phrases for each rule dropped (seed \(seed))")
        }
        let evaluator = Evaluator(desk: promptSet.desk(zone: .gmt, redact: { $0 }))
        let result = try await evaluator.evaluate(corpus, splits: Set(splits))
        print("hindsight eval \(directory): \(result.incidents.count) war rooms, \(result.sentences.count) sentences\n")
        print(result.text(splits: splits, verbose: verbose), terminator: "")
        if splits.contains(.dev), promptSet.classifier.keyEventModel != nil {
            print("""
                note: the learned key-event model was fitted on these dev rooms, so their key-event figures above are \
                in-sample; `hindsight eval --train-key-events` prints them in cross-validation (the holdout's are not)
                """)
        }
    }

    /// Prints a training's report and writes the model's weights to `--output`, or to the file the rules name in the
    /// `--prompts` folder (`Prompts/` without it): a training on another folder never overwrites the shipped weights.
    private func publish(_ model: LinearModel, report: String, weights: String, comment: [String]) throws {
        print(report, terminator: "")
        let path = output ?? URL(fileURLWithPath: prompts ?? "Prompts").appendingPathComponent(weights).path
        try model.tsv(comment: comment).write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(path)")
    }
}
