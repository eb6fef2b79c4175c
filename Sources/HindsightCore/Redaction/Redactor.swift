import Foundation

/// The result of redacting a text: the text to store and which patterns fired (never the secrets themselves).
public struct Redaction: Hashable, Sendable {
    public var text: String
    /// Pattern id → how many secrets of that kind were removed.
    public var counts: [String: Int]

    public var isClean: Bool { counts.isEmpty }
}

/// A redaction pattern that cannot be used, with the pattern's id and what is wrong, for the team editing the file.
public struct InvalidRedactionPattern: Error, CustomStringConvertible, Sendable, Equatable {
    public var id: String
    public var reason: String

    public init(id: String, reason: String) {
        self.id = id
        self.reason = reason
    }

    public var description: String { "pattern '\(id)': \(reason)" }
}

/// Removes secrets from text before anything is written: a pure function over the patterns of `Prompts/redaction.yaml`.
/// One pass over the message's bytes finds which patterns' keywords occur (where their regex could match: a name
/// only at the start of a word part); a message with none runs no regex.
public struct Redactor: Sendable {
    /// A compiled pattern. `NSRegularExpression` is immutable and documented as safe to use from several threads.
    private struct Compiled: @unchecked Sendable {
        let pattern: RedactionPattern
        let expression: NSRegularExpression
        let allow: [NSRegularExpression]
        let replacement: String
    }

    private let compiled: [Compiled]
    private let scanner: KeywordScanner

    /// Compiles `patterns` once (the redactor is then reused for every message), in the order given.
    public init(patterns: [RedactionPattern]) throws(InvalidRedactionPattern) {
        var seen: Set<String> = []
        var compiled: [Compiled] = []
        for pattern in patterns {
            let id = pattern.id
            guard !id.isEmpty, id.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7a).contains($0) }) else {
                throw InvalidRedactionPattern(id: id, reason: "the id must be lower-case letters, digits and dashes (it is shown as [redacted:<id>])")
            }
            guard seen.insert(id).inserted else { throw InvalidRedactionPattern(id: id, reason: "the id is used by an earlier pattern") }
            guard !pattern.keywords.isEmpty, pattern.keywords.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 < 0x80 } }) else {
                throw InvalidRedactionPattern(id: id, reason: "needs at least one keyword, each non-empty ASCII text that every secret of this kind contains")
            }
            if let entropy = pattern.minimumEntropy, !(0...8).contains(entropy) {
                throw InvalidRedactionPattern(id: id, reason: "entropy \(entropy) is outside 0…8 bits per character")
            }
            let expression = try Self.compile(pattern.expression, caseInsensitive: pattern.caseInsensitive, id: id, field: "regex")
            guard pattern.secretGroup >= 0, pattern.secretGroup <= expression.numberOfCaptureGroups else {
                throw InvalidRedactionPattern(id: id, reason: "secret_group \(pattern.secretGroup) does not exist: the regex has \(expression.numberOfCaptureGroups) capture group(s)")
            }
            var allow: [NSRegularExpression] = []
            for regex in pattern.allow { allow.append(try Self.compile(regex, caseInsensitive: false, id: id, field: "allow")) }
            compiled.append(Compiled(pattern: pattern, expression: expression, allow: allow, replacement: "[redacted:\(id)]"))
        }
        self.compiled = compiled
        scanner = KeywordScanner(keywords: patterns.map(\.keywords), caseSensitive: patterns.map { !$0.caseInsensitive },
                                 wordStart: patterns.map(\.wordStartKeywords))
    }

    /// The ids of the patterns, in the order they are applied.
    public var patternIDs: [String] { compiled.map(\.pattern.id) }

    /// `text` with every secret replaced by `[redacted:<id>]`; the text around it stays byte for byte.
    public func redact(_ text: String) -> Redaction {
        guard let candidates = scanner.candidates(in: text) else { return Redaction(text: text, counts: [:]) }
        var result = text
        var counts: [String: Int] = [:]
        for (index, entry) in compiled.enumerated() where candidates[index] {
            let found = Self.apply(entry, to: &result)
            if found > 0 { counts[entry.pattern.id, default: 0] += found }
        }
        return Redaction(text: result, counts: counts)
    }

    /// The ids of the patterns whose keywords occur in `text`: the only ones `redact` runs on it.
    public func candidates(in text: String) -> [String] {
        guard let candidates = scanner.candidates(in: text) else { return [] }
        return compiled.indices.filter { candidates[$0] }.map { compiled[$0].pattern.id }
    }

    /// Shannon entropy of `text`'s UTF-8 bytes, in bits per byte (gitleaks' measure of how random a value looks).
    public static func entropy(_ text: String) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        var total = 0
        for byte in text.utf8 {
            counts[Int(byte)] += 1
            total += 1
        }
        guard total > 0 else { return 0 }
        let n = Double(total)
        return counts.reduce(0) { sum, count in
            guard count > 0 else { return sum }
            let p = Double(count) / n
            return sum - p * log2(p)
        }
    }

    /// Replaces the secret group of every accepted match of `entry` in `text`; returns how many.
    private static func apply(_ entry: Compiled, to text: inout String) -> Int {
        let matches = entry.expression.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard !matches.isEmpty else { return 0 }
        var output = ""
        var kept = text.startIndex
        var replaced = 0
        for match in matches {
            guard let range = Range(match.range(at: entry.pattern.secretGroup), in: text), !range.isEmpty else { continue }
            let secret = String(text[range])
            guard !secret.contains("[redacted:") else { continue }
            if let minimum = entry.pattern.minimumEntropy, entropy(secret) < minimum { continue }
            let whole = NSRange(secret.startIndex..., in: secret)
            if entry.allow.contains(where: { $0.firstMatch(in: secret, range: whole) != nil }) { continue }
            output += text[kept..<range.lowerBound]
            output += entry.replacement
            kept = range.upperBound
            replaced += 1
        }
        guard replaced > 0 else { return 0 }
        output += text[kept...]
        text = output
        return replaced
    }

    private static func compile(_ regex: String, caseInsensitive: Bool, id: String, field: String) throws(InvalidRedactionPattern) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: regex, options: caseInsensitive ? [.caseInsensitive] : [])
        } catch {
            throw InvalidRedactionPattern(id: id, reason: "\(field) '\(regex)' is not a valid ICU regular expression (\((error as NSError).localizedDescription))")
        }
    }
}
