import Mustache

/// The archive's pages as Mustache templates (`Prompts/web/*.mustache`, editable without recompiling) and its one
/// style sheet. `{{…}}` escapes HTML (&, <, >, " and '), so chat text placed with it can never become markup; the
/// templates use no triple mustaches.
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
            do {
                try library.register(try text("web/\(name).mustache"), named: name)
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
    public var description: String { "Prompts/\(file) is not a valid Mustache template (line \(reason)); fix it or remove the override." }
}
