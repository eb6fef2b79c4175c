/// The core writes replies in Markdown; Slack reads mrkdwn. Converts the constructs the bot's messages use —
/// `**bold**`, `[label](url)`, `#` headings, `- ` bullets — and escapes `&`, `<`, `>` as Slack requires, while Slack's
/// own markup that came from users (`<@U…>`, `<#C…|name>`, `<!here>`, `<https://…|label>`) passes through. Code
/// spans and blocks are left as they are (Slack shows them verbatim too).
enum SlackText {
    static func mrkdwn(_ markdown: String) -> String {
        var inFence = false
        return markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("```") {
                inFence.toggle()
                return escape(line)
            }
            return inFence ? escape(line) : convert(line)
        }.joined(separator: "\n")
    }

    private static func convert(_ line: Substring) -> String {
        var text = line
        var prefix = ""
        if let heading = text.firstIndex(where: { $0 != "#" }), heading != text.startIndex, text[heading] == " ",
           text.distance(from: text.startIndex, to: heading) <= 6 {
            return "*" + inline(text[text.index(after: heading)...]) + "*"
        }
        if text.hasPrefix("- ") || text.hasPrefix("* ") {
            prefix = "• "
            text = text.dropFirst(2)
        }
        return prefix + inline(text)
    }

    /// Inline conversion outside code spans.
    private static func inline(_ text: Substring) -> String {
        var out = ""
        var rest = text
        while !rest.isEmpty {
            let c = rest.first!
            if c == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                out += escape(rest[...end])
                rest = rest[rest.index(after: end)...]
            } else if c == "*", rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
                out += "*" + inline(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]) + "*"
                rest = rest[end.upperBound...]
            } else if c == "[", let link = markdownLink(rest) {
                out += "<" + link.url + "|" + escape(link.label).replacingOccurrences(of: "|", with: "¦") + ">"
                rest = link.rest
            } else if c == "<", let end = rest.firstIndex(of: ">"), isSlackMarkup(rest[rest.index(after: rest.startIndex)..<end]) {
                out += rest[...end]
                rest = rest[rest.index(after: end)...]
            } else {
                out += escape(rest.prefix(1))
                rest = rest.dropFirst()
            }
        }
        return out
    }

    private static func markdownLink(_ text: Substring) -> (label: Substring, url: String, rest: Substring)? {
        guard let close = text.firstIndex(of: "]") else { return nil }
        let afterClose = text.index(after: close)
        guard afterClose < text.endIndex, text[afterClose] == "(", let end = text[afterClose...].firstIndex(of: ")") else { return nil }
        let url = text[text.index(after: afterClose)..<end]
        guard url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("mailto:"), !url.contains(" "), !url.contains(">") else { return nil }
        return (text[text.index(after: text.startIndex)..<close], String(url).replacingOccurrences(of: "|", with: "%7C"), text[text.index(after: end)...])
    }

    /// `@U…`, `#C…`, `!here`-style, or a link: Slack's own markup (which users' text may carry).
    private static func isSlackMarkup(_ inside: Substring) -> Bool {
        guard let first = inside.first, !inside.contains("<"), !inside.contains(" ") || inside.contains("|") else { return false }
        switch first {
        case "@", "#", "!": return inside.count > 1
        default: return inside.hasPrefix("http://") || inside.hasPrefix("https://") || inside.hasPrefix("mailto:")
        }
    }

    static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }
}
