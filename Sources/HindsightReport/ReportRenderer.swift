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
        var text = template.render(model)
        // Templates are easier to write with blank lines around sections; keep the output tidy.
        while text.contains("\n\n\n") { text = text.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}
