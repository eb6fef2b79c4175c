import Foundation
import HindsightCore
import HindsightReport
import Synchronization

/// All of `Prompts/`, loaded and checked at start: messages, classifier rules and the other data files, each from the
/// override folder when it has the file, else built in.
public struct PromptSet: Sendable {
    public var sources: PromptSources
    public var messages: MessageCatalog
    public var classifier: ClassifierRules
    public var postmortem: PostmortemGuide
    public var lint: LintRules
    public var report: ReportRenderer
    /// The secret patterns of `redaction.yaml`, compiled.
    public var redactor: Redactor
    /// Where `messages.yaml` came from, for the errors of `check`.
    private var messagesOrigin: String

    /// Loads every file from `directory`, falling back to the built-in file for any it does not have.
    public init(directory: URL) throws(PromptsError) {
        try self.init(sources: PromptSources(overrides: directory))
    }

    /// The prompts in effect for a process: the built-in files, overridden by `explicit` (`HINDSIGHT_PROMPTS`) or the
    /// folder `PromptSources.locate` finds.
    public init(explicit: String?) throws(PromptsError) {
        try self.init(sources: PromptSources(overrides: PromptSources.locate(explicit: explicit)))
    }

    /// Where the prompts came from, for logs and `hindsight doctor`: `built-in`, or the folder and what it overrides.
    public var origin: String {
        guard let folder = sources.overrides else { return "built-in" }
        let overridden = sources.overridden
        var text = overridden.isEmpty ? "built-in (\(folder.path) overrides nothing)" : "built-in, overridden from \(folder.path): \(overridden.joined(separator: ", "))"
        let unused = sources.unused
        if !unused.isEmpty { text += "; not read (no such Prompts file): \(unused.joined(separator: ", "))" }
        return text
    }

    /// Loads every file; the first problem is thrown with its file and reason. The redactor (170 regular expressions
    /// to compile, a third of the loading) is built on another thread meanwhile, and its problem, if any, is reported
    /// in the same order as before: after those of the files read before it.
    public init(sources: PromptSources) throws(PromptsError) {
        self.sources = sources
        func load<T: Decodable>(_ type: T.Type, _ name: String) throws(PromptsError) -> (T, String) {
            let (text, origin) = try sources.text(name)
            return (try PromptsFile.decode(type, yaml: text, file: origin), origin)
        }
        let redactorResult = Mutex<Result<Redactor, PromptsError>?>(nil)
        let redactorBuilt = DispatchGroup()
        DispatchQueue.global().async(group: redactorBuilt) {
            let result = Result { () throws(PromptsError) -> Redactor in
                let (redaction, redactionOrigin) = try sources.text("redaction.yaml")
                return try Self.loadRedactor(yaml: redaction, file: redactionOrigin)
            }
            redactorResult.withLock { $0 = result }
        }
        // Whatever is thrown before the redactor is awaited, the thread finishes on its own and its result is dropped.
        defer { redactorBuilt.wait() }
        (messages, messagesOrigin) = try load(MessageCatalog.self, "messages.yaml")
        classifier = try load(ClassifierRules.self, "classifier.yaml").0
        if let settings = classifier.keyEventModelSettings {
            let (tsv, weightsOrigin) = try sources.text(settings.weights)
            do {
                classifier.keyEventModel = KeyEventModel(try LinearModel(tsv: tsv), settings: settings)
            } catch {
                throw PromptsError(file: weightsOrigin, reason: error.description)
            }
        }
        let guideOrigin: String
        (postmortem, guideOrigin) = try load(PostmortemGuide.self, "postmortem.yaml")
        if let missing = postmortem.missingKeys.first {
            throw PromptsError(file: guideOrigin, reason: "missing '\(missing)' (\(postmortem.missingKeys.count) missing in all); copy it from `hindsight prompts export`")
        }
        if let unknown = postmortem.unknownPlaceholder {
            throw PromptsError(file: guideOrigin, reason: unknown)
        }
        if postmortem.impactFields.isEmpty || postmortem.factorCategories.isEmpty {
            throw PromptsError(file: guideOrigin, reason: "impact_fields and factor_categories each need at least one entry")
        }
        guard postmortem.minimumWhyDepth >= 1, postmortem.followUpWeeks >= 1, postmortem.answerWindowMinutes >= 1 else {
            throw PromptsError(file: guideOrigin, reason: "minimum_why_depth, follow_up_weeks and answer_window_minutes must be at least 1")
        }
        lint = try load(LintRules.self, "lint.yaml").0
        if let model = lint.blameless.model {
            let (tsv, weightsOrigin) = try sources.text(model.weights)
            do {
                lint.blameless.learned = try LinearModel(tsv: tsv)
            } catch {
                throw PromptsError(file: weightsOrigin, reason: error.description)
            }
        }
        redactorBuilt.wait()
        redactor = try redactorResult.withLock { $0 }!.get()
        let (template, reportOrigin) = try sources.text("report.mustache")
        do {
            report = try ReportRenderer(template: template)
        } catch {
            throw PromptsError(file: reportOrigin, reason: "is not a valid Mustache template: \(error)")
        }
        try check(MessageKey.self)
    }

    /// Checks that `messages.yaml` has a text for every key of `keys`, each using only the placeholders it is given: the
    /// core's at load, and each adapter's own (`SlackMessage`, …) when it is wired up, so a missing or mistyped text
    /// stops the bot at start with the file and the key.
    public func check<Key: TemplateKey>(_ keys: Key.Type) throws(PromptsError) {
        let missing = messages.missing(keys)
        if let first = missing.first {
            throw PromptsError(file: messagesOrigin, reason: "missing message '\(first.rawValue)' (\(missing.count) missing in all); copy it from `hindsight prompts export`")
        }
        if let unknown = messages.unknownPlaceholder(keys) {
            throw PromptsError(file: messagesOrigin, reason: unknown)
        }
    }

    /// Compiles `redaction.yaml`; a pattern that cannot be used fails with the file, its line, its id and the reason.
    static func loadRedactor(yaml: String, file: String) throws(PromptsError) -> Redactor {
        let rules = try PromptsFile.decode(RedactionRules.self, yaml: yaml, file: file)
        guard !rules.patterns.isEmpty else {
            throw PromptsError(file: file, reason: "has no patterns; copy it from `hindsight prompts export`")
        }
        do {
            return try Redactor(patterns: rules.patterns)
        } catch {
            let line = yaml.components(separatedBy: "\n").firstIndex { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return trimmed == "- id: \(error.id)" || trimmed == "id: \(error.id)"
            }
            throw PromptsError(file: file, line: line.map { $0 + 1 }, reason: error.description)
        }
    }

    /// The incident desk built from these prompts, redacting with `redaction.yaml`.
    public func desk(zone: TimeZone) -> IncidentDesk {
        let redactor = self.redactor
        return desk(zone: zone, redact: { redactor.redact($0).text })
    }

    /// The incident desk built from these prompts.
    public func desk(zone: TimeZone, redact: @escaping @Sendable (String) -> String) -> IncidentDesk {
        let report = self.report
        return IncidentDesk(
            messages: messages, classifierRules: classifier, postmortem: postmortem, lint: lint, zone: zone, redact: redact,
            renderReport: { report.render($0) }
        )
    }
}
