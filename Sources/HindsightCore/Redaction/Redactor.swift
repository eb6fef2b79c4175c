import Foundation

/// The result of redacting a text: the text to store and which patterns fired (never the secrets themselves).
public struct Redaction: Hashable, Sendable {
    public var text: String
    /// Pattern id → how many secrets of that kind were removed.
    public var counts: [String: Int]

    public var isClean: Bool { counts.isEmpty }
}

/// Removes secrets from text before anything is written: a pure function over `RedactionPattern.all`.
/// Most chat messages contain none of the trigger substrings and pass through without running a regex.
public struct Redactor: Sendable {
    /// A compiled pattern. `NSRegularExpression` is immutable and documented as safe to use from several threads.
    private struct Compiled: @unchecked Sendable {
        let pattern: RedactionPattern
        let expression: NSRegularExpression
    }

    private let compiled: [Compiled]

    /// Compiles `patterns` once; the redactor is then reused for every message.
    public init(patterns: [RedactionPattern] = RedactionPattern.all) {
        compiled = patterns.map { pattern in
            let options: NSRegularExpression.Options = pattern.caseInsensitive ? [.caseInsensitive] : []
            // The patterns are fixed at build time and covered by tests; a bad one is a programming error.
            let expression = try! NSRegularExpression(pattern: pattern.regex, options: options)
            return Compiled(pattern: pattern, expression: expression)
        }
    }

    /// `text` with every secret replaced by `[redacted:<kind>]`.
    public func redact(_ text: String) -> Redaction {
        guard !text.isEmpty else { return Redaction(text: text, counts: [:]) }
        let lower = text.lowercased()
        var result = text
        var counts: [String: Int] = [:]
        for entry in compiled where entry.pattern.triggers.contains(where: lower.contains) {
            let range = NSRange(result.startIndex..., in: result)
            let found = entry.expression.numberOfMatches(in: result, range: range)
            guard found > 0 else { continue }
            result = entry.expression.stringByReplacingMatches(in: result, range: range, withTemplate: entry.pattern.template)
            counts[entry.pattern.id, default: 0] += found
        }
        return Redaction(text: result, counts: counts)
    }
}
