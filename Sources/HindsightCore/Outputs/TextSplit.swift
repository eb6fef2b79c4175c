/// Splits text that exceeds a platform's message limit into messages that fit, never dropping a character.
public enum TextSplit {
    /// Pieces of at most `limit` Unicode scalars (Mattermost counts runes; Slack's limits are in characters, which
    /// are never more than scalars), cut at the last line break that fits, else at the last space, else exactly at the
    /// limit. Joined back they give the original text.
    public static func split(_ text: String, limit: Int) -> [String] {
        let limit = max(limit, 1)
        guard text.unicodeScalars.count > limit else { return [text] }
        var pieces: [String] = []
        var rest = Substring(text)
        while rest.unicodeScalars.count > limit {
            var count = 0
            var end = rest.startIndex
            var lastNewline: String.Index?
            var lastSpace: String.Index?
            for index in rest.indices {
                let width = rest[index].unicodeScalars.count
                if count + width > limit { break }
                count += width
                end = rest.index(after: index)
                if rest[index] == "\n" { lastNewline = end } else if rest[index] == " " { lastSpace = end }
            }
            if end == rest.startIndex { end = rest.index(after: rest.startIndex) }  // a single grapheme over the limit
            let cut = lastNewline ?? lastSpace ?? end
            pieces.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        if !rest.isEmpty { pieces.append(String(rest)) }
        return pieces
    }
}
