/// Which `{name}` placeholders each text is rendered with. A text in `Prompts/` may use any of them and nothing else,
/// and the code passes only these: a mistyped name fails when the prompts load (in the file) or in the first test
/// that renders it (in the code), never as a literal `{titel}` in a channel.
public protocol TemplateKey: RawRepresentable<String>, CaseIterable, Sendable {
    /// The placeholders this text is given when it is rendered.
    var placeholders: Set<String> { get }
}

extension Template {
    /// The `{name}` placeholders `text` uses, in order of first use.
    public static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = String(rest[rest.index(after: open)..<close])
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !names.contains(name) { names.append(name) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The first text in `texts` that uses a placeholder its key is never given, as a sentence naming the key, the
    /// placeholder and the ones it may use; nil when every text is fine. `prefix` qualifies the key ("questions.").
    public static func unknownPlaceholder<Key: TemplateKey>(in texts: [String: String], keys: Key.Type, prefix: String = "") -> String? {
        for key in Key.allCases {
            guard let text = texts[key.rawValue] else { continue }
            let allowed = key.placeholders
            if let unknown = placeholders(in: text).first(where: { !allowed.contains($0) }) {
                let choices = allowed.isEmpty ? "it takes no placeholders" : "it can use " + allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
                return "'\(prefix)\(key.rawValue)' uses {\(unknown)}, which it is never given; \(choices)"
            }
        }
        return nil
    }

    /// Fills `key`'s text; in debug builds, a value whose name `key` does not declare stops the test that passes it.
    static func fill<Key: TemplateKey>(_ key: Key, _ text: String?, _ values: [String: String]) -> String {
        assert(values.keys.allSatisfy(key.placeholders.contains),
               "\(key.rawValue) is rendered with \(values.keys.sorted()) but declares \(key.placeholders.sorted())")
        return fill(text ?? "[\(key.rawValue)]", values)
    }
}

extension MessageKey: TemplateKey {
    public var placeholders: Set<String> {
        switch self {
        case .helpHeader, .emptyCommand, .noIncident, .milestoneNeedsOpenIncident, .timelineEmpty, .timelineAsFile,
             .formStartTitle, .formNoteTitle, .formSubmit, .formFieldTitle, .formFieldSeverity, .formFieldStartedAt,
             .formFieldNote, .formFieldAt, .formHintTime, .formRequired, .formImpactTitle, .formActionTitle,
             .formWhyTitle, .formFieldAction, .formFieldOwner, .formFieldDue, .formFieldPriority, .formFieldType,
             .formFieldWhy, .formFieldEvidence, .formFieldParent, .formHintOwner, .formHintEvidence, .formHintParent,
             .formImpactEmpty, .appMention, .messageTooLong: []
        case .formUnknown: ["form"]
        case .reopenNotResolved, .reopenChannelBusy: ["id"]
        case .cardIssues: ["issues"]
        case .channelsOff: []
        case .channelCreating: ["name"]
        case .channelTopic: ["severity", "title"]
        case .channelDeclared: ["id", "link", "title", "user"]
        case .channelWarning, .channelFailed: ["reason"]
        case .additionAdded, .additionAddedFromElsewhere: ["id", "ref", "time"]
        case .additionElsewhere, .additionLink, .formAdditionTitle, .formAdditionSubmit, .formFieldAdditionNote, .formDeclareTitle, .formFieldInvite,
             .formHintInvite, .formFieldAnnounce: []
        case .additionNoIncident: ["count"]
        case .additionNote: ["note", "user"]
        case .cardRoles: ["roles"]
        case .cardTakeRole: ["role"]
        case .cardNoRoles, .roleIC, .roleComms, .roleScribe: []
        case .invalidRole: ["text"]
        case .roleSet, .roleHandedOver, .roleCleared, .roleUnchanged: ["id", "person", "previous", "role", "user"]
        case .cardKeyEvents: ["count"]
        case .cardReport: ["path", "revision"]
        case .cardIssue: ["ref", "tracker", "url"]
        case .cardReview: ["failures", "passed", "total", "warnings"]
        case .cardSuggestion, .cardConfirm, .cardDismiss: ["milestone", "phrase", "ref", "time"]
        case .statusMilestoneUnset: ["milestone"]
        case .internalError: ["reason"]
        case .eventUnknown, .eventPinned, .eventUnpinned, .suggestionUnknown: ["ref"]
        case .signalAuthor: ["source"]
        case .invalidTime, .invalidSeverity, .invalidNumber: ["text"]
        case .unknownSubcommand: ["word"]
        case .helpFooter: ["zone"]
        case .missingArgument, .unexpectedArgument: ["argument", "subcommand"]
        case .incidentAlreadyOpen: ["id", "title"]
        case .suggestionConfirmed, .suggestionDismissed: ["milestone", "ref"]
        case .statusMilestoneSet: ["milestone", "time"]
        case .statusTimeTo: ["name", "value"]
        case .reportNotSaved: ["path", "reason"]
        case .suggestionAlreadyDecided: ["ref", "status"]
        case .noteAdded: ["ref", "time"]
        case .signalSuggestsIncident, .signalStartIncident: ["source", "title"]
        case .milestoneBeforeStart: ["milestone", "start", "time"]
        case .timelinePage: ["next", "page", "pages"]
        case .timelineHeader: ["count", "filter", "id", "title"]
        case .severityChanged: ["from", "id", "to", "user"]
        case .suggestionProposed, .suggestionMoved, .suggestionConfirm, .suggestionDismiss: ["author", "milestone", "phrase", "ref", "time"]
        case .incidentStarted, .incidentReopened, .eventIncidentStarted: ["id", "severity", "start", "title", "user"]
        case .cardHeader, .cardHeaderResolved: ["duration", "id", "severity", "start", "state", "title", "user"]
        case .milestoneSet, .incidentResolved: ["id", "milestone", "note", "severity", "since_start", "start", "time", "title", "user"]
        }
    }
}

extension PostmortemText: TemplateKey {
    public var placeholders: Set<String> {
        switch self {
        case .conversationCancelled, .nothingToCancel, .rootCauseNone, .actionsEmpty, .showNoRootCause,
             .reviewComplete, .reviewIncomplete, .notSet, .chartTitle, .chartPosted, .noPrometheus, .noTrackers,
             .actionsInSync, .publishNeedsForce: []
        case .metricNotBack: ["baseline"]
        case .showEmpty, .reviewFix: ["command"]
        case .issuesFiled, .issuesFailed: ["count"]
        case .followUpSet: ["date"]
        case .unknownImpactField: ["field"]
        case .actionsHeader, .patternsNone: ["id"]
        case .whyAnswerButton: ["level"]
        case .unknownOwner: ["owner"]
        case .metricEmpty: ["query"]
        case .metricFailed: ["reason"]
        case .findingsChoice, .unknownEntry, .unknownAction, .entryKept, .nothingToReword: ["ref"]
        case .showSection: ["section"]
        case .invalidDay, .invalidPriority: ["text"]
        case .answerHint: ["user"]
        case .metricBaseline: ["baseline", "time"]
        case .unknownCategory: ["categories", "category"]
        case .reminderDigest: ["count", "items"]
        case .impactDone: ["count", "total"]
        case .whyNeedsReason: ["depth", "minimum"]
        case .whyStoppedEarly: ["depth", "reason"]
        case .metricEvent: ["details", "query"]
        case .findingLine: ["excerpt", "suggestion"]
        case .actionsSynced: ["id", "refs"]
        case .tagged: ["id", "tags"]
        case .showHeader: ["id", "title"]
        case .whyBlameFollowUp: ["level", "ref"]
        case .suggestedRewording, .entryEdited, .entryRemoved, .entryReworded: ["ref", "text"]
        case .invalidActionType: ["text", "types"]
        case .rootCauseConfirmed, .showRootCause: ["text", "user"]
        case .metricCrossed: ["threshold", "time"]
        case .metricPeak: ["time", "value"]
        case .whyAlreadyAnswered: ["answer", "ref", "text"]
        case .reminderFollowUp: ["date", "id", "title"]
        case .rootCauseProposal: ["depth", "ref", "text"]
        case .reminderNudge: ["hours", "id", "title"]
        case .actionStatus: ["ref", "status", "user"]
        case .issueLink: ["ref", "tracker", "url"]
        case .patternsHeader: ["count", "id", "months", "title"]
        case .reviewHeader: ["failures", "id", "passed", "warnings"]
        case .entryAdded: ["ref", "section", "text", "user"]
        case .patternsLine: ["date", "id", "path", "score", "shared", "title"]
        case .reminderDigestLine: ["due", "id", "owner", "ref", "status", "text"]
        case .reminderDueSoon, .reminderOverdue: ["due", "id", "owner", "ref", "text", "title"]
        case .actionAdded, .actionLine: ["due", "owner", "priority", "ref", "status", "text", "type"]
        case .published, .republished, .publishedForStakeholders: ["actions", "duration", "id", "path", "revision", "root_cause", "severity", "title", "user"]
        case .stats: ["action_rate", "actions", "by_month", "by_severity", "completion", "count", "done", "from", "mtbf",
                      "mtta", "mttd", "mttm", "mttr", "mttr_median", "open", "overdue", "published", "resolved", "to", "ttp"]
        }
    }
}

extension PostmortemGuide.Question: TemplateKey {
    public var placeholders: Set<String> {
        switch self {
        case .wentWrong, .lesson, .whyHint: []
        case .summary, .wentWell, .lucky: ["title"]
        case .whyNext: ["answer", "level"]
        case .whyFirst: ["level", "problem"]
        }
    }
}
