import Foundation

/// One kind of secret the redactor removes, as written in `Prompts/redaction.yaml`: how it is found, which part of the
/// match is the secret, and which keywords must occur in a message for the pattern to be worth running.
public struct RedactionPattern: Sendable, Hashable {
    /// How the secret is written.
    public enum Form: Sendable, Hashable {
        /// A token that identifies itself (`npm_…`, `SG.….…`): `regex` finds it and capture group `secretGroup`
        /// (0, the default, for the whole match) is removed.
        case token(regex: String, secretGroup: Int)
        /// A value assigned to a name (`DD_API_KEY=…`, `"datadog_key": "…"`, `AccountKey=…;`): `name` is a regex for
        /// the word in the identifier (alternatives with `|`), `value` one for the secret. Only the value is removed.
        case assignment(name: String, value: String)
    }

    /// Short id shown in place of the secret: `[redacted:<id>]`.
    public var id: String
    public var description: String
    public var form: Form
    /// Substrings one of which must occur for the regex to run. Matched ignoring ASCII case when `caseInsensitive`,
    /// exactly otherwise (so `SK` for Twilio keys does not wake the pattern for every "task" or "disk").
    public var keywords: [String]
    /// Whether the regex ignores case. Assignments always do (names are written in any case).
    public var caseInsensitive: Bool
    /// The least Shannon entropy, in bits per character, a secret must have to be removed: `token=aaaaaaaa` or a
    /// placeholder does not look like a random value. `nil` removes every match.
    public var minimumEntropy: Double?
    /// Regexes for secrets that are not secrets (placeholders, UUIDs, plain words): a match of one is kept.
    public var allow: [String]

    public init(id: String, description: String, form: Form, keywords: [String], caseInsensitive: Bool = false,
                minimumEntropy: Double? = nil, allow: [String] = []) {
        self.id = id
        self.description = description
        self.form = form
        self.keywords = keywords
        self.caseInsensitive = caseInsensitive
        if case .assignment = form { self.caseInsensitive = true }
        self.minimumEntropy = minimumEntropy
        self.allow = allow
    }

    /// The regular expression the redactor compiles (ICU syntax).
    public var expression: String {
        switch form {
        case let .token(regex, _):
            return regex
        case let .assignment(name, value):
            // The name starts a word part (`DATADOG_API_KEY`, `my.datadog.key`, not `lob` inside `global`), may be
            // followed by more of the identifier, a closing quote, then an assignment operator and an optional quote.
            return #"(?<![A-Za-z0-9])(?:"# + name + #")[\w.-]{0,30}?["'\]]?[ \t]{0,3}(?:=>|:=|=|:)[ \t]{0,3}["'`]?("#
                + value + #")(?![A-Za-z0-9_+/=-])"#
        }
    }

    /// The capture group holding the secret in `expression`.
    public var secretGroup: Int {
        switch form {
        case let .token(_, group): return group
        case .assignment: return 1
        }
    }
}

/// `Prompts/redaction.yaml`: the patterns, in the order they are applied (specific formats before generic ones).
public struct RedactionRules: Decodable, Sendable, Hashable {
    public var patterns: [RedactionPattern]

    public init(patterns: [RedactionPattern]) {
        self.patterns = patterns
    }
}

extension RedactionPattern: Decodable {
    private enum CodingKeys: String, CodingKey {
        case id, description, keywords, regex, name, value, allow, entropy
        case secretGroup = "secret_group"
        case caseInsensitive = "case_insensitive"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let id = try c.decode(String.self, forKey: .id)
        let regex = try c.decodeIfPresent(String.self, forKey: .regex)
        let name = try c.decodeIfPresent(String.self, forKey: .name)
        let value = try c.decodeIfPresent(String.self, forKey: .value)
        let form: Form
        switch (regex, name, value) {
        case let (regex?, nil, nil):
            form = .token(regex: regex, secretGroup: try c.decodeIfPresent(Int.self, forKey: .secretGroup) ?? 0)
        case let (nil, name?, value?):
            form = .assignment(name: name, value: value)
        default:
            throw DecodingError.dataCorruptedError(forKey: .regex, in: c, debugDescription:
                "pattern '\(id)' needs either `regex` (a token) or both `name` and `value` (an assignment)")
        }
        var keywords = try c.decodeIfPresent([String].self, forKey: .keywords)
        if keywords == nil, case let .assignment(name, _) = form, let literal = Self.literalAlternatives(name) {
            keywords = literal
        }
        guard let keywords else {
            throw DecodingError.keyNotFound(CodingKeys.keywords, .init(codingPath: c.codingPath, debugDescription:
                "pattern '\(id)' needs `keywords` (its name is not a plain list of words to use instead)"))
        }
        self.init(id: id, description: try c.decode(String.self, forKey: .description), form: form, keywords: keywords,
                  caseInsensitive: try c.decodeIfPresent(Bool.self, forKey: .caseInsensitive) ?? false,
                  minimumEntropy: try c.decodeIfPresent(Double.self, forKey: .entropy),
                  allow: try c.decodeIfPresent([String].self, forKey: .allow) ?? [])
    }

    /// The keywords the expression can match only where a word part starts (no ASCII letter or digit before them): an
    /// assignment's name (`(?<![A-Za-z0-9])` in `expression`), and a token's keyword its regex begins with after `\b`
    /// (`\bico-…`). The scanner skips such a keyword inside a word (`lob` in `global`, `ico-` in `calico-node`), so
    /// ordinary chat runs no regex for them; a secret is never skipped, since its match starts at such a place.
    public var wordStartKeywords: Set<String> {
        switch form {
        case let .token(regex, _):
            // After `\b`, a keyword that starts with a word character starts a word: nothing of a word comes before it.
            return Set(keywords.filter { keyword in
                keyword.utf8.first.map { $0 != UInt8(ascii: "-") } == true && keyword.utf8.allSatisfy(Self.isNamePart)
                    && regex.hasPrefix(#"\b"# + keyword)
            })
        case let .assignment(name, _):
            let names = Set((Self.literalAlternatives(name) ?? []).map { $0.lowercased() })
            return Set(keywords.filter { names.contains($0.lowercased()) })
        }
    }

    private static func isNamePart(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// `datadog|dd_api_key` → `["datadog", "dd_api_key"]`; nil when the name uses regex syntax.
    private static func literalAlternatives(_ name: String) -> [String]? {
        let words = name.split(separator: "|").map(String.init)
        let plain = words.allSatisfy { word in !word.isEmpty && word.utf8.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
        } }
        return plain ? words : nil
    }
}
