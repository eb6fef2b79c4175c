import Hummingbird

/// Routes a module contributes to the bot's HTTP server (Mattermost slash commands, webhooks, metrics…).
public protocol HTTPRoutes: Sendable {
    /// Adds this module's routes to `router`.
    func register(on router: Router<BasicRequestContext>)
}

/// The size limits every route shares; a body over the cap is refused with 413 before it is parsed.
public enum HTTPBodyLimit {
    /// Forms and JSON payloads from chat servers are small: 1 MiB is generous.
    public static let `default` = 1 << 20
}
