import Foundation

/// The data behind the blameless-language check, from `Prompts/lint.yaml`.
public struct BlamelessRules: Codable, Hashable, Sendable {
    /// A word or phrase that assigns blame, and what to write instead.
    public struct BlameWord: Codable, Hashable, Sendable {
        public var phrase: String
        public var instead: String
    }

    public var blameWords: [BlameWord]
    /// Phrases that name a person's mistake as the cause ("human error", "someone forgot").
    public var humanErrorPhrases: [String]
    /// The follow-up asked when a cause is a person's mistake.
    public var humanErrorQuestion: String
    /// Replaces a human-error phrase in the suggested rewording.
    public var humanErrorRewording: String
    /// Words that stand for an unnamed person ("someone", "the engineer").
    public var personWords: [String]
    /// Verbs that make a person the cause by themselves, with their past participle for the passive rewording.
    public var failureVerbs: [String: String]
    /// Verbs that are neutral ("deployed") unless the clause carries one of `negativeMarkers`.
    public var neutralVerbs: [String: String]
    public var negativeMarkers: [String]
    /// Words that may sit between the person and the verb ("accidentally", "then").
    public var adverbs: [String]
    /// Lead-ins that become "<what> was not done" ("forgot to", "failed to").
    public var omissionVerbs: [String]
    /// The rewording for an omission: `{what}` is the thing not done.
    public var omissionRewording: String
    /// The rewording shown when no passive form can be built.
    public var personFallback: String
    /// What a person-as-cause finding advises (the rewording itself comes with the result).
    public var personAdvice: String

    enum CodingKeys: String, CodingKey {
        case blameWords = "blame_words", humanErrorPhrases = "human_error_phrases", humanErrorQuestion = "human_error_question"
        case humanErrorRewording = "human_error_rewording", personWords = "person_words", failureVerbs = "failure_verbs"
        case neutralVerbs = "neutral_verbs", negativeMarkers = "negative_markers", adverbs, omissionVerbs = "omission_verbs"
        case omissionRewording = "omission_rewording", personFallback = "person_fallback", personAdvice = "person_advice"
    }
}

/// The result of checking one text: the findings and, when there are any, a systems-focused rewording.
public struct LintResult: Hashable, Sendable {
    public var findings: [LintFinding]
    public var suggestedText: String?
}

/// Flags blame in post-mortem prose: blame words, "human error" as a cause, and a person as the subject of a
/// failure, proposing a rewording that puts the system, not the person, in the sentence. Pure and fast.
public struct BlamelessCheck: Sendable {
    public var rules: BlamelessRules

    public init(rules: BlamelessRules) {
        self.rules = rules
    }

    /// Checks `text`; `people` are names of people known in this incident (display names, handles).
    public func check(_ text: String, people: [String] = []) -> LintResult {
        var findings: [LintFinding] = []
        var rewritten = text
        for sentence in Self.sentences(text) {
            let words = Words(sentence)
            // A person as the subject of a failure.
            if let hit = personAsCause(words, people: people) {
                findings.append(LintFinding(kind: .personAsCause, excerpt: hit.excerpt, suggestion: rules.personAdvice))
                rewritten = rewritten.replacingOccurrences(of: hit.clause, with: hit.rewording)
                continue
            }
            for phrase in rules.humanErrorPhrases {
                if let range = words.find(phrase) {
                    let excerpt = words.text(range)
                    findings.append(LintFinding(kind: .humanError, excerpt: excerpt, suggestion: rules.humanErrorQuestion))
                    rewritten = rewritten.replacingOccurrences(of: excerpt, with: rules.humanErrorRewording)
                    break
                }
            }
        }
        for word in rules.blameWords {
            let words = Words(rewritten)
            if let range = words.find(word.phrase) {
                let excerpt = words.text(range)
                findings.append(LintFinding(kind: .blameWord, excerpt: excerpt, suggestion: word.instead))
            }
        }
        guard !findings.isEmpty else { return LintResult(findings: [], suggestedText: nil) }
        let suggestion = findings.contains { $0.kind != .blameWord } && rewritten != text ? Self.capitalizeSentences(rewritten) : nil
        return LintResult(findings: findings, suggestedText: suggestion)
    }

    private struct PersonHit {
        var excerpt: String
        var clause: String
        var rewording: String
    }

    private func personAsCause(_ words: Words, people: [String]) -> PersonHit? {
        let lowered = words.lower
        var subjects: [(start: Int, end: Int)] = []
        for (i, word) in lowered.enumerated() {
            if word.hasPrefix("@") || word.hasPrefix("<@") { subjects.append((i, i + 1)); continue }
            for phrase in rules.personWords + people.map({ $0.lowercased() }) {
                let parts = phrase.split(separator: " ").map(String.init)
                guard !parts.isEmpty, i + parts.count <= lowered.count else { continue }
                if Array(lowered[i..<(i + parts.count)]) == parts {
                    // Known names must be capitalised as names are, so "will" or "mark" as words don't count.
                    if people.contains(where: { $0.lowercased() == phrase }), words.raw[i].first?.isUppercase != true { continue }
                    subjects.append((i, i + parts.count))
                }
            }
        }
        for subject in subjects {
            var v = subject.end
            while v < lowered.count, rules.adverbs.contains(lowered[v]) { v += 1 }
            guard v < lowered.count else { continue }
            let clause = words.raw[subject.start...].joined(separator: " ")
            // The sentence's closing punctuation goes back at the end of the rewording.
            var ending = ""
            if let last = clause.last, ".!?;".contains(last) { ending = String(last) }
            func finish(_ text: String) -> String {
                var text = text
                while let last = text.last, ".!?;".contains(last) { text.removeLast() }
                return text + ending
            }
            // "forgot to renew the certificate" → "renew the certificate was not done"
            for omission in rules.omissionVerbs {
                let parts = omission.split(separator: " ").map(String.init)
                if v + parts.count <= lowered.count, Array(lowered[v..<(v + parts.count)]) == parts {
                    let what = words.raw[(v + parts.count)...].joined(separator: " ")
                    let excerpt = words.raw[subject.start..<(v + parts.count)].joined(separator: " ")
                    let rewording = what.isEmpty ? rules.personFallback : Template.fill(rules.omissionRewording, ["what": finish(what).dropLast(ending.count).description])
                    return PersonHit(excerpt: excerpt, clause: clause, rewording: finish(rewording))
                }
            }
            let verb = lowered[v]
            let participle: String
            if let p = rules.failureVerbs[verb] {
                participle = p
            } else if let p = rules.neutralVerbs[verb], rules.negativeMarkers.contains(where: { words.find($0, from: subject.start) != nil }) {
                participle = p
            } else {
                continue
            }
            let excerpt = words.raw[subject.start...v].joined(separator: " ")
            let rest = Array(words.raw[(v + 1)...])
            let split = rest.firstIndex { Self.clauseBreaks.contains($0.lowercased()) } ?? rest.count
            let object = rest[..<split].joined(separator: " ")
            let tail = rest[split...].joined(separator: " ")
            let bareObject = finish(object).dropLast(ending.count).description
            let rewording = bareObject.isEmpty
                ? rules.personFallback
                : ([bareObject, Self.auxiliary(for: bareObject), participle] + (tail.isEmpty ? [] : [tail])).joined(separator: " ")
            return PersonHit(excerpt: excerpt, clause: clause, rewording: finish(rewording))
        }
        return nil
    }

    private static let clauseBreaks: Set<String> = [
        "to", "on", "in", "into", "at", "from", "during", "without", "while", "because", "before", "after", "which", "and",
        "but", "so", "when", "by", "for",
    ]

    private static func auxiliary(for object: String) -> String {
        let last = object.split(separator: " ").last.map { $0.lowercased() } ?? ""
        let plural = last.hasSuffix("s") && !last.hasSuffix("ss") && !["status", "dns", "kubernetes", "redis", "postgres", "its", "this"].contains(last)
        return plural ? "were" : "was"
    }

    /// Splits prose into sentences at `.`, `!`, `?` and `;` followed by a space, and at line breaks.
    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        let chars = Array(text)
        for (i, ch) in chars.enumerated() {
            if ch == "\n" {
                out.append(current); current = ""; continue
            }
            current.append(ch)
            if ".!?;".contains(ch), i + 1 == chars.count || chars[i + 1] == " " {
                out.append(current); current = ""
            }
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func capitalizeSentences(_ text: String) -> String {
        var out = ""
        // Only a sentence that starts with a letter is capitalised: a leading quote keeps the quoted words as written.
        var capitalizeNext = text.first?.isLetter == true
        for ch in text {
            if capitalizeNext, ch.isLetter {
                out += ch.uppercased()
                capitalizeNext = false
            } else {
                out.append(ch)
                if ".!?".contains(ch) { capitalizeNext = true } else if !ch.isWhitespace { capitalizeNext = false }
            }
        }
        return out
    }
}

/// A sentence as words: the raw words (punctuation kept) and their lower-cased, punctuation-trimmed forms.
struct Words {
    let raw: [String]
    let lower: [String]

    init(_ text: String) {
        raw = text.split(whereSeparator: \.isWhitespace).map(String.init)
        lower = raw.map { word in
            let trimmed = word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"“”()[]'’*_`"))
            return trimmed.hasSuffix("'s") || trimmed.hasSuffix("’s") ? String(trimmed.dropLast(2)) : trimmed
        }
    }

    /// Where the whole-word phrase starts at or after `from`.
    func find(_ phrase: String, from: Int = 0) -> Range<Int>? {
        let parts = phrase.lowercased().split(separator: " ").map(String.init)
        guard !parts.isEmpty, lower.count >= parts.count, from <= lower.count - parts.count else { return nil }
        for i in from...(lower.count - parts.count) where Array(lower[i..<(i + parts.count)]) == parts {
            return i..<(i + parts.count)
        }
        return nil
    }

    func text(_ range: Range<Int>) -> String {
        raw[range].joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"“”()"))
    }
}
