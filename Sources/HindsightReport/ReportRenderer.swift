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
        // than one blank line in a row).
        var text = String.UnicodeScalarView()
        text.reserveCapacity(rendered.unicodeScalars.count)
        var newlines = 0
        for scalar in rendered.unicodeScalars {
            if scalar == "\n" {
                newlines += 1
                if newlines > 2 { continue }
            } else {
                newlines = 0
            }
            text.append(scalar)
        }
        let result = String(text)
        return result.hasSuffix("\n") ? result : result + "\n"
    }
}
