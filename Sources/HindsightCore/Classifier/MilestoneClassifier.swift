import Foundation

/// What the classifier found in one message: the features present and, for phrase features, the phrase that matched.
public struct MessageFeatures: Sendable, Hashable {
    public var names: Set<String>
    /// The first phrase that matched each phrase feature, as written in `Prompts/classifier.yaml`.
    public var phrases: [String: String]

    public init(names: Set<String> = [], phrases: [String: String] = [:]) {
        self.names = names
        self.phrases = phrases
    }

    /// Features the engine computes itself rather than from phrases.
    public static let structural: Set<String> = [
        "integration", "human", "question", "reply", "short", "no_words", "mention", "link",
    ]

    /// Context feature names: `known_<milestone>` (confirmed or suggested) and `recent_<feature>`.
    static func context(features: some Sequence<String>) -> Set<String> {
        Set(MilestoneKind.allCases.map { "known_\($0.rawValue)" } + MilestoneKind.allCases.map { "confirmed_\($0.rawValue)" })
            .union(features.map { "recent_\($0)" })
            .union(structural.map { "recent_\($0)" })
    }
}

/// A milestone a message probably marks, with how strongly and the phrase shown to responders.
public struct MilestoneCandidate: Sendable, Hashable {
    public var milestone: MilestoneKind
    public var score: Double
    public var phrase: String
    public var replace: ClassifierRules.MilestoneRule.Replace
}

/// Scores messages against `Prompts/classifier.yaml`: which milestone a message probably marks and why it is a key
/// event. Features come from phrase sets and the message's shape; each rule sums its feature weights and compares the
/// sum with its threshold. Proposals are never applied silently: the bot asks a responder to confirm or dismiss them.
public struct MilestoneClassifier: Sendable {
    private struct Phrase: Sendable {
        var feature: String
        var words: [Substring]
        var text: String
    }

    public let rules: ClassifierRules
    /// Phrases by their first word, so a message is matched with one dictionary lookup per word.
    private let byFirstWord: [Substring: [Phrase]]
    /// Phrases whose first word is a prefix (`roll*`).
    private let wildcardFirst: [Phrase]
    /// Features that a `recent_…` weight looks for in earlier messages.
    public let recentFeatures: Set<String>
    /// Each milestone rule split into the weights a message carries itself and the most its context can add.
    private let outlooks: [Outlook]

    private struct Outlook: Sendable {
        var threshold: Double
        var own: [(String, Double)]
        var ownRequires: [String]
        var contextBonus: Double
        var usesRecent: Bool
    }

    private static func isContext(_ name: String) -> Bool {
        name.hasPrefix("recent_") || name.hasPrefix("known_") || name.hasPrefix("confirmed_")
    }

    public init(rules: ClassifierRules) {
        self.rules = rules
        var index: [Substring: [Phrase]] = [:]
        var wild: [Phrase] = []
        for (feature, phrases) in rules.features.sorted(by: { $0.key < $1.key }) {
            for text in phrases {
                let words = Self.words(text.lowercased())
                guard let first = words.first else { continue }
                let phrase = Phrase(feature: feature, words: words, text: text)
                if first.hasSuffix("*") { wild.append(phrase) } else { index[first, default: []].append(phrase) }
            }
        }
        byFirstWord = index
        wildcardFirst = wild
        let weighted = rules.milestones.flatMap { Array($0.weights.keys) + $0.requires } + rules.keyEvents.flatMap { Array($0.weights.keys) }
        outlooks = rules.milestones.map { rule in
            Outlook(
                threshold: rule.threshold, own: rule.weights.filter { !Self.isContext($0.key) }.map { ($0.key, $0.value) },
                ownRequires: rule.requires.filter { !Self.isContext($0) },
                contextBonus: rule.weights.filter { Self.isContext($0.key) }.values.map { max($0, 0) }.reduce(0, +),
                usesRecent: rule.weights.keys.contains { $0.hasPrefix("recent_") } || rule.requires.contains { $0.hasPrefix("recent_") })
        }
        recentFeatures = Set(weighted.filter { $0.hasPrefix("recent_") }.map { String($0.dropFirst("recent_".count)) })
    }

    // MARK: Features

    /// The features of one message.
    public func features(of text: String, fromIntegration: Bool = false, isReply: Bool = false) -> MessageFeatures {
        var out = MessageFeatures()
        let lowered = text.lowercased()
        let words = Self.words(lowered)
        out.names.insert(fromIntegration ? "integration" : "human")
        if isReply { out.names.insert("reply") }
        if lowered.contains("?") { out.names.insert("question") }
        let wordCount = words.reduce(0) { $0 + ($1.first.map { $0.isLetter || $0.isNumber } == true ? 1 : 0) }
        if wordCount == 0 { out.names.insert("no_words") }
        if wordCount <= 3 { out.names.insert("short") }
        if lowered.contains("@") { out.names.insert("mention") }
        if lowered.contains("http://") || lowered.contains("https://") { out.names.insert("link") }
        for start in words.indices {
            if let candidates = byFirstWord[words[start]] {
                for phrase in candidates where out.phrases[phrase.feature] == nil && Self.matches(phrase.words, words, at: start) {
                    out.names.insert(phrase.feature)
                    out.phrases[phrase.feature] = phrase.text
                }
            }
            for phrase in wildcardFirst where out.phrases[phrase.feature] == nil && Self.matches(phrase.words, words, at: start) {
                out.names.insert(phrase.feature)
                out.phrases[phrase.feature] = phrase.text
            }
        }
        return out
    }

    /// The context features for a message: which milestones are already known (confirmed or suggested) and which
    /// features the recent messages had.
    public func context(confirmed: Set<MilestoneKind>, suggested: Set<MilestoneKind>, recent: [MessageFeatures]) -> Set<String> {
        var out: Set<String> = []
        for kind in confirmed { out.insert("confirmed_\(kind.rawValue)"); out.insert("known_\(kind.rawValue)") }
        for kind in suggested { out.insert("known_\(kind.rawValue)") }
        for features in recent {
            for name in features.names where recentFeatures.contains(name) { out.insert("recent_\(name)") }
        }
        return out
    }

    /// Whether this message could be a milestone candidate at all, and whether earlier messages could change the
    /// verdict: some rule reaches its threshold if every context weight it has applied. Context costs queries (the
    /// suggestions, the recent messages), so the desk reads it only then.
    public func prospects(_ features: MessageFeatures) -> (possible: Bool, needsRecent: Bool) {
        var possible = false
        var needsRecent = false
        for rule in outlooks where rule.ownRequires.allSatisfy(features.names.contains) {
            var optimistic = rule.contextBonus
            for (name, weight) in rule.own where features.names.contains(name) { optimistic += weight }
            if optimistic >= rule.threshold {
                possible = true
                if rule.usesRecent { needsRecent = true }
            }
        }
        return (possible, needsRecent)
    }

    // MARK: Verdicts

    /// Every milestone whose rule the message passes, best first.
    public func candidates(_ features: MessageFeatures, context: Set<String> = []) -> [MilestoneCandidate] {
        let all = features.names.union(context)
        var out: [MilestoneCandidate] = []
        for rule in rules.milestones where rule.requires.allSatisfy(all.contains) {
            let total = score(rule.weights, features.names, context: context)
            guard total >= rule.threshold else { continue }
            out.append(MilestoneCandidate(milestone: rule.milestone, score: total, phrase: phrase(for: rule.weights, features), replace: rule.replace))
        }
        return out.sorted { $0.score - threshold(of: $0.milestone) > $1.score - threshold(of: $1.milestone) }
    }

    /// Why the message is a key event, from its text alone (reactions and pins are added as they happen).
    public func keyReasons(_ features: MessageFeatures) -> Set<KeyReason> {
        var out: Set<KeyReason> = []
        for rule in rules.keyEvents where score(rule.weights, features.names, context: []) >= rule.threshold {
            out.insert(rule.reason)
        }
        return out
    }

    /// The best milestone for a text without context, and the phrase that matched (tests, tools).
    public func classify(_ text: String, fromIntegration: Bool = false) -> (milestone: MilestoneKind, phrase: String)? {
        candidates(features(of: text, fromIntegration: fromIntegration), context: ["known_detected"]).first.map { ($0.milestone, $0.phrase) }
    }

    private func threshold(of kind: MilestoneKind) -> Double {
        rules.milestones.first { $0.milestone == kind }?.threshold ?? 0
    }

    private func score(_ weights: [String: Double], _ names: Set<String>, context: Set<String>) -> Double {
        var total = 0.0
        for (name, weight) in weights where names.contains(name) || context.contains(name) { total += weight }
        return total
    }

    /// The matched phrase of the feature that weighs most for this rule.
    private func phrase(for weights: [String: Double], _ features: MessageFeatures) -> String {
        let best = weights.filter { $0.value > 0 && features.phrases[$0.key] != nil }.max { ($0.value, $1.key) < ($1.value, $0.key) }
        return best.flatMap { features.phrases[$0.key] } ?? ""
    }

    private static func matches(_ phrase: [Substring], _ words: [Substring], at start: Int) -> Bool {
        guard start + phrase.count <= words.count else { return false }
        for (offset, part) in phrase.enumerated() {
            let word = words[start + offset]
            if part.hasSuffix("*") {
                guard word.hasPrefix(part.dropLast()) else { return false }
            } else if word != part {
                return false
            }
        }
        return true
    }

    /// Lower-cased words (letters, digits, `'`, `_`, and `*` for rule wildcards; typographic apostrophes folded),
    /// with the punctuation that carries meaning in chat kept as words of its own: `[` `]` (alert tags such as
    /// `[TRIGGERED]`), `-` (status-page posts such as `Resolved - …`), `:` (`decision: …`), `#` and `%`.
    static func words(_ text: String) -> [Substring] {
        let folded = text.contains("’") ? text.replacingOccurrences(of: "’", with: "'") : text
        var out: [Substring] = []
        var start: String.Index?
        var index = folded.startIndex
        while index < folded.endIndex {
            let ch = folded[index]
            if ch.isLetter || ch.isNumber || ch == "'" || ch == "_" || ch == "*" {
                if start == nil { start = index }
            } else {
                if let s = start { out.append(trimmed(folded[s..<index])); start = nil }
                if ch == "[" || ch == "]" || ch == "-" || ch == ":" || ch == "#" || ch == "%" { out.append(folded[index...index]) }
            }
            index = folded.index(after: index)
        }
        if let s = start { out.append(trimmed(folded[s...])) }
        return out.filter { !$0.isEmpty }
    }

    private static func trimmed(_ word: Substring) -> Substring {
        var w = word
        while w.first == "'" { w = w.dropFirst() }
        while w.last == "'" { w = w.dropLast() }
        return w
    }
}
