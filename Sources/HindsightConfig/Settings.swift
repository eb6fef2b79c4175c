import Foundation

/// The bot's own settings (adapters read theirs from the same `SettingsSource`), validated at start.
public struct Settings: Sendable, Equatable {
    /// How hard SQLite works to keep commits across power loss.
    public enum Synchronous: String, Sendable, Equatable { case normal = "NORMAL", full = "FULL" }

    public var databasePath: String
    public var synchronous: Synchronous
    public var promptsPath: String?
    public var timeZone: TimeZone
    public var logLevel: String
    public var logFormat: LogFormat
    public var filesDirectory: String
    public var reportsDirectory: String
    public var stakeholderChannels: [String]
    public var httpHost: String
    public var httpPort: Int
    /// Whether each incident gets a live card, pinned and edited in place, in its channel.
    public var liveCard: Bool
    /// The name pattern of incidents' own channels when `start … --channel` may create them; nil: off.
    public var incidentChannelPattern: String?
    /// Whether the bot's HTTP server also serves the web archive (`/incidents`, `/insights`).
    public var web: Bool
    /// Seconds after which a reply held in the outbox but not posted is posted by the scheduler's process.
    public var replyRetryAfter: TimeInterval

    /// One documented setting: its name (the environment variable), default, meaning, and whether it is a secret.
    public struct Entry: Sendable {
        public var defaultValue: String?
        public var help: String
        public var secret: Bool
    }

    /// Every setting Hindsight reads, documented once: the README table and the example YAML follow it.
    public static let catalog: [String: Entry] = [
        "HINDSIGHT_DB": Entry(defaultValue: "./hindsight.sqlite", help: "the SQLite file (WAL mode), or a PostgreSQL database as postgres://user@host:5432/name?sslmode=… (every command but backup, which is pg_dump's, and the web archive: see README, PostgreSQL)", secret: false),
        "HINDSIGHT_DB_PASSWORD": Entry(defaultValue: nil, help: "the PostgreSQL password when HINDSIGHT_DB is a postgres:// URL (best from a file: HINDSIGHT_DB_PASSWORD_FILE)", secret: true),
        "HINDSIGHT_DB_SYNCHRONOUS": Entry(defaultValue: "normal", help: "normal (survives a process crash) or full (also power loss)", secret: false),
        "HINDSIGHT_PROMPTS": Entry(defaultValue: nil, help: "a folder whose files override the built-in Prompts/ one by one (hindsight prompts export writes them all)", secret: false),
        "HINDSIGHT_TIMEZONE": Entry(defaultValue: "UTC", help: "zone for times typed as 14:05; storage is always UTC", secret: false),
        "HINDSIGHT_LOG_LEVEL": Entry(defaultValue: "info", help: "trace, debug, info, notice, warning, error or critical", secret: false),
        "HINDSIGHT_LOG_FORMAT": Entry(defaultValue: "text", help: "text (for a terminal) or json (one object per line, for log pipelines)", secret: false),
        "HINDSIGHT_FILES_DIR": Entry(defaultValue: "./hindsight-files", help: "where the console saves replies that come as files", secret: false),
        "HINDSIGHT_REPORTS_DIR": Entry(defaultValue: ".", help: "root under which reports are saved as docs/post-mortems/YYYY-MM-DD-slug.md", secret: false),
        "HINDSIGHT_STAKEHOLDER_CHANNELS": Entry(defaultValue: nil, help: "channel ids that get every published report, comma-separated", secret: false),
        "HINDSIGHT_CARD": Entry(defaultValue: "on", help: "on: each incident gets a card in its channel, pinned and edited in place as it changes; off: none (/postmortem status shows it)", secret: false),
        "HINDSIGHT_INCIDENT_CHANNELS": Entry(defaultValue: "off", help: "on: /postmortem start … --channel creates a channel of its own for the incident (needs the platform's channel permissions); off: none", secret: false),
        "HINDSIGHT_CHANNEL_NAME": Entry(defaultValue: "inc-{date}-{slug}", help: "the name of an incident's own channel: {date} is YYYYMMDD (UTC), {slug} the title's words", secret: false),
        "HINDSIGHT_WEB": Entry(defaultValue: "off", help: "on: the bot's HTTP server also serves the read-only web archive (/incidents, /insights); needs HINDSIGHT_WEB_TOKEN or HINDSIGHT_WEB_TRUSTED_PROXIES", secret: false),
        "HINDSIGHT_WEB_TOKEN": Entry(defaultValue: nil, help: "the archive's access token (16+ characters): typed into its login form, or sent as Authorization: Bearer", secret: true),
        "HINDSIGHT_WEB_TRUSTED_PROXIES": Entry(defaultValue: nil, help: "addresses of an auth proxy (oauth2-proxy) whose user header is believed, e.g. 10.0.0.5,fd00::/8", secret: false),
        "HINDSIGHT_WEB_USER_HEADER": Entry(defaultValue: "X-Forwarded-User", help: "the header the trusted proxy names the signed-in user in", secret: false),
        "HINDSIGHT_HTTP_HOST": Entry(defaultValue: "0.0.0.0", help: "address the bot's HTTP server binds (127.0.0.1 behind a proxy)", secret: false),
        "HINDSIGHT_HTTP_PORT": Entry(defaultValue: "8080", help: "port of the bot's HTTP server (slash commands, webhooks, health)", secret: false),
        "HINDSIGHT_REPLY_RETRY": Entry(defaultValue: "60", help: "seconds after which a reply the bot stored but did not post (its process died, the chat server refused it) is posted by the process running the scheduler (1–3600)", secret: false),
        "HINDSIGHT_CALLBACK_SECRET": Entry(defaultValue: nil, help: "key that signs Mattermost button and dialog callbacks (16+ characters); default: generated once and kept in the database", secret: true),
        "HINDSIGHT_PUBLIC_URL": Entry(defaultValue: nil, help: "the URL the chat server reaches the bot at (dialogs, buttons)", secret: false),
        "SLACK_APP_TOKEN": Entry(defaultValue: nil, help: "Slack app-level token (xapp-…, connections:write)", secret: true),
        "SLACK_BOT_TOKEN": Entry(defaultValue: nil, help: "Slack bot token (xoxb-…)", secret: true),
        "SLACK_API_URL": Entry(defaultValue: "https://slack.com/api/", help: "Slack Web API base (GovSlack, Enterprise, tests)", secret: false),
        "SLACK_CONNECTIONS": Entry(defaultValue: "1", help: "concurrent Socket Mode connections (1–10)", secret: false),
        "SLACK_PING_INTERVAL": Entry(defaultValue: "10", help: "seconds between the bot's websocket pings; a socket silent for 3× this is replaced", secret: false),
        "GITHUB_TOKEN": Entry(defaultValue: nil, help: "token that may create issues in GITHUB_REPO (action items)", secret: true),
        "GITHUB_REPO": Entry(defaultValue: nil, help: "owner/name of the repository for action-item issues", secret: false),
        "GITHUB_API_URL": Entry(defaultValue: "https://api.github.com", help: "GitHub API base (GitHub Enterprise, tests)", secret: false),
        "GITLAB_URL": Entry(defaultValue: nil, help: "GitLab base URL, e.g. https://gitlab.example.com", secret: false),
        "GITLAB_TOKEN": Entry(defaultValue: nil, help: "GitLab token with the api scope", secret: true),
        "GITLAB_PROJECT": Entry(defaultValue: nil, help: "group/project (or numeric id) for action-item issues", secret: false),
        "JIRA_URL": Entry(defaultValue: nil, help: "Jira base URL, e.g. https://example.atlassian.net", secret: false),
        "JIRA_EMAIL": Entry(defaultValue: nil, help: "the Jira account's email (basic auth with JIRA_TOKEN)", secret: false),
        "JIRA_TOKEN": Entry(defaultValue: nil, help: "Jira API token", secret: true),
        "JIRA_PROJECT": Entry(defaultValue: nil, help: "Jira project key for action-item tasks", secret: false),
        "HINDSIGHT_ASSIGNEES": Entry(defaultValue: nil, help: "chat owner → tracker user, e.g. @alice=alice-gh,@bob=bob", secret: false),
        "ALERTMANAGER_WEBHOOK_TOKEN": Entry(defaultValue: nil, help: "bearer token Alertmanager sends to /webhooks/alertmanager", secret: true),
        "PAGERDUTY_WEBHOOK_SECRET": Entry(defaultValue: nil, help: "PagerDuty v3 webhook signing secret for /webhooks/pagerduty", secret: true),
        "GENERIC_WEBHOOK_SECRET": Entry(defaultValue: nil, help: "HMAC secret (X-Hindsight-Signature: sha256=…) or bearer token for /webhooks/generic", secret: true),
        "HINDSIGHT_SIGNAL_ROUTES": Entry(defaultValue: nil, help: "label routes for alerts, e.g. service=checkout>mattermost:<channel id>; …", secret: false),
        "PROMETHEUS_URL": Entry(defaultValue: nil, help: "Prometheus base URL for /postmortem metrics, e.g. http://prometheus:9090", secret: false),
        "PROMETHEUS_TOKEN": Entry(defaultValue: nil, help: "bearer token for Prometheus, when it needs one", secret: true),
        "MATTERMOST_URL": Entry(defaultValue: nil, help: "Mattermost server URL, e.g. https://chat.example.com", secret: false),
        "MATTERMOST_TOKEN": Entry(defaultValue: nil, help: "Mattermost bot access token", secret: true),
        "MATTERMOST_WEBSOCKET_URL": Entry(defaultValue: nil, help: "WebSocket URL when not ws(s)://<MATTERMOST_URL host>/api/v4/websocket", secret: false),
        "MATTERMOST_COMMAND_TOKEN": Entry(defaultValue: nil, help: "token Mattermost sends with /postmortem", secret: true),
    ]

    /// Reads and validates the bot's settings from `source`.
    public init(_ source: SettingsSource) throws(SettingsError) {
        func value(_ key: String) -> String { source[key] ?? Self.catalog[key]?.defaultValue ?? "" }
        /// An on/off setting (`on`, `true`, `1`, `yes` or their opposites).
        func flag(_ key: String) throws(SettingsError) -> Bool {
            switch value(key).lowercased() {
            case "on", "true", "1", "yes": true
            case "off", "false", "0", "no": false
            default: throw SettingsError(key: key, value: value(key), expected: "on or off")
            }
        }
        databasePath = value("HINDSIGHT_DB")
        guard let sync = Synchronous(rawValue: value("HINDSIGHT_DB_SYNCHRONOUS").uppercased()) else {
            throw SettingsError(key: "HINDSIGHT_DB_SYNCHRONOUS", value: value("HINDSIGHT_DB_SYNCHRONOUS"), expected: "normal or full")
        }
        synchronous = sync
        promptsPath = source["HINDSIGHT_PROMPTS"]
        // UTC and GMT map to the fixed-offset zone, which needs no ICU lookups (see Calendar.utc).
        let zoneName = value("HINDSIGHT_TIMEZONE")
        guard let zone = ["UTC", "GMT", "Z"].contains(zoneName.uppercased()) ? TimeZone.gmt : TimeZone(identifier: zoneName) else {
            throw SettingsError(key: "HINDSIGHT_TIMEZONE", value: value("HINDSIGHT_TIMEZONE"), expected: "an IANA time zone such as UTC or Europe/Berlin")
        }
        timeZone = zone
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(value("HINDSIGHT_LOG_LEVEL").lowercased()) else {
            throw SettingsError(key: "HINDSIGHT_LOG_LEVEL", value: value("HINDSIGHT_LOG_LEVEL"), expected: "one of " + levels.joined(separator: ", "))
        }
        logLevel = value("HINDSIGHT_LOG_LEVEL").lowercased()
        guard let format = LogFormat(rawValue: value("HINDSIGHT_LOG_FORMAT").lowercased()) else {
            throw SettingsError(key: "HINDSIGHT_LOG_FORMAT", value: value("HINDSIGHT_LOG_FORMAT"), expected: "text or json")
        }
        logFormat = format
        filesDirectory = value("HINDSIGHT_FILES_DIR")
        reportsDirectory = value("HINDSIGHT_REPORTS_DIR")
        stakeholderChannels = value("HINDSIGHT_STAKEHOLDER_CHANNELS").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        httpHost = value("HINDSIGHT_HTTP_HOST")
        guard let port = Int(value("HINDSIGHT_HTTP_PORT")), (0...65_535).contains(port) else {
            throw SettingsError(key: "HINDSIGHT_HTTP_PORT", value: value("HINDSIGHT_HTTP_PORT"), expected: "a port number from 0 to 65535")
        }
        httpPort = port
        guard let retry = Int(value("HINDSIGHT_REPLY_RETRY")), (1...3600).contains(retry) else {
            throw SettingsError(key: "HINDSIGHT_REPLY_RETRY", value: value("HINDSIGHT_REPLY_RETRY"), expected: "seconds from 1 to 3600")
        }
        replyRetryAfter = TimeInterval(retry)
        liveCard = try flag("HINDSIGHT_CARD")
        web = try flag("HINDSIGHT_WEB")
        incidentChannelPattern = nil
        if try flag("HINDSIGHT_INCIDENT_CHANNELS") {
            let pattern = value("HINDSIGHT_CHANNEL_NAME")
            guard pattern.contains("{slug}") || pattern.contains("{date}") else {
                throw SettingsError(key: "HINDSIGHT_CHANNEL_NAME", value: pattern, expected: "a name with {date} and/or {slug}, e.g. inc-{date}-{slug}")
            }
            incidentChannelPattern = pattern
        }
    }

    /// The values of every secret setting that is set (tokens, passwords): what a log line must never contain.
    public static func secretValues(_ source: SettingsSource) -> [String] {
        // A password written into the database URL is as secret as HINDSIGHT_DB_PASSWORD.
        let url = source["HINDSIGHT_DB"].flatMap { URLComponents(string: $0) }
        let inURL = [url?.percentEncodedPassword, url?.password].compactMap { $0 }
        return catalog.filter(\.value.secret).keys.compactMap { source[$0] } + inURL.filter { !$0.isEmpty }
    }

    /// The effective settings as `NAME=value  (origin)` lines, secrets masked, for `hindsight config`.
    public static func describe(_ source: SettingsSource) -> [String] {
        catalog.keys.sorted().map { key in
            let entry = catalog[key]!
            if let value = source[key] {
                var shown = entry.secret ? "•••• (\(value.count) characters)" : value
                if let password = URLComponents(string: value)?.percentEncodedPassword, !password.isEmpty, !entry.secret {
                    shown = value.replacingOccurrences(of: ":\(password)@", with: ":••••@")
                }
                return "\(key)=\(shown)  (\(source.origins[key] ?? "?"))"
            }
            return "\(key)=\(entry.defaultValue ?? "")  (default)  — \(entry.help)"
        }
    }
}
