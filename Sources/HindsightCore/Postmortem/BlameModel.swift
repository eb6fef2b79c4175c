import Foundation

/// How the blameless check's learned model is used, from `model:` under `blameless:` in `Prompts/lint.yaml`.
public struct BlameModelSettings: Codable, Hashable, Sendable {
    /// The Prompts file holding the weights.
    public var weights: String
    /// A sentence scoring at or above this is flagged.
    public var threshold: Double
    /// Endings taken off a word before it is looked up ("sloppiness" → "sloppi"), longest first.
    public var suffixes: [String]
    /// The shortest stem an ending leaves.
    public var minimumStem: Int
    /// What a flag advises; `{words}` are the words that weighed most.
    public var advice: String

    enum CodingKeys: String, CodingKey {
        case weights, threshold, suffixes, minimumStem = "minimum_stem", advice
    }
}

/// The blameless check's learned second opinion (a `LinearModel`): a logistic model over the words of a sentence and the pairs of
/// words next to each other, where a person in the room reads as `PERSON` (`PERSONS` when possessive) and a role or
/// team word (from `person_words` and `team_words`) as `ROLE`. It flags the blame the phrase rules have no phrase for
/// ("Billing never tests their migrations, and here we are"), and it is trained, not written: `hindsight eval
/// --train-blame` fits it on the `dev` half of the labelled sentences and writes `Prompts/blame-model.tsv`. Scoring a
/// sentence is a dictionary lookup per word and per pair.
///
/// How a sentence becomes the model's features: its words, lower-cased and stemmed, with people and roles replaced by
/// placeholders, and each pair of neighbouring words.
public struct BlameFeatures: Sendable {
    public var settings: BlameModelSettings
    /// Single words that stand for a person or a group of people.
    private let roles: Set<String>

    public init(settings: BlameModelSettings, rules: BlamelessRules) {
        self.settings = settings
        let words = rules.personWords.filter { !$0.contains(" ") } + rules.teamWords
        roles = Set(words.map { $0.lowercased() })
    }

    /// The features of `sentence`; `people` are the names known in the room (any word of a name counts).
    public func features(_ sentence: String, people: [String]) -> [String] {
        let names = Set(people.flatMap { $0.lowercased().split(separator: " ").map { String($0.drop { $0 == "@" }) } })
        let tokens = tokens(sentence, names: names)
        var out = tokens.map { "u:" + $0 }
        if tokens.count > 1 {
            for i in 1..<tokens.count { out.append("b:" + tokens[i - 1] + "_" + tokens[i]) }
        }
        return out
    }

    func tokens(_ sentence: String, names: Set<String>) -> [String] {
        let lowered = sentence.lowercased().replacingOccurrences(of: "’", with: "'")
        let words = lowered.split { !($0.isLetter || $0.isNumber || $0 == "@" || $0 == "'" || $0 == "-") }
        return words.map { word in
            let possessive = word.hasSuffix("'s")
            let bare = String((possessive ? word.dropLast(2) : word[...]).drop { $0 == "@" })
            if word.hasPrefix("@") || names.contains(bare) { return possessive ? "PERSONS" : "PERSON" }
            if roles.contains(bare) { return "ROLE" }
            return stem(bare)
        }
    }

    private func stem(_ word: String) -> String {
        for suffix in settings.suffixes where word.hasSuffix(suffix) && word.count - suffix.count >= settings.minimumStem {
            return String(word.dropLast(suffix.count))
        }
        return word
    }
}
