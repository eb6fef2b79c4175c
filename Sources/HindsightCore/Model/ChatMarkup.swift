/// A piece of message text once the platform's markup is read: plain text, a mention as people see it ("@Alice Chen",
/// "#ops"), or a link with its label.
public enum MarkupPiece: Sendable, Equatable {
    case text(String)
    case mention(String)
    case link(url: String, label: String?)
}

/// How a platform writes mentions and links inside message text. The core reads text through it (the report, the
/// blameless check, action owners) and never parses a platform's syntax itself; each adapter supplies its own.
public protocol ChatMarkup: Sendable {
    /// The text split into plain text, mentions and links; `names` are display names by platform user id.
    func pieces(_ text: String, names: [String: String]) -> [MarkupPiece]
    /// Whether `word`, as typed, mentions someone.
    func isMention(_ word: String) -> Bool
    /// How a handle typed into a form field is written so that the platform mentions that person.
    func mention(handle: String) -> String
    /// Whether a person picked in a form (answered with their platform user id) can be written as a mention of them
    /// (`mention(handle:)` of the id); where not, forms ask for a typed @name instead.
    var mentionsByID: Bool { get }
}

extension ChatMarkup {
    public var mentionsByID: Bool { false }
}

extension ChatMarkup {
    /// The text as people read it in chat: mentions by name, links by label.
    public func plain(_ text: String, names: [String: String] = [:]) -> String {
        pieces(text, names: names).map { piece in
            switch piece {
            case let .text(plain): plain
            case let .mention(name): name
            case let .link(url, label): label ?? url
            }
        }.joined()
    }
}

/// Text with no markup of its own: `@name` is a mention as typed (Mattermost, the console, webhooks).
public struct PlainMarkup: ChatMarkup {
    public init() {}

    public func pieces(_ text: String, names: [String: String]) -> [MarkupPiece] { [.text(text)] }

    public func isMention(_ word: String) -> Bool { word.hasPrefix("@") && word.count > 1 }

    public func mention(handle: String) -> String { handle.hasPrefix("@") ? handle : "@" + handle }
}
