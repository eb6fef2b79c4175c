import HindsightCore

/// Chat text as a page shows it: plain runs, mentions, and links. Every piece is escaped by the template; only
/// http(s) and mailto links become anchors (a `javascript:` or `data:` link stays text), so hostile chat text can add
/// words to a page but never markup or script.
public struct TextPiece: Codable, Sendable, Equatable {
    public var text: String
    public var isLink: Bool
    public var href: String
    public var isMention: Bool

    public static func plain(_ text: String) -> TextPiece { TextPiece(text: text, isLink: false, href: "", isMention: false) }

    /// The pieces of `text` written with `markup` (`names`: display names by user id).
    public static func pieces(_ text: String, markup: any ChatMarkup, names: [String: String] = [:]) -> [TextPiece] {
        markup.pieces(text, names: names).flatMap { piece -> [TextPiece] in
            switch piece {
            case .text(let plain): return linkified(plain)
            case .mention(let name): return [TextPiece(text: name, isLink: false, href: "", isMention: true)]
            case let .link(url, label):
                guard isSafe(url) else { return [.plain(label.map { "\($0) (\(url))" } ?? url)] }
                return [TextPiece(text: label ?? url, isLink: true, href: url, isMention: false)]
            }
        }
    }

    /// Whether `url` may be an anchor's target.
    public static func isSafe(_ url: String) -> Bool {
        let lower = url.lowercased()
        return (lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:"))
            && !url.unicodeScalars.contains { $0.value < 0x21 || $0 == "\"" || $0 == "<" || $0 == ">" }
    }

    /// Plain text with its bare http(s) URLs turned into links.
    static func linkified(_ text: String) -> [TextPiece] {
        guard text.contains("http") else { return [.plain(text)] }
        var pieces: [TextPiece] = []
        var rest = Substring(text)
        while let start = rest.range(of: "http", options: .caseInsensitive)?.lowerBound {
            let candidate = rest[start...]
            guard candidate.lowercased().hasPrefix("http://") || candidate.lowercased().hasPrefix("https://") else {
                pieces.append(.plain(String(rest[..<candidate.index(start, offsetBy: 4)])))
                rest = candidate.dropFirst(4)
                continue
            }
            var end = candidate.firstIndex { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" } ?? candidate.endIndex
            // A sentence's full stop or closing bracket after a link is not part of it.
            while end > start, let last = candidate[..<end].last, ".,;:!?)]'".contains(last) { end = candidate.index(before: end) }
            if start > rest.startIndex { pieces.append(.plain(String(rest[..<start]))) }
            let url = String(candidate[..<end])
            pieces.append(isSafe(url) ? TextPiece(text: url, isLink: true, href: url, isMention: false) : .plain(url))
            rest = candidate[end...]
        }
        if !rest.isEmpty { pieces.append(.plain(String(rest))) }
        return pieces
    }
}
