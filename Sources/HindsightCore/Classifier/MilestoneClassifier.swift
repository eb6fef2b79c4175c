import Foundation

/// Rules that map phrases responders say ("rolled back", "error rate back to normal") to the milestone they
/// probably mark. Loaded from `Prompts/classifier.yaml`.
public struct ClassifierRules: Sendable, Decodable, Equatable {
    public struct Rule: Sendable, Decodable, Equatable {
        public var milestone: MilestoneKind
        public var phrases: [String]
    }

    public var rules: [Rule]
    /// Emoji whose reaction makes a message a key event.
    public var keyEventEmoji: [String]

    enum CodingKeys: String, CodingKey {
        case rules
        case keyEventEmoji = "key_event_emoji"
    }

    public init(rules: [Rule], keyEventEmoji: [String]) {
        self.rules = rules
        self.keyEventEmoji = keyEventEmoji
    }
}

/// Proposes a milestone for a message when one of the rule phrases occurs in it, as a whole-word match.
/// Proposals are never applied silently: the bot asks a responder to confirm or dismiss them.
public struct MilestoneClassifier: Sendable {
    private let entries: [(phrase: [Substring], milestone: MilestoneKind, text: String)]

    public init(rules: ClassifierRules) {
        entries = rules.rules.flatMap { rule in
            rule.phrases.map { phrase in (Self.words(phrase.lowercased()), rule.milestone, phrase) }
        }
    }

    /// The first matching rule's milestone and the phrase that matched, or nil.
    public func classify(_ text: String) -> (milestone: MilestoneKind, phrase: String)? {
        let words = Self.words(text.lowercased())
        guard !words.isEmpty else { return nil }
        for entry in entries where !entry.phrase.isEmpty && entry.phrase.count <= words.count {
            for start in 0...(words.count - entry.phrase.count)
            where words[start] == entry.phrase[0] && words[start..<(start + entry.phrase.count)].elementsEqual(entry.phrase) {
                return (entry.milestone, entry.text)
            }
        }
        return nil
    }

    private static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'") })
    }
}
