import Foundation

/// The data behind the action-item check, from `Prompts/lint.yaml`.
public struct ActionRules: Codable, Hashable, Sendable {
    /// Phrases that are vague unless the item says more ("improve", "add tests").
    public var vaguePhrases: [String]
    /// Phrases that are vague however long the item is ("be more careful").
    public var alwaysVague: [String]
    /// An item with a vague phrase needs at least this many words to count as specific.
    public var minimumWords: Int
    /// Asked of a vague item: what, where, how measured.
    public var vagueQuestion: String
    public var missingOwner: String
    public var missingDue: String
    public var pastDue: String
    public var missingPriority: String

    enum CodingKeys: String, CodingKey {
        case vaguePhrases = "vague_phrases", alwaysVague = "always_vague", minimumWords = "minimum_words"
        case vagueQuestion = "vague_question", missingOwner = "missing_owner", missingDue = "missing_due"
        case pastDue = "past_due", missingPriority = "missing_priority"
    }
}

/// Checks an action item: specific enough to be done and verified, with an owner, a due date in the future and a
/// priority. Pure.
public struct ActionCheck: Sendable {
    public var rules: ActionRules

    public init(rules: ActionRules) {
        self.rules = rules
    }

    /// Whether the item's text is vague, and the phrase that makes it so.
    public func vagueness(_ text: String) -> LintFinding? {
        let words = Words(text)
        for phrase in rules.alwaysVague {
            if let range = words.find(phrase) {
                return LintFinding(kind: .vagueAction, excerpt: words.text(range), suggestion: rules.vagueQuestion)
            }
        }
        guard words.lower.filter({ !$0.isEmpty }).count < rules.minimumWords else { return nil }
        for phrase in rules.vaguePhrases {
            if let range = words.find(phrase) {
                return LintFinding(kind: .vagueAction, excerpt: words.text(range), suggestion: rules.vagueQuestion)
            }
        }
        return nil
    }

    /// Every finding for `item`, judged on `today` (a due date before today is past).
    public func check(_ item: ActionItem, today: Date) -> [LintFinding] {
        var findings: [LintFinding] = []
        if let vague = vagueness(item.text) { findings.append(vague) }
        if item.owner == nil { findings.append(LintFinding(kind: .missingOwner, excerpt: item.reference, suggestion: rules.missingOwner)) }
        if let due = item.due {
            if due < Self.startOfDay(today), item.status == .open || item.status == .inProgress {
                findings.append(LintFinding(kind: .pastDue, excerpt: UTCFormat.day(due), suggestion: rules.pastDue))
            }
        } else {
            findings.append(LintFinding(kind: .missingDue, excerpt: item.reference, suggestion: rules.missingDue))
        }
        if item.priority == nil { findings.append(LintFinding(kind: .missingPriority, excerpt: item.reference, suggestion: rules.missingPriority)) }
        return findings
    }

    static func startOfDay(_ date: Date) -> Date { Calendar.utc.startOfDay(for: date) }
}
