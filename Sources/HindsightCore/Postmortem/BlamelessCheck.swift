import Foundation

/// The data behind the blameless-language check, from `Prompts/lint.yaml`.
public struct BlamelessRules: Codable, Hashable, Sendable {
    /// A word or phrase that assigns blame, its other forms (`careless` → `carelessly`, `carelessness`), and what to
    /// write instead.
    public struct BlameWord: Codable, Hashable, Sendable {
        public var phrase: String
        public var forms: [String]
        public var instead: String

        public init(phrase: String, forms: [String] = [], instead: String) {
            self.phrase = phrase
            self.forms = forms
            self.instead = instead
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            phrase = try c.decode(String.self, forKey: .phrase)
            forms = try c.decodeIfPresent([String].self, forKey: .forms) ?? []
            instead = try c.decode(String.self, forKey: .instead)
        }
    }

    /// Phrases that judge a person when a person comes before them in the sentence ("dana should have caught…",
    /// "the on-call wasted an hour"), and what to write instead.
    public struct Judgement: Codable, Hashable, Sendable {
        public var phrases: [String]
        public var instead: String
    }

    public var blameWords: [BlameWord]
    /// Technical senses of blame words that are never blame ("git blame", "fault injection").
    public var technicalSenses: [String]
    /// Phrases that name a person's mistake as the cause ("human error", "someone forgot").
    public var humanErrorPhrases: [String]
    /// The follow-up asked when a cause is a person's mistake.
    public var humanErrorQuestion: String
    /// Replaces a human-error phrase in the suggested rewording.
    public var humanErrorRewording: String
    /// Words that stand for a person: unnamed ("someone"), roles ("the on-call", "the reviewer", "the IC").
    public var personWords: [String]
    /// Words that make the word before them a group of people ("the network team", "the vendor's support team").
    public var teamWords: [String]
    /// Groups named bare, people only when written with a capital ("Ops dropped the ball", not "the ops dashboard").
    public var teamNames: [String]
    /// Names that are also ordinary words ("will", "mark"): a known person only when capitalised.
    public var namesThatAreWords: [String]
    /// Verbs that make a person the cause by themselves, with their past participle for the passive rewording.
    public var failureVerbs: [String: String]
    /// Verbs that are neutral ("deployed") unless the clause carries one of `negativeMarkers`.
    public var neutralVerbs: [String: String]
    public var negativeMarkers: [String]
    /// Words that may sit between the person and the verb ("accidentally", "then").
    public var adverbs: [String]
    /// Lead-ins that become "<what> was not done" ("forgot to", "failed to").
    public var omissionVerbs: [String]
    /// Verbs after "did not" that state a fact rather than an omission ("did not have the token").
    public var statives: [String]
    /// Judgements of a person, within `judgementWindow` words after the person.
    public var judgements: [Judgement]
    public var judgementWindow: Int
    /// Judgements that come just before the person ("typical hugo", "leave it to hugo", "the outage is on the
    /// platform team", "self-inflicted by the release engineer"), ending within `before_window` words of them.
    public var judgementsBefore: Judgement
    public var beforeWindow: Int
    /// Participles that blame the person after "by" ("the warning was brushed off by greta"); the failure verbs'
    /// participles count too, and neutral ones ("pushed by kim") only with a negative marker or a judgement nearby.
    public var passiveBlame: [String]
    /// A question about a person blames when it carries one of these ("how did tobi not notice…?", "who on earth
    /// gave the intern the root password?").
    public var accusingQuestionMarkers: [String]
    /// Words within a few words after a person's possessive that blame through it ("kim's flaky script").
    public var possessiveJudgements: [String]
    /// Phrases after a person's possessive that make it the cause ("elena's migration locked the table").
    public var possessiveCauses: [String]
    /// The rewording for an omission: `{what}` is the thing not done.
    public var omissionRewording: String
    /// The rewording shown when no passive form can be built.
    public var personFallback: String
    /// What a person-as-cause finding advises (the rewording itself comes with the result).
    public var personAdvice: String
    /// The learned second opinion, if any: how it is used, and its weights (read from the file `model.weights` names).
    public var model: BlameModelSettings?
    public var learned: LinearModel? = nil

    enum CodingKeys: String, CodingKey {
        case blameWords = "blame_words", technicalSenses = "technical_senses", humanErrorPhrases = "human_error_phrases"
        case humanErrorQuestion = "human_error_question", humanErrorRewording = "human_error_rewording"
        case personWords = "person_words", teamWords = "team_words", teamNames = "team_names", namesThatAreWords = "names_that_are_words"
        case failureVerbs = "failure_verbs", neutralVerbs = "neutral_verbs", negativeMarkers = "negative_markers", adverbs
        case omissionVerbs = "omission_verbs", statives, judgements, judgementWindow = "judgement_window"
        case judgementsBefore = "judgements_before", beforeWindow = "before_window"
        case passiveBlame = "passive_blame", accusingQuestionMarkers = "accusing_question_markers"
        case possessiveJudgements = "possessive_judgements", possessiveCauses = "possessive_causes"
        case omissionRewording = "omission_rewording", personFallback = "person_fallback", personAdvice = "person_advice"
        case model
    }
}

/// The result of checking one text: the findings and, when there are any, a systems-focused rewording.
public struct LintResult: Hashable, Sendable {
    public var findings: [LintFinding]
    public var suggestedText: String?
}

/// Flags blame in post-mortem prose: blame words (with their word families), "human error" as a cause, and a person
/// as the subject of a failure, omission or judgement. People are everyone known in the room (names as typed, with
/// or without `@`), @mentions, role nouns ("the on-call") and teams ("the DB team"). Each finding comes with a
/// rewording that puts the system, not the person, in the sentence. Pure and fast.
public struct BlamelessCheck: Sendable {
    public var rules: BlamelessRules
    private let blamePhrases: [(phrase: String, instead: String)]
    private let personPhrases: [[String]]
    private let wordNames: Set<String>
    private let teams: Set<String>
    private let teamNames: Set<String>
    /// Words that can open what a person did: a bare team name is a person only when one of these follows it.
    private let verbLeads: Set<String>
    /// The learned second opinion and how it reads a sentence, when `lint.yaml` has a `model`.
    private let model: (weights: LinearModel, reader: BlameFeatures)?

    public init(rules: BlamelessRules) {
        self.rules = rules
        if let weights = rules.learned, let settings = rules.model {
            model = (weights, BlameFeatures(settings: settings, rules: rules))
        } else {
            model = nil
        }
        blamePhrases = rules.blameWords.flatMap { word in ([word.phrase] + word.forms).map { ($0, word.instead) } }
        personPhrases = rules.personWords.map { $0.lowercased().split(separator: " ").map(String.init) }
        wordNames = Set(rules.namesThatAreWords.map { $0.lowercased() })
        teams = Set(rules.teamWords.map { $0.lowercased() })
        teamNames = Set(rules.teamNames.map { $0.lowercased() })
        let leads = rules.judgements.flatMap(\.phrases) + rules.omissionVerbs + Array(rules.failureVerbs.keys) + Array(rules.neutralVerbs.keys)
        verbLeads = Set(leads.compactMap { $0.lowercased().split(separator: " ").first.map(String.init) })
    }

    /// Checks `text`; `people` are names of people known in this incident (display names, handles).
    public func check(_ text: String, people: [String] = []) -> LintResult {
        var findings: [LintFinding] = []
        var rewritten = text
        let known = people.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@")).split(separator: " ").map(String.init) }
            .filter { !$0.isEmpty }
        for sentence in Self.sentences(text) {
            let words = Words(maskingTechnicalSenses(sentence))
            let subjects = self.subjects(words, known: known)
            // A person as the subject of a failure.
            if let hit = personAsCause(words, subjects: subjects) {
                findings.append(LintFinding(kind: .personAsCause, excerpt: hit.excerpt, suggestion: rules.personAdvice))
                rewritten = rewritten.replacingOccurrences(of: hit.clause, with: hit.rewording)
                continue
            }
            if let hit = judgement(words, subjects: subjects) {
                findings.append(LintFinding(kind: .personAsCause, excerpt: hit.excerpt, suggestion: hit.instead))
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
        let words = Words(maskingTechnicalSenses(rewritten))
        var seen: Set<String> = []
        for (phrase, instead) in blamePhrases where !seen.contains(instead) || phrase.contains(" ") {
            if let range = words.find(phrase) {
                findings.append(LintFinding(kind: .blameWord, excerpt: words.text(range), suggestion: instead))
                seen.insert(instead)
            }
        }
        // What the phrase rules have no phrase for, the learned model may still read as blame.
        if let model {
            for sentence in Self.sentences(text) where !findings.contains(where: { sentence.contains($0.excerpt) }) {
                let score = model.weights.score(model.reader.features(sentence, people: people))
                guard score.value >= model.reader.settings.threshold else { continue }
                let words = score.strongest.prefix(3).map(Self.readable).joined(separator: ", ")
                findings.append(LintFinding(kind: .readsAsBlame, excerpt: sentence, suggestion: Template.fill(model.reader.settings.advice, ["words": words])))
            }
        }
        guard !findings.isEmpty else { return LintResult(findings: [], suggestedText: nil) }
        let suggestion = findings.contains { $0.kind != .blameWord } && rewritten != text ? Self.capitalizeSentences(rewritten) : nil
        return LintResult(findings: findings, suggestedText: suggestion)
    }

    /// The sentence with technical senses ("git blame", "fault injection") replaced by neutral placeholders, so the
    /// blame words inside them are not seen.
    private func maskingTechnicalSenses(_ sentence: String) -> String {
        var out = sentence
        for sense in rules.technicalSenses where out.range(of: sense, options: .caseInsensitive) != nil {
            out = out.replacingOccurrences(of: sense, with: "term", options: .caseInsensitive)
        }
        return out
    }

    /// A person mentioned in a sentence: where, and whether as a possessive ("kim's").
    struct Subject {
        var start: Int
        var end: Int
        var possessive: Bool
    }

    private func subjects(_ words: Words, known: [[String]]) -> [Subject] {
        let lowered = words.lower
        var out: [Subject] = []
        var i = 0
        while i < lowered.count {
            let word = lowered[i]
            if word.hasPrefix("@") {
                out.append(Subject(start: i, end: i + 1, possessive: words.possessive[i])); i += 1; continue
            }
            if i > 0, teams.contains(word) {
                out.append(Subject(start: i - 1, end: i + 1, possessive: words.possessive[i])); i += 1; continue
            }
            if teamNames.contains(word), words.raw[i].first?.isUppercase == true, leadsToVerb(lowered, after: i) {
                out.append(Subject(start: i, end: i + 1, possessive: words.possessive[i])); i += 1; continue
            }
            var matched = false
            for parts in personPhrases + known where i + parts.count <= lowered.count && Array(lowered[i..<(i + parts.count)]) == parts {
                // A known name that is also a word ("will", "mark") counts only when capitalised, as names are.
                if known.contains(parts), parts.count == 1, wordNames.contains(parts[0]), words.raw[i].first?.isUppercase != true { continue }
                out.append(Subject(start: i, end: i + parts.count, possessive: words.possessive[i + parts.count - 1]))
                i += parts.count
                matched = true
                break
            }
            if !matched { i += 1 }
        }
        return out
    }

    /// Whether the word after `index` (past any adverbs) can open what someone did: "Ops failed to", not "QA environment".
    private func leadsToVerb(_ lowered: [String], after index: Int) -> Bool {
        var next = index + 1
        while next < lowered.count, rules.adverbs.contains(lowered[next]) { next += 1 }
        return next < lowered.count && verbLeads.contains(lowered[next])
    }

    private struct PersonHit {
        var excerpt: String
        var clause: String
        var rewording: String
    }

    private func personAsCause(_ words: Words, subjects: [Subject]) -> PersonHit? {
        let lowered = words.lower
        for subject in subjects where !subject.possessive {
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
                    if v + parts.count < lowered.count, rules.statives.contains(lowered[v + parts.count]) { continue }
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

    /// A judgement of a person: a judgement phrase within the window after them, a possessive that blames, or a
    /// counterfactual ("if dana had read the runbook").
    private func judgement(_ words: Words, subjects: [Subject]) -> (excerpt: String, instead: String)? {
        let lowered = words.lower
        for subject in subjects {
            let end = min(lowered.count, subject.end + rules.judgementWindow)
            if subject.possessive {
                let near = min(lowered.count, subject.end + 4)
                for word in rules.possessiveJudgements where words.find(word, from: subject.end).map({ $0.lowerBound < near }) == true {
                    return (words.text(subject.start..<near), rules.personAdvice)
                }
                for cause in rules.possessiveCauses {
                    if let range = words.find(cause, from: subject.end), range.upperBound <= end {
                        return (words.text(subject.start..<range.upperBound), rules.personAdvice)
                    }
                }
                continue
            }
            if let hit = passiveAgent(words, subject) { return hit }
            if words.raw.last?.hasSuffix("?") == true,
               let marker = rules.accusingQuestionMarkers.first(where: { words.find($0) != nil }) {
                return (words.text(0..<lowered.count), rules.judgementsBefore.instead + " (\(marker))")
            }
            let before = max(0, subject.start - rules.beforeWindow - 3)
            for phrase in rules.judgementsBefore.phrases {
                guard let range = words.find(phrase, from: before), range.upperBound <= subject.start,
                      subject.start - range.upperBound <= rules.beforeWindow else { continue }
                return (words.text(range.lowerBound..<subject.end), rules.judgementsBefore.instead)
            }
            if subject.start > 0, lowered[subject.start - 1] == "if", subject.end < lowered.count, lowered[subject.end] == "had" {
                return (words.text((subject.start - 1)..<min(lowered.count, subject.end + 2)), rules.personAdvice)
            }
            for judgement in rules.judgements {
                for phrase in judgement.phrases {
                    guard let range = words.find(phrase, from: subject.end), range.upperBound <= end else { continue }
                    // "did not have the token", "the handbook did not say": a fact, not an omission.
                    if range.upperBound < lowered.count, rules.statives.contains(lowered[range.upperBound]) { continue }
                    return (words.text(subject.start..<range.upperBound), judgement.instead)
                }
            }
        }
        return nil
    }

    /// "<participle> by <person>" that blames: a failure or blaming participle, or a neutral one with a negative
    /// marker or a judgement after the person ("the hotfix was rushed out by odile", "closed by amara without doing…").
    private func passiveAgent(_ words: Words, _ subject: Subject) -> (excerpt: String, instead: String)? {
        let lowered = words.lower
        guard subject.start >= 2, lowered[subject.start - 1] == "by" else { return nil }
        let from = max(0, subject.start - 4)
        let before = Array(lowered[from..<(subject.start - 1)])
        let failure = Set(rules.failureVerbs.values)
        let neutral = Set(rules.neutralVerbs.values)
        let blames = before.contains { failure.contains($0) }
            || rules.passiveBlame.contains { phrase in words.find(phrase, from: from).map { $0.upperBound < subject.start } == true }
        let negative = before.contains { neutral.contains($0) }
            && (rules.negativeMarkers.contains { words.find($0) != nil }
                || rules.judgements.flatMap(\.phrases).contains { words.find($0, from: subject.end) != nil })
        guard blames || negative else { return nil }
        return (words.text(from..<subject.end), rules.personAdvice)
    }

    /// A feature as a reader would say it: `b:PERSON_never` → "<person> never".
    private static func readable(_ feature: String) -> String {
        feature.dropFirst(2).split(separator: "_").map { part in
            switch part {
            case "PERSON", "PERSONS": "<person>"
            case "ROLE": "<role>"
            default: String(part)
            }
        }.joined(separator: " ")
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

/// A sentence as words: the raw words (punctuation kept), their lower-cased, punctuation-trimmed forms (a
/// possessive `'s` dropped), and which of them were possessives.
struct Words {
    let raw: [String]
    let lower: [String]
    let possessive: [Bool]

    init(_ text: String) {
        raw = text.split(whereSeparator: \.isWhitespace).map(String.init)
        var lower: [String] = []
        var possessive: [Bool] = []
        for word in raw {
            let trimmed = word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"“”()[]'’*_`"))
            let isPossessive = trimmed.hasSuffix("'s") || trimmed.hasSuffix("’s")
            lower.append(isPossessive ? String(trimmed.dropLast(2)) : trimmed)
            possessive.append(isPossessive)
        }
        self.lower = lower
        self.possessive = possessive
    }

    /// Where the whole-word phrase starts at or after `from`; a word ending in `*` matches any ending
    /// (`careless*` = careless, carelessly, carelessness), one starting with `*` any beginning (`*ing`), a lone `*`
    /// any word.
    func find(_ phrase: String, from: Int = 0) -> Range<Int>? {
        let parts = phrase.lowercased().split(separator: " ").map(String.init)
        guard !parts.isEmpty, lower.count >= parts.count, from <= lower.count - parts.count else { return nil }
        func matches(_ part: String, _ word: String) -> Bool {
            if part.hasSuffix("*") { return word.hasPrefix(part.dropLast()) }
            if part.hasPrefix("*") { return word.count > part.count && word.hasSuffix(part.dropFirst()) }
            return word == part
        }
        for i in from...(lower.count - parts.count) where matches(parts[0], lower[i]) {
            if zip(parts, lower[i..<(i + parts.count)]).allSatisfy({ matches($0, $1) }) { return i..<(i + parts.count) }
        }
        return nil
    }

    func text(_ range: Range<Int>) -> String {
        raw[range].joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"“”()"))
    }
}
