import Foundation

/// The data behind the action-item check, from `Prompts/lint.yaml`.
public struct ActionRules: Codable, Hashable, Sendable {
    /// Phrases that are vague however specific the rest is ("be more careful"), unless the item goes on to say how.
    public var alwaysVague: [String]
    /// What introduces how a goal is met ("…: page when…", "…by queuing…"): `:` is a colon after the first two words;
    /// any other entry is a phrase (`by *ing`). An item whose part after it is specific on its own passes. Optional,
    /// so a `lint.yaml` edited before it existed still loads.
    public var means: [String]?
    /// Named phrase sets; a set is present in an item when any of its phrases occurs (whole words).
    public var features: [String: [String]]
    /// Hyphenated words that are ordinary English, not names of things ("on-call", "self-healing").
    public var plainCompounds: [String]
    /// Feature weights; an item is specific when its score reaches `threshold`. Built-in features: `named`
    /// (a name with structure: `orders-db`, `rules/sqli.conf`, `OPS-2301`, `#channel`, a link, a CamelCase or
    /// capitalised name), `number` (a figure, a date, a threshold) and `short` (four words or fewer).
    public var weights: [String: Double]
    public var threshold: Double
    /// Asked of a vague item: what, where, how measured.
    public var vagueQuestion: String
    public var missingOwner: String
    public var missingDue: String
    public var pastDue: String
    public var missingPriority: String

    enum CodingKeys: String, CodingKey {
        case alwaysVague = "always_vague", means, features, plainCompounds = "plain_compounds", weights, threshold
        case vagueQuestion = "vague_question", missingOwner = "missing_owner", missingDue = "missing_due"
        case pastDue = "past_due", missingPriority = "missing_priority"
    }
}

/// Checks an action item: specific enough to be done and verified (a concrete object — system, component, file,
/// runbook, alert, dashboard, config key, link, issue — and a concrete deliverable or measurable end state), with
/// an owner, a due date in the future and a priority. Judged on the whole text, not its first verb. Pure.
public struct ActionCheck: Sendable {
    public var rules: ActionRules
    private let compounds: Set<String>

    public init(rules: ActionRules) {
        self.rules = rules
        compounds = Set(rules.plainCompounds.map { $0.lowercased() })
    }

    /// The features of an item's text (see `ActionRules.weights`), with the first phrase matched for each.
    public func features(_ text: String) -> [String: String] {
        let words = Words(text)
        var out: [String: String] = [:]
        for (name, phrases) in rules.features {
            if let range = phrases.lazy.compactMap({ words.find($0) }).first { out[name] = words.text(range) }
        }
        let count = words.lower.filter { !$0.isEmpty }.count
        if count <= 4 { out["short"] = text }
        for (index, raw) in words.raw.enumerated() {
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"“”()'’"))
            if out["number"] == nil, word.contains(where: \.isNumber) { out["number"] = word }
            let quoted = raw.first.map { "\"“'`".contains($0) } == true && word.count >= 2
            if out["named"] == nil, quoted || isName(word, first: index == 0) { out["named"] = word }
        }
        return out
    }

    /// A word that names a particular thing: a link, an issue or channel reference, a path, a key, a host, a
    /// hyphenated service name, a CamelCase or capitalised name (not the first word), or a code span.
    private func isName(_ word: String, first: Bool) -> Bool {
        guard word.count >= 2, !compounds.contains(word.lowercased()) else { return false }
        if word.hasPrefix("http") || word.hasPrefix("#") || word.hasPrefix("`") || word.hasPrefix("/") || word.hasPrefix("--") { return true }
        if word.contains("_") || word.contains("/") || word.dropLast().contains(".") { return true }
        if word.contains("-"), !compounds.contains(word.lowercased()), word.split(separator: "-").allSatisfy({ !$0.isEmpty }) { return true }
        let letters = word.filter(\.isLetter)
        if letters.count >= 2, letters.dropFirst().contains(where: \.isUppercase) { return true }
        if !first, word.first?.isUppercase == true, letters.count >= 3 { return true }
        return false
    }

    /// How specific the item is: the sum of the weights of its features, settled (`Double.settledScore`).
    public func specificity(_ text: String) -> Double {
        features(text).keys.sorted().reduce(0) { $0 + (rules.weights[$1] ?? 0) }.settledScore
    }

    /// Whether the item's text is vague, and what makes it so. A vague goal followed by a specific how ("Improve
    /// alerting on the queue: page when the oldest message is 10 minutes old") is judged on the how.
    public func vagueness(_ text: String) -> LintFinding? {
        let text = Self.work(of: text)
        let words = Words(text)
        let alwaysVague = rules.alwaysVague.lazy.compactMap({ words.find($0) }).first
        if alwaysVague == nil, specificity(text) >= rules.threshold { return nil }
        if let how = means(in: text, words), isSpecific(how) { return nil }
        let excerpt = alwaysVague.map(words.text) ?? text.trimmingCharacters(in: .whitespacesAndNewlines)
        return LintFinding(kind: .vagueAction, excerpt: excerpt, suggestion: rules.vagueQuestion)
    }

    /// The item without what labels or assigns it: a leading ticket reference (`[OPS-12]`, `SRE-99:`) and owner, due
    /// date and priority written anywhere in it (`owner @ana`, `due: 2025-03-01`, `P1`). "[OPS-12] Improve
    /// reliability (owner @ana, due 2025-03-01)" says no more about what is done than "Improve reliability".
    static func work(of text: String) -> String {
        var words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        func bare(_ word: String) -> String { word.trimmingCharacters(in: CharacterSet(charactersIn: "()[],;.|:—–")) }
        func isTicket(_ word: String) -> Bool {
            let parts = bare(word).split(separator: "-")
            return parts.count >= 2 && parts[0].count >= 2 && parts[0].allSatisfy { $0.isUppercase || $0.isNumber } && parts[0].first!.isLetter
                && parts[1].allSatisfy(\.isNumber) && !parts[1].isEmpty
        }
        func isSeparator(_ word: String) -> Bool { bare(word).isEmpty }
        if let first = words.first, isTicket(first) {
            words.removeFirst()
            while let next = words.first, isSeparator(next) { words.removeFirst() }
        }
        var kept: [String] = []
        var index = 0
        while index < words.count {
            let word = bare(words[index]).lowercased()
            let value = index + 1 < words.count ? bare(words[index + 1]) : ""
            let labelled = switch word {
            case "owner", "assignee", "owners": value.hasPrefix("@")
            case "due": value.contains(where: \.isNumber)
            case "priority": value.count == 2 && value.lowercased().hasPrefix("p") && value.last!.isNumber
            default: false
            }
            if labelled {
                index += 2
                continue
            }
            if word.count == 2, word.hasPrefix("p"), word.last!.isNumber, words[index].contains(where: { "()[]|,".contains($0) }) || index == words.count - 1 {
                index += 1  // a bare "(P1)" or a final "P2"
                continue
            }
            if !isSeparator(words[index]) || !kept.isEmpty { kept.append(words[index]) }
            index += 1
        }
        while let last = kept.last, isSeparator(last) { kept.removeLast() }
        return kept.joined(separator: " ")
    }

    private func isSpecific(_ text: String) -> Bool {
        let words = Words(text)
        return !rules.alwaysVague.contains { words.find($0) != nil } && specificity(text) >= rules.threshold
    }

    /// The part of `text` after the first of `rules.means` it contains, if any.
    private func means(in text: String, _ words: Words) -> String? {
        for marker in rules.means ?? [] {
            if marker == ":" {
                // After a lead of two words or more: "Owner: infra" is a label, not a goal.
                guard let colon = words.raw.firstIndex(where: { $0.hasSuffix(":") }), colon >= 1, colon + 1 < words.raw.count else { continue }
                return words.raw[(colon + 1)...].joined(separator: " ")
            }
            if let range = words.find(marker), range.upperBound - 1 < words.raw.count {
                // The phrase's last word starts the how ("by queuing captures…" → "queuing captures…").
                return words.raw[(range.upperBound - 1)...].joined(separator: " ")
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
            if item.isOverdue(at: today) {
                findings.append(LintFinding(kind: .pastDue, excerpt: UTCFormat.day(due), suggestion: rules.pastDue))
            }
        } else {
            findings.append(LintFinding(kind: .missingDue, excerpt: item.reference, suggestion: rules.missingDue))
        }
        if item.priority == nil { findings.append(LintFinding(kind: .missingPriority, excerpt: item.reference, suggestion: rules.missingPriority)) }
        return findings
    }
}
