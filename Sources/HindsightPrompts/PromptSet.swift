import Foundation
import HindsightCore
import HindsightReport

/// All of `Prompts/`, loaded and checked at start: messages, classifier rules and the other data files.
public struct PromptSet: Sendable {
    public var directory: URL
    public var messages: MessageCatalog
    public var classifier: ClassifierRules
    public var postmortem: PostmortemGuide
    public var lint: LintRules
    public var report: ReportRenderer
    /// The secret patterns of `redaction.yaml`, compiled.
    public var redactor: Redactor

    /// Loads every file from `directory`; the first problem is thrown with its file and reason.
    public init(directory: URL) throws(PromptsError) {
        self.directory = directory
        let messagesURL = directory.appendingPathComponent("messages.yaml")
        messages = try PromptsFile.load(MessageCatalog.self, from: messagesURL)
        if let missing = messages.missingKeys.first {
            throw PromptsError(file: messagesURL.path, reason: "missing message '\(missing.rawValue)' (\(messages.missingKeys.count) missing in all); copy it from the Prompts/ shipped with Hindsight")
        }
        classifier = try PromptsFile.load(ClassifierRules.self, from: directory.appendingPathComponent("classifier.yaml"))
        let guideURL = directory.appendingPathComponent("postmortem.yaml")
        postmortem = try PromptsFile.load(PostmortemGuide.self, from: guideURL)
        if let missing = postmortem.missingKeys.first {
            throw PromptsError(file: guideURL.path, reason: "missing '\(missing)' (\(postmortem.missingKeys.count) missing in all); copy it from the Prompts/ shipped with Hindsight")
        }
        if postmortem.impactFields.isEmpty || postmortem.factorCategories.isEmpty {
            throw PromptsError(file: guideURL.path, reason: "impact_fields and factor_categories each need at least one entry")
        }
        guard postmortem.minimumWhyDepth >= 1, postmortem.followUpWeeks >= 1, postmortem.answerWindowMinutes >= 1 else {
            throw PromptsError(file: guideURL.path, reason: "minimum_why_depth, follow_up_weeks and answer_window_minutes must be at least 1")
        }
        lint = try PromptsFile.load(LintRules.self, from: directory.appendingPathComponent("lint.yaml"))
        redactor = try Self.loadRedactor(from: directory.appendingPathComponent("redaction.yaml"))
        let reportURL = directory.appendingPathComponent("report.mustache")
        let template: String
        do {
            template = try String(contentsOf: reportURL, encoding: .utf8)
        } catch {
            throw PromptsError(file: reportURL.path, reason: "cannot be read (\(error.localizedDescription)); copy it from the Prompts/ shipped with Hindsight")
        }
        do {
            report = try ReportRenderer(template: template)
        } catch {
            throw PromptsError(file: reportURL.path, reason: "is not a valid Mustache template: \(error)")
        }
    }

    /// Compiles `redaction.yaml`; a pattern that cannot be used fails with the file, its line, its id and the reason.
    static func loadRedactor(from url: URL) throws(PromptsError) -> Redactor {
        let rules = try PromptsFile.load(RedactionRules.self, from: url)
        guard !rules.patterns.isEmpty else {
            throw PromptsError(file: url.path, reason: "has no patterns; copy it from the Prompts/ shipped with Hindsight")
        }
        do {
            return try Redactor(patterns: rules.patterns)
        } catch {
            let yaml = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let line = yaml.components(separatedBy: "\n").firstIndex { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return trimmed == "- id: \(error.id)" || trimmed == "id: \(error.id)"
            }
            throw PromptsError(file: url.path, line: line.map { $0 + 1 }, reason: error.description)
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

    /// Where `Prompts/` is: an explicit path, else `./Prompts`, else next to the executable
    /// (`<bin>/../share/hindsight/Prompts`, as the container and packages install it).
    public static func locate(explicit: String?, executable: URL = URL(fileURLWithPath: CommandLine.arguments[0])) throws(PromptsError) -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("messages.yaml").path) else {
                throw PromptsError(file: explicit, reason: "is not a Prompts directory (no messages.yaml); set HINDSIGHT_PROMPTS to the folder holding Hindsight's Prompts/")
            }
            return url
        }
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Prompts"),
            executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("../share/hindsight/Prompts").standardized,
        ]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("messages.yaml").path) {
            return candidate
        }
        throw PromptsError(file: "Prompts/", reason: "not found in \(candidates.map(\.path).joined(separator: " or ")); run from the repository root or set HINDSIGHT_PROMPTS")
    }
}
