import Foundation
import Ink
import Testing
@testable import HindsightCore

@Suite("Markdown escaping and slugs")
struct MarkdownTests {
    let md = Markdown(names: ["U123": "Alice Chen"])

    @Test("table cells keep pipes, newlines, backticks and HTML as text")
    func cells() {
        #expect(md.cell("a | b") == #"a \| b"#)
        #expect(md.cell("line 1\nline 2") == "line 1<br>line 2")
        #expect(md.cell("run `rm -rf`") == #"run \`rm -rf\`"#)
        #expect(md.cell("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(md.cell("") == " ")
    }

    @Test("control characters are dropped, other text (accents, CJK, emoji, U+00A0 and up) kept byte for byte")
    func controlsAndUnicode() {
        #expect(md.cell("a\tb\rc\u{0}d\u{1B}[31me\u{7F}f") == #"abcd\[31mef"#)
        #expect(md.cell("x\u{85}y\u{9F}z\u{A0}w") == "xyz\u{A0}w", "C1 controls go; the no-break space after them stays")
        #expect(md.cell("Zoë’s café — 東京 🚒 déploiement") == "Zoë’s café — 東京 🚒 déploiement")
        #expect(md.inline("¼ done\nnext") == "¼ done  \nnext")
    }

    @Test("text without markup keeps its angle brackets and @names as typed")
    func plainMarkup() {
        #expect(md.inline("<@U123> rolled back") == "&lt;@U123&gt; rolled back")
        #expect(md.inline("@alice paged <https://status.example.com>") == "@alice paged &lt;https://status.example.com&gt;")
        #expect(md.inline("latency < 200ms and > 100ms") == "latency &lt; 200ms and &gt; 100ms")
    }

    @Test("text that would start a list, heading or emphasis renders as typed")
    func leadingSyntax() {
        #expect(md.inline("- not a list") == #"\- not a list"#)
        #expect(md.inline("1. not a list") == #"1\. not a list"#)
        #expect(md.inline("# not a heading") == ##"\# not a heading"##)
        #expect(md.inline("*bold* _it_") == #"\*bold\* \_it\_"#)
    }

    @Test("hostile text survives a Markdown parser as text: no script element, no extra table columns")
    func hostileThroughParser() {
        let hostile = "a|b|c `x` <script>alert('x')</script> [link](javascript:alert(1)) " + String(repeating: "y", count: 10_000)
        let table = "| A | B |\n|---|---|\n| \(md.cell(hostile)) | end |\n"
        let html = MarkdownParser().html(from: table)
        #expect(!html.contains("<script"))
        #expect(!html.contains("href=\"javascript"))
        #expect(html.components(separatedBy: "<td").count - 1 == 2, "one row of two cells: \(html.prefix(300))")
        #expect(html.contains(String(repeating: "y", count: 10_000)))
    }

    @Test("slugs are safe: no traversal, no control characters, bounded, never empty", arguments: [
        ("Checkout returns 500", "checkout-returns-500"),
        ("../../etc/passwd", "etc-passwd"),
        ("Überlastung im Zahlungsdienst", "uberlastung-im-zahlungsdienst"),
        ("tab\tnew\nline\u{0}nul", "tab-new-line-nul"),
        ("🔥🔥🔥", "incident"),
        ("", "incident"),
        (String(repeating: "very long title ", count: 20), "very-long-title-very-long-title-very-long-title-very-long"),
    ])
    func slugs(_ title: String, _ expected: String) {
        let slug = ReportSlug.make(title)
        #expect(slug == expected)
        #expect(slug.count <= 60)
        #expect(slug.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }

    @Test("Mermaid labels drop the characters Mermaid's timeline syntax would misread")
    func mermaid() {
        #expect(Markdown.mermaidLabel("error rate: 40% <b>#1</b>") == "error rate 40% b 1 /b")
    }
}
