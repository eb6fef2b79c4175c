import Foundation

/// Turns chat text into safe Markdown: platform markup becomes readable names and links, everything else is escaped
/// so that it renders as the words people typed (no accidental emphasis, headings, tables or raw HTML).
public struct Markdown: Sendable {
    /// How the text's platform writes mentions and links.
    public var markup: any ChatMarkup
    /// Display names by platform user id, for mentions written with ids.
    public var names: [String: String]

    public init(markup: any ChatMarkup = PlainMarkup(), names: [String: String] = [:]) {
        self.markup = markup
        self.names = names
    }

    /// Inline text for a paragraph or list item: newlines are kept as line breaks.
    public func inline(_ text: String) -> String {
        render(text, newline: "  \n")
    }

    /// Text for a table cell: pipes escaped, newlines turned into `<br>`.
    public func cell(_ text: String) -> String {
        let rendered = render(text, newline: "<br>")
        return rendered.isEmpty ? " " : rendered
    }

    /// A label for a Mermaid diagram: only characters Mermaid's timeline syntax cannot misread.
    public static func mermaidLabel(_ text: String, limit: Int = 60) -> String {
        let kept = text.map { ch -> Character in
            ch.isLetter || ch.isNumber || " -.,'/%()".contains(ch) ? ch : " "
        }
        let collapsed = String(kept).split(separator: " ").joined(separator: " ")
        return collapsed.count > limit ? String(collapsed.prefix(limit - 1)) + "…" : collapsed
    }

    /// The text as people read it in chat, markup resolved, nothing escaped (for diagram labels and summaries).
    public func plain(_ text: String) -> String { markup.plain(text, names: names) }

    private func render(_ text: String, newline: String) -> String {
        let pieces = markup.pieces(text, names: names)
        // Most messages carry no markup: one piece of text.
        if pieces.count == 1, case let .text(plain) = pieces[0] { return Self.escape(plain, newline: newline) }
        return pieces.map { piece in
            switch piece {
            case let .text(plain):
                return Self.escape(plain, newline: newline)
            case let .mention(name):
                return Self.escape(name, newline: " ")
            case let .link(url, label):
                let safeURL = url.replacingOccurrences(of: " ", with: "%20").replacingOccurrences(of: "(", with: "%28")
                    .replacingOccurrences(of: ")", with: "%29").replacingOccurrences(of: "<", with: "%3C").replacingOccurrences(of: ">", with: "%3E")
                    .replacingOccurrences(of: "|", with: "%7C")
                return "[\(Self.escape(label ?? url, newline: " "))](\(safeURL))"
            }
        }.joined()
    }

    /// Whether a byte is one `escape` changes or drops (or the lead byte of a possible C1 control).
    private static func needsEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "#"), UInt8(ascii: "|"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), 0..<0x20, 0x7F, 0xC2:
            true
        default:
            false
        }
    }

    /// Backslash-escapes Markdown punctuation, entity-escapes HTML, drops control characters and replaces newlines.
    /// Works on UTF-8 bytes (grapheme or scalar iteration costs seconds over a 100,000-event timeline): everything it
    /// changes is ASCII, except the C1 controls U+0080–U+009F, which are the two bytes C2 80–C2 9F.
    static func escape(_ text: String, newline: String) -> String {
        var text = text
        let escaped: String? = text.withUTF8 { bytes in
            // Most chat lines need nothing: no byte to escape and no list, heading or sign at the start.
            if let first = bytes.first, !startsBlock(bytes), first != UInt8(ascii: "-"), first != UInt8(ascii: "+"), first != UInt8(ascii: "="),
               !bytes.contains(where: needsEscape) {
                return nil
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 8)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"),
                     UInt8(ascii: "#"), UInt8(ascii: "|"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(byte)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: newline.utf8)
                case 0..<0x20, 0x7F: continue  // C0 controls and DEL (a tab or carriage return included)
                case 0xC2 where index < bytes.count && (0x80...0x9F).contains(bytes[index]):
                    index += 1  // a C1 control
                default: out.append(byte)
                }
            }
            // A leading "1." or "-" would start a list, a leading "+" too; escape the first character (or the dot).
            if let first = out.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: "=") {
                out.insert(UInt8(ascii: "\\"), at: 0)
            } else if out.withUnsafeBufferPointer(startsBlock) {
                out.insert(UInt8(ascii: "\\"), at: out.firstIndex { !(0x30...0x39).contains($0) } ?? out.count)
            }
            // Only whole characters were dropped or inserted, so the bytes are still valid UTF-8.
            return String(decoding: out, as: UTF8.self)
        }
        return escaped ?? text
    }

    /// Whether the bytes open with digits followed by "." or ")": an ordered list item.
    private static func startsBlock(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var digits = 0
        while digits < bytes.count, (0x30...0x39).contains(bytes[digits]) { digits += 1 }
        return digits > 0 && digits < bytes.count && (bytes[digits] == UInt8(ascii: ".") || bytes[digits] == UInt8(ascii: ")"))
    }
}

/// File names for reports: `YYYY-MM-DD-<slug>.md`, safe on every file system and in URLs.
public enum ReportSlug {
    /// Lower-case ASCII letters, digits and single dashes, at most `limit` characters; "incident" when nothing is left.
    public static func make(_ title: String, limit: Int = 60) -> String {
        var slug = ""
        var dash = false
        for scalar in title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                if dash, !slug.isEmpty { slug.append("-") }
                slug.unicodeScalars.append(scalar)
                dash = false
            } else {
                dash = true
            }
            if slug.count > limit { break }
        }
        if slug.count > limit {
            // Cut at a word boundary when one is near, so the slug does not end in half a word.
            slug = String(slug.prefix(limit))
            if let dash = slug.lastIndex(of: "-"), slug.distance(from: slug.startIndex, to: dash) >= limit / 2 { slug = String(slug[..<dash]) }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "incident" : slug
    }

    /// `docs/post-mortems/2026-11-22-checkout-returns-500.md` for an incident started on that day (UTC).
    public static func path(for incident: Incident) -> String {
        "docs/post-mortems/\(UTCFormat.day(incident.startedAt))-\(make(incident.title)).md"
    }
}
