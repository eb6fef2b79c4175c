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
        /// `pattern.triggers` as lower-case ASCII bytes.
        let triggers: [[UInt8]]
    }

    private let compiled: [Compiled]

    /// Compiles `patterns` once; the redactor is then reused for every message.
    public init(patterns: [RedactionPattern] = RedactionPattern.all) {
        compiled = patterns.map { pattern in
            let options: NSRegularExpression.Options = pattern.caseInsensitive ? [.caseInsensitive] : []
            // The patterns are fixed at build time and covered by tests; a bad one is a programming error.
            let expression = try! NSRegularExpression(pattern: pattern.regex, options: options)
            return Compiled(pattern: pattern, expression: expression, triggers: pattern.triggers.map { Array($0.lowercased().utf8) })
        }
    }

    /// `text` with every secret replaced by `[redacted:<kind>]`.
    public func redact(_ text: String) -> Redaction {
        guard !text.isEmpty else { return Redaction(text: text, counts: [:]) }
        // Triggers are ASCII, so folding ASCII letters is enough, and a byte search beats Foundation's
        // locale-aware `contains` on every captured message.
        let lower = text.utf8.map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }
        var result = text
        var counts: [String: Int] = [:]
        for entry in compiled where entry.triggers.contains(where: { Self.bytes(lower, contain: $0) }) {
            let range = NSRange(result.startIndex..., in: result)
            let found = entry.expression.numberOfMatches(in: result, range: range)
            guard found > 0 else { continue }
            result = entry.expression.stringByReplacingMatches(in: result, range: range, withTemplate: entry.pattern.template)
            counts[entry.pattern.id, default: 0] += found
        }
        return Redaction(text: result, counts: counts)
    }

    private static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return needle.isEmpty }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                var start = 0
                let last = hay.count - pin.count
                while start <= last {
                    if hay[start] == first {
                        var matched = 1
                        while matched < pin.count, hay[start + matched] == pin[matched] { matched += 1 }
                        if matched == pin.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
