import Foundation

/// How to reach Slack: `SLACK_APP_TOKEN` (xapp-…, opens Socket Mode connections), `SLACK_BOT_TOKEN` (xoxb-…, every
/// Web API call), `SLACK_API_URL` (the Web API base; GovSlack, Enterprise Grid proxies, tests) and
/// `SLACK_CONNECTIONS` (concurrent Socket Mode connections; Slack spreads envelopes across them).
public struct SlackConfiguration: Sendable, Equatable {
    public var appToken: String
    public var botToken: String
    /// The Web API base with a trailing slash, e.g. `https://slack.com/api/`.
    public var apiURL: String
    /// 1…10 (Slack allows at most 10 per app).
    public var connections: Int
    /// How often the bot pings the socket; `keepAliveTimeout` of silence after that marks the link dead.
    public var pingInterval: Duration
    public var keepAliveTimeout: Duration
    /// A socket that has not said `hello` by then is replaced.
    public var helloTimeout: Duration
    /// Slash commands whose answer takes longer than this are acknowledged with "working on it" and answered later
    /// (Slack shows an error to the user after 3 s without an ack).
    public var commandDeadline: Duration
    /// How long `users.info` names are trusted.
    public var nameTTL: Duration
    /// Appends `&debug_reconnects=true` to socket URLs (Slack then asks for refreshes every 360 s).
    public var debugReconnects: Bool

    public init(
        appToken: String, botToken: String, apiURL: String = "https://slack.com/api/", connections: Int = 1,
        pingInterval: Duration = .seconds(10), keepAliveTimeout: Duration = .seconds(30), helloTimeout: Duration = .seconds(15),
        commandDeadline: Duration = .milliseconds(2000), nameTTL: Duration = .seconds(3600), debugReconnects: Bool = false
    ) throws(SlackConfigurationError) {
        guard appToken.hasPrefix("xapp-") else { throw .wrongToken("SLACK_APP_TOKEN", expected: "xapp-") }
        guard botToken.hasPrefix("xoxb-") else { throw .wrongToken("SLACK_BOT_TOKEN", expected: "xoxb-") }
        guard let components = URLComponents(string: apiURL), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else { throw .invalidURL(apiURL) }
        guard (1...10).contains(connections) else { throw .invalidConnections(String(connections)) }
        self.appToken = appToken
        self.botToken = botToken
        self.apiURL = apiURL.hasSuffix("/") ? apiURL : apiURL + "/"
        self.connections = connections
        self.pingInterval = pingInterval
        self.keepAliveTimeout = keepAliveTimeout
        self.helloTimeout = helloTimeout
        self.commandDeadline = commandDeadline
        self.nameTTL = nameTTL
        self.debugReconnects = debugReconnects
    }

    /// The configuration from environment variables; nil when Slack is not configured at all.
    /// - Throws: when only one token is set, a token has the wrong kind, or a value is unusable.
    public static func fromEnvironment(_ env: [String: String]) throws(SlackConfigurationError) -> SlackConfiguration? {
        func value(_ key: String) -> String? {
            guard let raw = env[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        switch (value("SLACK_APP_TOKEN"), value("SLACK_BOT_TOKEN")) {
        case (nil, nil):
            return nil
        case (_?, nil):
            throw .missing("SLACK_BOT_TOKEN", because: "SLACK_APP_TOKEN is set")
        case (nil, _?):
            throw .missing("SLACK_APP_TOKEN", because: "SLACK_BOT_TOKEN is set")
        case let (app?, bot?):
            let rawConnections = value("SLACK_CONNECTIONS") ?? "1"
            guard let connections = Int(rawConnections) else { throw .invalidConnections(rawConnections) }
            let rawPing = value("SLACK_PING_INTERVAL") ?? "10"
            guard let ping = Double(rawPing), ping >= 0.1, ping <= 300 else { throw .invalidPingInterval(rawPing) }
            let interval = Duration.milliseconds(Int64(ping * 1000))
            return try SlackConfiguration(
                appToken: app, botToken: bot, apiURL: value("SLACK_API_URL") ?? "https://slack.com/api/", connections: connections,
                pingInterval: interval, keepAliveTimeout: interval * 3, helloTimeout: interval * 3
            )
        }
    }
}

/// Why the Slack configuration cannot be used; never contains a token.
public enum SlackConfigurationError: Error, Equatable, CustomStringConvertible {
    case missing(String, because: String)
    case wrongToken(String, expected: String)
    case invalidURL(String)
    case invalidConnections(String)
    case invalidPingInterval(String)

    public var description: String {
        switch self {
        case let .missing(key, reason):
            "\(key) is not set but \(reason): set both SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (xoxb-…) to use Slack, or neither."
        case let .wrongToken(key, prefix):
            "\(key) does not start with \(prefix): the app-level token (Basic Information → App-Level Tokens, scope connections:write) starts with xapp-, the bot token (OAuth & Permissions) with xoxb-."
        case let .invalidURL(url):
            "SLACK_API_URL '\(url)' is not a usable URL: expected http(s)://host/api/, e.g. https://slack.com/api/."
        case let .invalidConnections(raw):
            "SLACK_CONNECTIONS '\(raw)' is not a number from 1 to 10 (Slack allows at most 10 Socket Mode connections per app)."
        case let .invalidPingInterval(raw):
            "SLACK_PING_INTERVAL '\(raw)' is not a number of seconds from 0.1 to 300 (default 10; a socket silent for three intervals is replaced)."
        }
    }
}
