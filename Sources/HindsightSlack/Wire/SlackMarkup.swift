import HindsightCore

/// Slack's markup in message text: `<@U123>` and `<@U123|name>` mention people, `<#C123|name>` channels, `<!here>` and
/// `<!subteam^S1|@oncall>` groups, `<https://…|label>` links; anything else in angle brackets stays text.
public struct SlackMarkup: ChatMarkup {
    public init() {}

    public func pieces(_ text: String, names: [String: String]) -> [MarkupPiece] {
        // Most messages carry no markup: no need to split them.
        guard text.utf8.contains(UInt8(ascii: "<")) else { return [.text(text)] }
        var out: [MarkupPiece] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let inner = rest[rest.index(after: open)..<close]
            guard let piece = markup(inner, names: names) else {
                out.append(.text(String(rest[...open])))
                rest = rest[rest.index(after: open)...]
                continue
            }
            out.append(.text(String(rest[..<open])))
            out.append(piece)
            rest = rest[rest.index(after: close)...]
        }
        out.append(.text(String(rest)))
        return out
    }

    public func isMention(_ word: String) -> Bool {
        (word.hasPrefix("<@") && word.hasSuffix(">")) || PlainMarkup().isMention(word)
    }

    /// A Slack user id picked in a modal's user select becomes `<@U123>`.
    public func mention(handle: String) -> String { handle.hasPrefix("<@") ? handle : "<@\(handle)>" }

    /// `<@U123>` is how Slack writes a mention: a picked user's id is one.
    public var mentionsByID: Bool { true }

    private func markup(_ inner: Substring, names: [String: String]) -> MarkupPiece? {
        let parts = inner.split(separator: "|", maxSplits: 1).map(String.init)
        guard let target = parts.first, !target.isEmpty, !target.contains(" ") || parts.count == 2 else { return nil }
        let label = parts.count == 2 ? parts[1] : nil
        if target.hasPrefix("@") {
            let id = String(target.dropFirst())
            return .mention("@" + (label ?? names[id] ?? id))
        }
        if target.hasPrefix("#") { return .mention("#" + (label ?? String(target.dropFirst()))) }
        if target.hasPrefix("!") { return .mention("@" + (label ?? String(target.dropFirst()).split(separator: "^").first.map(String.init) ?? "")) }
        if target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("mailto:") {
            return .link(url: target, label: label)
        }
        return nil
    }
}
