import Foundation
import Synchronization

/// A set of classifier features by index: a fixed-size bitset, so scoring a message allocates nothing.
public struct FeatureBits: Hashable, Sendable {
    static let capacity = 256
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    mutating func insert(_ index: Int) {
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    func contains(_ index: Int) -> Bool {
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    func union(_ other: FeatureBits) -> FeatureBits {
        var out = self
        out.words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
        return out
    }

    /// Whether the two share a feature.
    func intersects(_ other: FeatureBits) -> Bool {
        words.0 & other.words.0 != 0 || words.1 & other.words.1 != 0 || words.2 & other.words.2 != 0 || words.3 & other.words.3 != 0
    }

    init(_ indexes: some Sequence<Int>) {
        for i in indexes { insert(i) }
    }

    public static func == (a: FeatureBits, b: FeatureBits) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0); hasher.combine(words.1); hasher.combine(words.2); hasher.combine(words.3)
    }
}

/// What the classifier found in one message: which features are present (phrase sets and the message's shape).
public struct MessageFeatures: Sendable, Hashable {
    public var bits: FeatureBits
    /// Per sentence (split at `.` `!` `?` `;` `:` and line breaks), the phrase features and `question` found in it:
    /// a `sentence_scoped` feature (negation, question, plan) weighs against a rule only in a sentence that also says
    /// something for it ("nothing dropped. we're good, closing the incident" closes; "not resolved yet" does not).
    /// Empty for one sentence.
    public var clauses: [FeatureBits] = []
    /// The text, kept to name the matched phrase when a suggestion is made (rare, so done only then).
    public var text: String

    /// Features the engine computes itself rather than from phrases.
    public static let structural: [String] = ["integration", "human", "question", "reply", "short", "no_words", "mention", "link", "long", "number"]

    /// A message of at least this many words has the `long` feature: a statement of what was seen or done, rather
    /// than a reaction.
    public static let longWords = 12

    /// The first message from a person since the detection (confirmed or suggested): who answers the page first.
    public static let firstResponse = "first_response"

    /// The first message captured in the incident (from a person or an integration): what set it off, most often.
    public static let opening = "opening"

    /// Context feature names: `known_<milestone>` (confirmed or suggested), `confirmed_<milestone>`, `first_response`,
    /// `opening`, `recent_<feature>`.
    static func context(features: some Sequence<String>) -> [String] {
        MilestoneKind.allCases.map { "known_\($0.rawValue)" } + MilestoneKind.allCases.map { "confirmed_\($0.rawValue)" }
            + [firstResponse, opening] + (Array(features) + structural).map { "recent_\($0)" }
    }

    /// The context feature names as patterns, for messages that list what a rule may weigh.
    static let contextPatterns = "known_<milestone>, confirmed_<milestone>, \(firstResponse), \(opening), recent_<feature>"

    /// Context features read from the timeline rather than the suggestions.
    static func readsTimeline(_ name: String) -> Bool { name.hasPrefix("recent_") || name == firstResponse || name == opening }
}

/// A milestone a message probably marks, with how strongly and the phrase shown to responders.
public struct MilestoneCandidate: Sendable, Hashable {
    public var milestone: MilestoneKind
    public var score: Double
    /// The phrase shown to responders; empty from `candidates(_:context:naming: false)` until `named(_:_:)`.
    public var phrase: String
    public var replace: ClassifierRules.MilestoneRule.Replace
    /// Which milestone rule it passed (to name its phrase later).
    var rule = 0
}

/// Scores messages against `Prompts/classifier.yaml`: which milestone a message probably marks and why it is a key
/// event. Features come from phrase sets and the message's shape; each rule sums its feature weights and compares the
/// sum with its threshold. Proposals are never applied silently: the bot asks a responder to confirm or dismiss them.
/// Capture runs it on every message, so matching works on UTF-8 bytes and word hashes and allocates little.
public struct MilestoneClassifier: Sendable {
    /// A phrase of a feature as `Prompts/classifier.yaml` writes it: its words (whole, `restart*` or `*ing`), the text
    /// shown to responders, and whether it must start a sentence.
    private struct Phrase: Sendable {
        var feature: Int
        var words: [PhraseIndex.Word]
        var text: String
        /// Written `^…`: matches only where a sentence starts ("^restarting" is an action being taken, "the
        /// restarting pods" is not).
        var anchored: Bool
    }

    /// A compiled rule. A class: capture walks every rule for every message, and copying a struct with six arrays
    /// out of the list costs a retain and release for each of them.
    private final class Rule: Sendable {
        let threshold: Double
        let weights: [(Int, Double)]
        /// Each entry is met when any of its features is present (`a|b` in the file).
        let requires: [[Int]]
        /// What the message must carry itself, and the most its context can add (see `prospects`).
        let ownRequires: [[Int]]
        let contextBonus: Double
        let usesRecent: Bool
        let usesFirstResponse: Bool
        let usesOpening: Bool
        /// Negative weights on what a sentence says (phrases, `question`): they count only in a sentence that also
        /// carries one of `supports` (when the message has several sentences and one of them does).
        let clauseNegatives: [(Int, Double)]
        /// The rule's own positively weighted phrase features.
        let supports: [Int]
        /// The same sets as bits: a message that has none of a list's features skips walking it.
        let weighted: FeatureBits, negatives: FeatureBits, supported: FeatureBits

        init(threshold: Double, weights: [(Int, Double)], requires: [[Int]], ownRequires: [[Int]], contextBonus: Double,
             usesRecent: Bool, usesFirstResponse: Bool, usesOpening: Bool, clauseNegatives: [(Int, Double)], supports: [Int]) {
            self.threshold = threshold
            self.weights = weights
            self.requires = requires
            self.ownRequires = ownRequires
            self.contextBonus = contextBonus
            self.usesRecent = usesRecent
            self.usesFirstResponse = usesFirstResponse
            self.usesOpening = usesOpening
            self.clauseNegatives = clauseNegatives
            self.supports = supports
            weighted = FeatureBits(weights.map(\.0))
            negatives = FeatureBits(clauseNegatives.map(\.0))
            supported = FeatureBits(supports)
        }
    }

    /// Everything compiled from the rules, in one object: the classifier is a value the desk and capture copy, and
    /// copying a struct of a dozen arrays and dictionaries cost a retain and a release for each of them every time.
    private final class Compiled: Sendable {
        let rules: ClassifierRules
        let memo = FeatureMemo()
        /// The learned model, read in place for every message: binding `rules.keyEventModel` copied it, a retain and a
        /// release of each of its arrays.
        let keyEventModel: LearnedKeyEvents?
        /// Every feature name by index: phrase features, structural ones, context ones.
        let names: [String]
        let index: [String: Int]
        let phrases: [Phrase]
        /// The same phrases, as every message is matched against them.
        let phraseIndex: PhraseIndex
        let milestoneRules: [(ClassifierRules.MilestoneRule, Rule)]
        /// The compiled milestone rules alone, in the same order, for the loops capture runs on every message.
        let milestoneCompiled: [Rule]
        let keyRules: [(KeyReason, Rule)]
        /// `shadows` from the rules: each phrase feature that hides others, and the features it hides inside its words.
        let shadowing: [(Int, FeatureBits)]
        /// The features of `shadowing`, as bits: a message that matched none of them is read in one pass.
        let shadowers: FeatureBits
        /// For each feature index that a `recent_…` weight looks for, the index of that `recent_` feature.
        let recentOf: [(Int, Int)]
        /// The indexes of `known_<milestone>` and `confirmed_<milestone>` (by `MilestoneKind.order`), and of
        /// `first_response` and `opening`.
        let milestoneContext: (known: [Int?], confirmed: [Int?], firstResponse: Int?, opening: Int?)
        let structuralIndex: (integration: Int, human: Int, question: Int, reply: Int, short: Int, noWords: Int, mention: Int, link: Int, long: Int, number: Int)

        init(rules: ClassifierRules) {
            self.rules = rules
            keyEventModel = rules.keyEventModel.map(LearnedKeyEvents.init)
            let phraseNames = rules.features.keys.sorted()
            var names = phraseNames + MessageFeatures.structural
            names += MessageFeatures.context(features: phraseNames)
            names = Array(names.prefix(FeatureBits.capacity))
            var index: [String: Int] = [:]
            for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
            self.names = names
            self.index = index
            var phrases: [Phrase] = []
            for name in phraseNames {
                guard let feature = index[name] else { continue }
                for written in rules.features[name] ?? [] {
                    let anchored = written.hasPrefix("^")
                    let text = anchored ? String(written.dropFirst()) : written
                    let words = MilestoneClassifier.tokens(text).map { token -> PhraseIndex.Word in
                        if token.count > 1, token.first == UInt8(ascii: "*") { return PhraseIndex.Word(hash: FNV.hash(token.dropFirst()), prefix: 0, suffix: token.count - 1) }
                        return token.last == UInt8(ascii: "*")
                            ? PhraseIndex.Word(hash: FNV.hash(token.dropLast()), prefix: token.count - 1)
                            : PhraseIndex.Word(hash: FNV.hash(token[...]), prefix: 0)
                    }
                    guard !words.isEmpty else { continue }
                    phrases.append(Phrase(feature: feature, words: words, text: text, anchored: anchored))
                }
            }
            self.phrases = phrases
            phraseIndex = PhraseIndex(phrases.map { ($0.feature, $0.words, $0.anchored) })
            func isContext(_ name: String) -> Bool { MessageFeatures.readsTimeline(name) || name.hasPrefix("known_") || name.hasPrefix("confirmed_") }
            func compile(_ weights: [String: Double], requires groups: [[String]], threshold: Double, scoped: Set<String> = Set(rules.sentenceScoped)) -> Rule {
                func isSaid(_ name: String) -> Bool { scoped.contains(name) && (rules.features[name] != nil || name == "question") }
                let sorted = weights.sorted { $0.key < $1.key }
                let pairs = sorted.filter { !(isSaid($0.key) && $0.value < 0) }.compactMap { name, weight in index[name].map { ($0, weight) } }
                let names = groups.flatMap { $0 }
                return Rule(
                    threshold: threshold, weights: pairs, requires: groups.map { $0.compactMap { index[$0] } }.filter { !$0.isEmpty },
                    // A choice its context can meet is not the message's own to carry.
                    ownRequires: groups.filter { !$0.contains(where: isContext) }.map { $0.compactMap { index[$0] } }.filter { !$0.isEmpty },
                    contextBonus: weights.filter { isContext($0.key) }.values.map { max($0, 0) }.reduce(0, +),
                    usesRecent: weights.keys.contains { $0.hasPrefix("recent_") } || names.contains { $0.hasPrefix("recent_") },
                    usesFirstResponse: weights[MessageFeatures.firstResponse] != nil || names.contains(MessageFeatures.firstResponse),
                    usesOpening: weights[MessageFeatures.opening] != nil || names.contains(MessageFeatures.opening),
                    clauseNegatives: sorted.filter { isSaid($0.key) && $0.value < 0 }.compactMap { name, weight in index[name].map { ($0, weight) } },
                    supports: sorted.filter { rules.features[$0.key] != nil && $0.value > 0 }.compactMap { index[$0.key] })
            }
            milestoneRules = rules.milestones.map { rule in
                (rule, compile(rule.weights, requires: rule.requiredGroups, threshold: rule.threshold, scoped: Set(rule.sentenceScoped ?? rules.sentenceScoped)))
            }
            milestoneCompiled = milestoneRules.map(\.1)
            keyRules = rules.keyEvents.map { ($0.reason, compile($0.weights, requires: [], threshold: $0.threshold)) }
            // A set hides the other sets' phrases, never its own: listed among the ones it hides, a match would hide itself.
            shadowing = rules.shadows.sorted { $0.key < $1.key }.compactMap { name, hidden in
                index[name].map { ($0, FeatureBits(hidden.filter { $0 != name }.compactMap { index[$0] })) }
            }
            shadowers = FeatureBits(shadowing.map(\.0))
            let weighted = rules.milestones.flatMap { Array($0.weights.keys) + $0.requiredNames }
            recentOf = Set(weighted.filter { $0.hasPrefix("recent_") }).sorted().compactMap { name in
                guard let recent = index[name], let plain = index[String(name.dropFirst("recent_".count))] else { return nil }
                return (plain, recent)
            }
            let kinds = MilestoneKind.allCases.sorted()
            milestoneContext = (
                kinds.map { index["known_\($0.rawValue)"] }, kinds.map { index["confirmed_\($0.rawValue)"] }, index[MessageFeatures.firstResponse],
                index[MessageFeatures.opening])
            func at(_ name: String) -> Int { index[name] ?? 0 }
            structuralIndex = (at("integration"), at("human"), at("question"), at("reply"), at("short"), at("no_words"), at("mention"), at("link"), at("long"), at("number"))
        }
    }

    private let compiled: Compiled

    /// The rules as `Prompts/classifier.yaml` gives them.
    public var rules: ClassifierRules { compiled.rules }

    // Read on every captured message: each reads its field in place rather than through a copy of the whole `rules`
    // (a retain and release of each of its arrays and dictionaries).
    public var quietStretch: ClassifierRules.QuietStretch? { compiled.rules.quietStretch }
    public var busyStretch: ClassifierRules.BusyStretch? { compiled.rules.busyStretch }
    public var attention: ClassifierRules.Attention? { compiled.rules.attention }
    public var recentMessages: Int { compiled.rules.recentMessages }
    public var dismissedQuietMinutes: Double { compiled.rules.dismissedQuietMinutes }

    /// The key reasons of a message once the learned key-event model has had its say (`KeyEventModel.adjust`); the
    /// rules' reasons unchanged when `Prompts/` has no model. The gaps are the seconds since the message before it and
    /// until the one after it (`nil`: none, or none yet).
    public func keyReasons(
        _ reasons: Set<KeyReason>, learnedFrom text: String, fromIntegration: Bool, isReply: Bool,
        gapBefore: TimeInterval? = nil, gapAfter: TimeInterval? = nil
    ) -> Set<KeyReason> {
        guard let learned = compiled.keyEventModel else { return reasons }
        let score = learned.wordsScore(text, fromIntegration: fromIntegration, isReply: isReply) + learned.model.settings.rhythm(before: gapBefore, after: gapAfter)
        return learned.model.adjust(reasons, score: score)
    }

    /// Whether a message's key reasons depend on the gaps around it (`KeyEventModelSettings.readsRhythm`).
    public var readsRhythm: Bool { compiled.keyEventModel?.model.settings.readsRhythm ?? false }

    /// The key reasons of a captured message once the next one has come, `answeredAt` (`KeyEventModel.settle`);
    /// `nil` when the model has nothing to take back. `previousAt` is when the message before it came.
    public func settledKeyReasons(of event: TimelineEvent, after previousAt: Date?, answeredAt: Date) -> Set<KeyReason>? {
        guard let learned = compiled.keyEventModel, learned.model.settings.readsRhythm, !event.isDeleted,
              event.keyReasons.contains(.learned) || !event.keyReasons.isDisjoint(with: KeyReason.fromRules) else { return nil }
        let score = learned.wordsScore(event.text, fromIntegration: event.source == .integration, isReply: event.threadParentID != nil)
            + learned.model.settings.rhythm(before: previousAt.map { event.occurredAt.timeIntervalSince($0) }, after: answeredAt.timeIntervalSince(event.occurredAt))
        let settled = learned.model.settle(event.keyReasons, score: score)
        return settled == event.keyReasons ? nil : settled
    }

    /// The learned key-event model with the words' score of the last message it scored: capture settles the message
    /// before the new one (`settledKeyReasons`) before it scores the new one, so the words of the message before are
    /// scored once, not again when the next one comes.
    private final class LearnedKeyEvents: Sendable {
        let model: KeyEventModel
        private let last = Mutex<(key: FeatureMemo.Key, score: Double)?>(nil)

        init(_ model: KeyEventModel) { self.model = model }

        func wordsScore(_ text: String, fromIntegration: Bool, isReply: Bool) -> Double {
            let key = FeatureMemo.Key(text: text, fromIntegration: fromIntegration, isReply: isReply)
            if let known = last.withLock({ $0?.key == key ? $0?.score : nil }) { return known }
            let score = model.score(text, fromIntegration: fromIntegration, isReply: isReply)
            last.withLock { $0 = (key, score) }
            return score
        }
    }

    public init(rules: ClassifierRules) {
        compiled = Compiled(rules: rules)
    }

    // MARK: Features

    /// The features of a message, remembered for the next few hundred messages: capture's look-back scores the same
    /// recent messages again for each new one. The same text always has the same features, so what is remembered is
    /// never stale.
    public func recalledFeatures(of text: String, fromIntegration: Bool = false, isReply: Bool = false) -> MessageFeatures {
        let key = FeatureMemo.Key(text: text, fromIntegration: fromIntegration, isReply: isReply)
        if let known = compiled.memo.recall(key) { return known }
        let features = features(of: text, fromIntegration: fromIntegration, isReply: isReply)
        compiled.memo.remember(features, for: key)
        return features
    }

    /// The features of one message.
    public func features(of text: String, fromIntegration: Bool = false, isReply: Bool = false) -> MessageFeatures {
        var bits = FeatureBits()
        var clauses: [FeatureBits] = []
        let s = compiled.structuralIndex
        bits.insert(fromIntegration ? s.integration : s.human)
        if isReply { bits.insert(s.reply) }
        var text = text
        text.withUTF8 { bytes in
            var question = false, mention = false, link = false, number = false
            for (i, b) in bytes.enumerated() {
                if b == UInt8(ascii: "?") { question = true } else if b == UInt8(ascii: "@") { mention = true }
                else if b >= 0x30, b <= 0x39 { number = true }
                else if b == UInt8(ascii: ":"), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") { link = true }
            }
            if question { bits.insert(s.question) }
            if mention { bits.insert(s.mention) }
            if link { bits.insert(s.link) }
            if number { bits.insert(s.number) }
            Self.scan(bytes) { lowered, tokens in
                var wordCount = 0
                for token in tokens where token.isWord { wordCount += 1 }
                if wordCount == 0 { bits.insert(s.noWords) }
                if wordCount <= 3 { bits.insert(s.short) }
                if wordCount >= MessageFeatures.longWords { bits.insert(s.long) }
                let count = (tokens.last?.clause ?? 0) + 1
                if count > 1 {
                    clauses = Array(repeating: FeatureBits(), count: count)
                    for token in tokens where token.endsQuestion { clauses[token.clause].insert(s.question) }
                }
                let structural = bits, questions = clauses
                compiled.phraseIndex.match(lowered, tokens) { phrase, position in
                    let feature = compiled.phraseIndex.feature(of: phrase)
                    bits.insert(feature)
                    if count > 1 { clauses[tokens[position].clause].insert(feature) }
                }
                // Rare: a phrase that hides others inside its words matched, so the matches are taken again, this time
                // with where they are, and the hidden ones left out.
                guard bits.intersects(compiled.shadowers) else { return }
                var found: [(feature: Int, words: Range<Int>)] = []
                compiled.phraseIndex.match(lowered, tokens) { phrase, position in
                    found.append((compiled.phraseIndex.feature(of: phrase), position..<position + compiled.phraseIndex.length(of: phrase)))
                }
                bits = structural
                clauses = questions
                for match in found {
                    let hidden = compiled.shadowing.contains { shadower, hides in
                        hides.contains(match.feature) && found.contains { $0.feature == shadower && $0.words.contains(match.words.lowerBound) && $0.words.contains(match.words.upperBound - 1) }
                    }
                    if hidden { continue }
                    bits.insert(match.feature)
                    if count > 1 { clauses[tokens[match.words.lowerBound].clause].insert(match.feature) }
                }
            }
        }
        return MessageFeatures(bits: bits, clauses: clauses.count > 1 ? clauses : [], text: text)
    }

    /// The context features for a message: which milestones are already known (confirmed or suggested), whether it is
    /// the first response since the detection or the incident's opening message, and which features the recent
    /// messages had (`recent`: the union of their features).
    public func context(
        confirmed: some Sequence<MilestoneKind>, suggested: some Sequence<MilestoneKind>, firstResponse: Bool = false, opening: Bool = false,
        recent: FeatureBits
    ) -> FeatureBits {
        var out = FeatureBits()
        if firstResponse, let i = compiled.milestoneContext.firstResponse { out.insert(i) }
        if opening, let i = compiled.milestoneContext.opening { out.insert(i) }
        for kind in confirmed {
            if let i = compiled.milestoneContext.confirmed[kind.order] { out.insert(i) }
            if let i = compiled.milestoneContext.known[kind.order] { out.insert(i) }
        }
        for kind in suggested { if let i = compiled.milestoneContext.known[kind.order] { out.insert(i) } }
        for (plain, recentIndex) in compiled.recentOf where recent.contains(plain) { out.insert(recentIndex) }
        return out
    }

    /// Context given by name (tests, tools): `known_detected`, `recent_mitigation_done`…
    public func context(_ names: Set<String>) -> FeatureBits {
        var out = FeatureBits()
        for name in names { if let i = compiled.index[name] { out.insert(i) } }
        return out
    }

    /// Whether this message could be a milestone candidate at all, and which context could change the verdict:
    /// some rule reaches its threshold if every context weight it has applied. Context costs queries (the
    /// suggestions; the recent messages; when a person last posted; whether any message came before), so the desk
    /// reads only what a possible rule uses.
    /// `among` leaves out the rules for milestones that cannot be proposed any more (the desk knows which, once it has
    /// read the incident's suggestions).
    public func prospects(_ features: MessageFeatures, among: (ClassifierRules.MilestoneRule) -> Bool = { _ in true }) -> Prospects {
        var possible = false
        var needsRecent = false
        var needsFirstResponse = false
        var needsOpening = false
        for (index, rule) in compiled.milestoneCompiled.enumerated() where rule.ownRequires.allSatisfy({ $0.contains(where: features.bits.contains) }) {
            guard among(compiled.milestoneRules[index].0) else { continue }
            // The message's own features score as `candidates` will score them (sentence-scoped negatives only where
            // they weigh); its context can add at most `contextBonus`.
            let optimistic = rule.contextBonus + score(rule, features.bits, features.clauses)
            if optimistic >= rule.threshold {
                possible = true
                if rule.usesRecent { needsRecent = true }
                if rule.usesFirstResponse { needsFirstResponse = true }
                if rule.usesOpening { needsOpening = true }
            }
        }
        return Prospects(possible: possible, needsRecent: needsRecent, needsFirstResponse: needsFirstResponse, needsOpening: needsOpening)
    }

    /// Whether a message could be a milestone candidate, and which context the desk must read to decide.
    public struct Prospects: Sendable {
        public var possible: Bool
        public var needsRecent: Bool
        public var needsFirstResponse: Bool
        public var needsOpening: Bool
    }

    // MARK: Verdicts

    /// Every milestone whose rule the message passes, best first. Naming the phrase reads the text again: capture,
    /// which mostly keeps an earlier suggestion, asks for it (`named`) only for a candidate it proposes.
    public func candidates(_ features: MessageFeatures, context: FeatureBits = FeatureBits(), naming: Bool = true) -> [MilestoneCandidate] {
        let all = features.bits.union(context)
        var out: [MilestoneCandidate] = []
        for (i, rule) in compiled.milestoneCompiled.enumerated() where rule.requires.allSatisfy({ $0.contains(where: all.contains) }) {
            let total = score(rule, all, features.clauses)
            guard total >= rule.threshold else { continue }
            let source = compiled.milestoneRules[i].0
            out.append(MilestoneCandidate(milestone: source.milestone, score: total, phrase: naming ? phrase(for: rule, features) : "",
                                          replace: source.replace, rule: i))
        }
        // Best first: by how far each passes its rule's threshold (sorted in place: usually none or one).
        if out.count > 1 { out.sort { $0.score - compiled.milestoneCompiled[$0.rule].threshold > $1.score - compiled.milestoneCompiled[$1.rule].threshold } }
        return out
    }

    /// The candidate with the phrase that made it.
    public func named(_ candidate: MilestoneCandidate, _ features: MessageFeatures) -> MilestoneCandidate {
        guard candidate.phrase.isEmpty, compiled.milestoneRules.indices.contains(candidate.rule) else { return candidate }
        var named = candidate
        named.phrase = phrase(for: compiled.milestoneRules[candidate.rule].1, features)
        return named
    }

    /// Candidates with the context given by name (tests, tools).
    public func candidates(_ features: MessageFeatures, context names: Set<String>) -> [MilestoneCandidate] {
        candidates(features, context: context(names))
    }

    /// Why the message is a key event, from its text alone (reactions and pins are added as they happen). `raise`
    /// multiplies every threshold (`busy_stretch`).
    public func keyReasons(_ features: MessageFeatures, raise: Double = 1) -> Set<KeyReason> {
        keyVerdict(features, raise: raise).raised
    }

    /// What the key-event rules make of a message's words, each rule scored once: capture asks for the reasons, those
    /// at `busy_stretch`'s raised thresholds, and the nearest reason for `quiet_stretch`.
    public struct KeyVerdict: Sendable {
        /// The reasons at the rules' thresholds.
        public var reasons: Set<KeyReason> = []
        /// The reasons at the thresholds multiplied by `raise`.
        public var raised: Set<KeyReason> = []
        /// The reason whose threshold the message comes closest to (or passes most), and how close: score / threshold;
        /// nil when every rule scores zero or less.
        public var nearest: (reason: KeyReason, share: Double)?
    }

    public func keyVerdict(_ features: MessageFeatures, raise: Double = 1) -> KeyVerdict {
        var verdict = KeyVerdict()
        for (reason, rule) in compiled.keyRules {
            let score = score(rule, features.bits, features.clauses)
            if score >= rule.threshold { verdict.reasons.insert(reason) }
            if raise != 1, score >= rule.threshold * raise { verdict.raised.insert(reason) }
            guard rule.threshold > 0 else { continue }
            let share = score / rule.threshold
            if share > 0, share > verdict.nearest?.share ?? 0 { verdict.nearest = (reason, share) }
        }
        if raise == 1 { verdict.raised = verdict.reasons }
        return verdict
    }

    /// The best milestone for a text without context, and the phrase that matched (tests, tools).
    public func classify(_ text: String, fromIntegration: Bool = false) -> (milestone: MilestoneKind, phrase: String)? {
        candidates(features(of: text, fromIntegration: fromIntegration), context: ["known_detected"]).first.map { ($0.milestone, $0.phrase) }
    }

    /// The features present, by name, each with the first phrase that matched (`hindsight eval --explain`).
    public func describe(_ features: MessageFeatures) -> [(name: String, phrase: String?)] {
        let matched = matchedPhrases(features.text)
        return compiled.names.indices.filter { features.bits.contains($0) }.map { (compiled.names[$0], matched[$0]) }
    }

    /// Each rule's score for the message without context (`hindsight eval --explain`).
    public func scores(_ features: MessageFeatures) -> [(milestone: MilestoneKind, score: Double, threshold: Double)] {
        compiled.milestoneRules.map { ($0.0.milestone, score($0.1, features.bits, features.clauses), $0.1.threshold) }
    }

    /// The rule's score, settled (`Double.settledScore`) so that weights adding up to the threshold (0.7 + 0.6 against
    /// 1.3) reach it.
    private func score(_ rule: Rule, _ bits: FeatureBits, _ clauses: [FeatureBits]) -> Double {
        var total = 0.0
        if bits.intersects(rule.weighted) {
            for (i, weight) in rule.weights where bits.contains(i) { total += weight }
        }
        guard bits.intersects(rule.negatives) else { return total.settledScore }
        // The sentences that say something for the rule; with none (or one sentence), negatives count message-wide.
        var supporting = 0
        var scoped: FeatureBits?
        for clause in clauses where clause.intersects(rule.supported) {
            supporting += 1
            scoped = scoped.map { $0.union(clause) } ?? clause
        }
        let against = supporting > 0 && supporting < clauses.count ? scoped ?? bits : bits
        for (i, weight) in rule.clauseNegatives where against.contains(i) { total += weight }
        return total.settledScore
    }

    /// The first phrase that matched each phrase feature, in the order the phrases are listed.
    private func matchedPhrases(_ text: String) -> [Int: String] {
        var text = text
        var out: [Int: String] = [:]
        text.withUTF8 { bytes in
            Self.scan(bytes) { lowered, tokens in
                var first: [Int: Int] = [:]
                compiled.phraseIndex.match(lowered, tokens) { id, _ in
                    let feature = compiled.phrases[id].feature
                    if first[feature].map({ id < $0 }) ?? true { first[feature] = id }
                }
                for (feature, id) in first { out[feature] = compiled.phrases[id].text }
            }
        }
        return out
    }

    /// The matched phrase of the feature that weighs most for this rule.
    private func phrase(for rule: Rule, _ features: MessageFeatures) -> String {
        let matched = matchedPhrases(features.text)
        let best = rule.weights.filter { $0.1 > 0 && matched[$0.0] != nil }.max { $0.1 < $1.1 }
        return best.flatMap { matched[$0.0] } ?? ""
    }

    // MARK: Words

    /// A word of a message: where its lower-cased bytes are and their hash.
    typealias Token = PhraseIndex.Token

    /// Lower-cases `bytes` (ASCII letters; other bytes kept, `’` folded to `'`, `–` and `—` to `-`, `→` to a space)
    /// and splits them into words: runs of letters, digits, `'`, `_`, `*` and non-ASCII bytes, with the punctuation
    /// that carries meaning in chat kept as words of its own: `[` `]` (alert tags such as `[TRIGGERED]`), `-`
    /// (status-page posts such as `Resolved - …`), `:` (`decision: …`), `#` and `%`. Leading and trailing apostrophes
    /// are not part of a word.
    private static func scan<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Token>) -> T) -> T {
        // At most one word per byte: both buffers are on the stack for a chat message.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(bytes.count, 1)) { lowered in
          withUnsafeTemporaryAllocation(of: Token.self, capacity: bytes.count + 1) { buffer in
            var tokens = TokenList(buffer: buffer)
            var n = 0
            var start = -1
            var sentenceStart = true
            var clause = 0
            func close() {
                guard start >= 0 else { return }
                var end = n
                while end > start, lowered[end - 1] == UInt8(ascii: "'") { end -= 1 }
                if end > start {
                    let first = lowered[start]
                    let isWord = first >= 0x80 || (first >= 0x30 && first <= 0x39) || (first >= 0x61 && first <= 0x7A)
                    tokens.append(Token(start: start, length: end - start, hash: FNV.hash(UnsafeBufferPointer(lowered), start, end - start),
                                        isWord: isWord, startsSentence: isWord && sentenceStart, clause: clause))
                    if isWord { sentenceStart = false }
                }
                start = -1
            }
            var i = 0
            while i < bytes.count {
                var b = bytes[i]
                if b == 0xE2, i + 2 < bytes.count {
                    switch (bytes[i + 1], bytes[i + 2]) {
                    case (0x80, 0x99): b = UInt8(ascii: "'"); i += 2             // ’
                    case (0x80, 0x93), (0x80, 0x94): b = UInt8(ascii: "-"); i += 2 // – —, as status pages write "Resolved — …"
                    case (0x86, 0x92): b = UInt8(ascii: " "); i += 2             // → between words ("statuspage → resolved")
                    default: break
                    }
                }
                if b >= 0x41, b <= 0x5A { b += 0x20 }
                let wordByte = b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "*")
                if wordByte || (b == UInt8(ascii: "'") && start >= 0) {
                    if start < 0 { start = n }
                    lowered[n] = b; n += 1
                } else {
                    close()
                    let next = i + 1 < bytes.count ? bytes[i + 1] : UInt8(ascii: " ")
                    if b == UInt8(ascii: "?"), !tokens.isEmpty { tokens[tokens.count - 1].endsQuestion = true }
                    let ends = b == UInt8(ascii: "\n") || ((b == UInt8(ascii: ".") || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") || b == UInt8(ascii: ";"))
                        && (next == UInt8(ascii: " ") || next == UInt8(ascii: "\n")))
                    if ends { sentenceStart = true }
                    if (ends || (b == UInt8(ascii: ":") && next == UInt8(ascii: " "))), !tokens.isEmpty, tokens[tokens.count - 1].clause == clause { clause += 1 }
                    if b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") || b == UInt8(ascii: "#") || b == UInt8(ascii: "%") {
                        lowered[n] = b
                        tokens.append(Token(start: n, length: 1, hash: FNV.hash(UnsafeBufferPointer(lowered), n, 1), isWord: false))
                        n += 1
                    }
                }
                i += 1
            }
            close()
            return body(UnsafeBufferPointer(rebasing: lowered[0..<n]), UnsafeBufferPointer(rebasing: buffer[0..<tokens.count]))
          }
        }
    }

    /// The scanner's words so far, in a buffer with room for one per byte.
    private struct TokenList {
        let buffer: UnsafeMutableBufferPointer<Token>
        private(set) var count = 0

        init(buffer: UnsafeMutableBufferPointer<Token>) { self.buffer = buffer }

        var isEmpty: Bool { count == 0 }

        mutating func append(_ token: Token) {
            buffer.initializeElement(at: count, to: token)
            count += 1
        }

        subscript(index: Int) -> Token {
            get { buffer[index] }
            nonmutating set { buffer[index] = newValue }
        }
    }

    /// The words of a rule phrase, as lower-cased bytes (with `*` kept for prefixes).
    private static func tokens(_ text: String) -> [[UInt8]] {
        var text = text
        return text.withUTF8 { bytes in
            scan(bytes) { lowered, tokens in tokens.map { Array(lowered[$0.start..<($0.start + $0.length)]) } }
        }
    }

}

/// Features of recently seen messages by text, bounded: past `capacity` it starts again empty.
final class FeatureMemo: Sendable {
    struct Key: Hashable, Sendable {
        var text: String
        var fromIntegration: Bool
        var isReply: Bool
    }

    static let capacity = 2_048
    private let known = Mutex<[Key: MessageFeatures]>([:])

    func recall(_ key: Key) -> MessageFeatures? {
        known.withLock { $0[key] }
    }

    func remember(_ features: MessageFeatures, for key: Key) {
        known.withLock { known in
            if known.count >= Self.capacity { known.removeAll(keepingCapacity: true) }
            known[key] = features
        }
    }
}
