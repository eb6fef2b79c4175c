import Foundation

/// How to reach a Mattermost server: from `MATTERMOST_URL`, `MATTERMOST_TOKEN`, `MATTERMOST_COMMAND_TOKEN`,
/// `HINDSIGHT_PUBLIC_URL` (where Mattermost reaches the bot for dialogs and buttons) and, rarely,
/// `MATTERMOST_WEBSOCKET_URL` (a proxy that serves the socket elsewhere).
public struct MattermostConfiguration: Sendable, Equatable {
    /// The server's base URL without a trailing slash, e.g. `https://chat.example.com`.
    public var serverURL: String
    /// The bot account's access token (sent as `Authorization: Bearer`).
    public var token: String
    /// The token Mattermost sends with `/postmortem`; nil refuses every slash command.
    public var commandToken: String?
    /// The bot's public base URL (dialog and button callbacks); nil disables dialogs and buttons.
    public var publicURL: String?
    /// The WebSocket URL, derived from `serverURL` (`ws`/`wss` by scheme) unless set explicitly.
    public var webSocketURL: String
    /// The server's post length limit.
    public var maxPostLength: Int
    /// How often the client `ping` action is sent; a ping left unanswered for this long replaces the socket.
    public var pingInterval: Duration

    /// Creates a configuration; `webSocketURL` defaults to `<ws|wss>://host/api/v4/websocket`.
    public init(
        serverURL: String, token: String, commandToken: String? = nil, publicURL: String? = nil,
        webSocketURL: String? = nil, maxPostLength: Int = 16_383, pingInterval: Duration = .seconds(30)
    ) throws(MattermostConfigurationError) {
        let trimmed = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw .invalidURL(serverURL) }
        self.serverURL = trimmed
        self.token = token
        self.commandToken = commandToken
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.webSocketURL = webSocketURL ?? (scheme == "https" ? "wss" : "ws") + trimmed.dropFirst(scheme.count) + "/api/v4/websocket"
        self.maxPostLength = maxPostLength
        self.pingInterval = pingInterval
    }

    /// The configuration from environment variables; nil when Mattermost is not configured at all.
    /// - Throws: when only one of `MATTERMOST_URL` / `MATTERMOST_TOKEN` is set or the URL is not http(s).
    public static func fromEnvironment(_ env: [String: String]) throws(MattermostConfigurationError) -> MattermostConfiguration? {
        func value(_ key: String) -> String? {
            guard let raw = env[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        switch (value("MATTERMOST_URL"), value("MATTERMOST_TOKEN")) {
        case (nil, nil):
            return nil
        case (_?, nil):
            throw .missing("MATTERMOST_TOKEN", because: "MATTERMOST_URL is set")
        case (nil, _?):
            throw .missing("MATTERMOST_URL", because: "MATTERMOST_TOKEN is set")
        case let (url?, token?):
            return try MattermostConfiguration(
                serverURL: url, token: token, commandToken: value("MATTERMOST_COMMAND_TOKEN"), publicURL: value("HINDSIGHT_PUBLIC_URL"),
                webSocketURL: value("MATTERMOST_WEBSOCKET_URL")
            )
        }
    }
}

/// Why the Mattermost configuration cannot be used.
public enum MattermostConfigurationError: Error, Equatable, CustomStringConvertible {
    case missing(String, because: String)
    case invalidURL(String)

    public var description: String {
        switch self {
        case let .missing(key, reason):
            "\(key) is not set but \(reason): set both MATTERMOST_URL and MATTERMOST_TOKEN to use Mattermost, or neither."
        case let .invalidURL(url):
            "MATTERMOST_URL '\(url)' is not a usable URL: expected http(s)://host[:port], e.g. https://chat.example.com."
        }
    }
}
