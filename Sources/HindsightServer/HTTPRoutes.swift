import Hummingbird
import NIOCore

/// Routes a module contributes to the bot's HTTP server (Mattermost slash commands, webhooks, metrics…).
public protocol HTTPRoutes: Sendable {
    /// Adds this module's routes through `routes`, which refuses any route `HTTPSurface` does not document.
    func register(on routes: RouteRegistrar)
}

/// The size limits every route shares; a body over the cap is refused with 413 before it is parsed.
public enum HTTPBodyLimit {
    /// Forms and JSON payloads from chat servers are small: 1 MiB is generous.
    public static let `default` = 1 << 20
}

/// Registers routes on the server's router and records each, so a route missing from `HTTPSurface` is found before
/// the server listens (and by a test), never served unreviewed.
public final class RouteRegistrar {
    /// What was registered, in order, as `METHOD /path`.
    public private(set) var registered: [HTTPSurface.Route] = []
    private let router: Router<BotRequestContext>

    public init(router: Router<BotRequestContext>) {
        self.router = router
    }

    /// Routes registered that `HTTPSurface.routes` has no entry for.
    public var undocumented: [HTTPSurface.Route] {
        registered.filter { HTTPSurface.entry(for: $0) == nil }
    }

    public func get(_ path: String, _ handler: @escaping @Sendable (Request, BotRequestContext) async throws -> Response) {
        registered.append(.init(method: "GET", path: "/" + path))
        router.get(RouterPath(path), use: handler)
    }

    public func post(_ path: String, _ handler: @escaping @Sendable (Request, BotRequestContext) async throws -> Response) {
        registered.append(.init(method: "POST", path: "/" + path))
        router.post(RouterPath(path), use: handler)
    }
}

/// Every route the bot's HTTP server can serve: who calls it, how the caller is authenticated, what it may change.
/// README's "HTTP surface" table is this list; a test keeps the two, and the registered routes, in step.
public enum HTTPSurface {
    /// A method and path.
    public struct Route: Hashable, Sendable, CustomStringConvertible {
        public var method: String
        public var path: String

        public init(method: String, path: String) {
            self.method = method
            self.path = path
        }

        public var description: String { "\(method) \(path)" }
    }

    /// One documented route.
    public struct Entry: Sendable {
        public var route: Route
        public var caller: String
        public var authentication: String
        public var changes: String
    }

    public static let routes: [Entry] = [
        Entry(route: Route(method: "GET", path: "/healthz"), caller: "orchestrator (liveness)", authentication: "none: says only that the process is up", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/readyz"), caller: "orchestrator (readiness)", authentication: "none: names failing checks, no data", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/metrics"), caller: "Prometheus", authentication: "none: counters only, no chat text (bind `HINDSIGHT_HTTP_HOST` to a private address or put it behind a proxy)", changes: "nothing"),
        Entry(route: Route(method: "POST", path: "/mattermost/command"), caller: "Mattermost (`/postmortem`)", authentication: "the slash command's token (`MATTERMOST_COMMAND_TOKEN`), constant-time compare", changes: "anything a `/postmortem` command does, as the user Mattermost names"),
        Entry(route: Route(method: "POST", path: "/mattermost/dialog"), caller: "Mattermost (dialog submitted)", authentication: "HMAC token in the dialog's `state` (form, channel, user, expiry; single use)", changes: "the form's incident or post-mortem draft"),
        Entry(route: Route(method: "POST", path: "/mattermost/action"), caller: "Mattermost (button clicked)", authentication: "HMAC token in the button's `context` (command, channel, user if personal, expiry)", changes: "what the button's one command does"),
        Entry(route: Route(method: "POST", path: "/webhooks/alertmanager"), caller: "Alertmanager", authentication: "`Authorization: Bearer $ALERTMANAGER_WEBHOOK_TOKEN`", changes: "adds alert events to the matching incident's timeline"),
        Entry(route: Route(method: "POST", path: "/webhooks/pagerduty"), caller: "PagerDuty v3", authentication: "`X-PagerDuty-Signature` HMAC-SHA256 of the body (`PAGERDUTY_WEBHOOK_SECRET`)", changes: "adds alert events and milestone suggestions"),
        Entry(route: Route(method: "POST", path: "/webhooks/generic"), caller: "any sender", authentication: "`X-Hindsight-Signature` HMAC-SHA256 (of `<X-Hindsight-Timestamp>.<body>` when the timestamp is sent: refused more than 5 minutes off) or bearer `GENERIC_WEBHOOK_SECRET`", changes: "adds alert events to the matching incident's timeline"),
        Entry(route: Route(method: "GET", path: "/"), caller: "a browser (web archive, `HINDSIGHT_WEB=on`)", authentication: "none: redirects to /incidents", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/web/hindsight.css"), caller: "a browser (web archive)", authentication: "none: the style sheet, no data", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/login"), caller: "a browser (web archive)", authentication: "none: the login form, no data", changes: "nothing"),
        Entry(route: Route(method: "POST", path: "/login"), caller: "a browser (web archive)", authentication: "the form's token compared in constant time with `HINDSIGHT_WEB_TOKEN`", changes: "nothing stored: sets an HttpOnly, SameSite=Strict session cookie signed with a key derived from the token"),
        Entry(route: Route(method: "POST", path: "/logout"), caller: "a browser (web archive)", authentication: "none: only clears the session cookie", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/incidents"), caller: "a reader (web archive)", authentication: "session cookie, `Authorization: Bearer $HINDSIGHT_WEB_TOKEN`, or the auth proxy's user header from `HINDSIGHT_WEB_TRUSTED_PROXIES` only", changes: "nothing (a search first brings the search index up to date)"),
        Entry(route: Route(method: "GET", path: "/incidents.json"), caller: "a script (web archive)", authentication: "as /incidents", changes: "nothing (as /incidents)"),
        Entry(route: Route(method: "GET", path: "/incidents/:id"), caller: "a reader (web archive; `<id>.json` for JSON)", authentication: "as /incidents", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/incidents/:id/report.md"), caller: "a reader (web archive)", authentication: "as /incidents", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/insights"), caller: "a reader (web archive)", authentication: "as /incidents", changes: "nothing"),
        Entry(route: Route(method: "GET", path: "/insights.json"), caller: "a script (web archive)", authentication: "as /incidents", changes: "nothing"),
    ]

    /// The documented entry for `route`, if any.
    public static func entry(for route: Route) -> Entry? {
        routes.first { $0.route == route }
    }
}

/// What every route's handler gets besides the request: Hummingbird's core context and the peer's address, which the
/// web archive needs to honour an auth proxy's header only from the proxy itself.
public struct BotRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (the proxy, when there is one), not anything a header claims.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
