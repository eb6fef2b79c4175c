import HindsightCore
import Mustache

/// Renders the report model with a Mustache template (`Prompts/report.mustache`). Values arrive already
/// Markdown-escaped, so templates use triple mustaches (`{{{summary}}}`) to place them as they are.
public struct ReportRenderer: Sendable {
    private let template: MustacheTemplate

    /// Compiles `template`; a syntax error is thrown with the position Mustache reports.
    public init(template: String) throws {
        self.template = try MustacheTemplate(string: template)
    }

    public func render(_ model: ReportModel) -> String {
        let rendered = template.render(model)
        // Templates are easier to write with blank lines around sections; keep the output tidy (one pass: no more
        // than one blank line in a row). Over UTF-8 bytes: a newline byte is never part of a longer character, and
        // scalar iteration took 0.6 s of the 0.7 s this rendering cost on a 100,000-event report.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rendered.utf8.count)
        var newlines = 0
        for byte in rendered.utf8 {
            if byte == UInt8(ascii: "\n") {
                newlines += 1
                if newlines > 2 { continue }
            } else {
                newlines = 0
            }
            bytes.append(byte)
        }
        let result = String(decoding: bytes, as: UTF8.self)
        return result.hasSuffix("\n") ? result : result + "\n"
    }
}
