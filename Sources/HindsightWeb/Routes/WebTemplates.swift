import Mustache

/// The archive's pages as Mustache templates (`Prompts/web/*.mustache`, editable without recompiling) and its one
/// style sheet. `{{…}}` escapes HTML (&, <, >, " and '), so chat text placed with it can never become markup; the
/// templates may use no triple mustaches (a template that does is refused).
public struct WebTemplates: Sendable {
    /// The template names the archive renders, each `web/<name>.mustache`.
    public static let names = ["layout", "incidents", "incident", "insights", "login"]
    /// The files it reads from `Prompts/`.
    public static var files: [String] { names.map { "web/\($0).mustache" } + ["web/hindsight.css"] }

    private let library: MustacheLibrary
    public let css: String

    /// Compiles the templates; `text(file)` returns a file of `Prompts/` (`files` lists them).
    public init(text: (String) throws -> String) throws {
        var library = MustacheLibrary()
        for name in Self.names {
            let template = try text("web/\(name).mustache")
            // Chat text is hostile: an edited template may not place anything unescaped.
            if let line = template.split(separator: "\n", omittingEmptySubsequences: false).firstIndex(where: { $0.contains("{{{") || $0.contains("{{&") }) {
                throw WebTemplateError(file: "web/\(name).mustache", reason: "\(line + 1): {{{…}}} and {{&…}} place text unescaped, and chat text is hostile; use {{…}}")
            }
            do {
                try library.register(template, named: name)
            } catch let error as MustacheTemplate.ParserError {
                throw WebTemplateError(file: "web/\(name).mustache", reason: "\(error.context.lineNumber): \(error.error)")
            }
        }
        self.library = library
        css = try text("web/hindsight.css")
    }

    /// The page `name` for `screen`.
    func render(_ screen: Any, _ name: String) -> String {
        library.render(screen, withTemplate: name) ?? ""
    }
}

/// A web template that does not compile, with where.
public struct WebTemplateError: Error, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "Prompts/\(file) cannot be used as a page template (line \(reason)); fix it or remove the override." }
}
