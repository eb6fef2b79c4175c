import HindsightCore

/// A failed Web API call. Slack answers most failures with HTTP 200 and `{"ok":false,"error":"…"}`; those keep the
/// error code (match on it, never on text) and, for `missing_scope`, the scope Slack says is `needed`.
public enum SlackAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    case api(method: String, code: String, needed: String?)
    /// HTTP 429 still returned after the allowed retries.
    case rateLimited(method: String)
    /// A non-200 status (5xx after retries, or an unexpected 4xx).
    case http(method: String, status: Int)
    /// No HTTP response (DNS, TCP, TLS, timeout).
    case transport(method: String, detail: String)
    /// The response was not the JSON Slack documents.
    case unexpectedResponse(method: String, detail: String)

    /// The Slack error code, for `ok:false` answers.
    public var code: String? {
        if case let .api(_, code, _) = self { return code }
        return nil
    }

    /// Whether the same request may succeed later: no answer, rate limited, or a server error.
    var isTransient: Bool {
        switch self {
        case .transport, .rateLimited: true
        case let .http(_, status): status >= 500
        default: false
        }
    }

    /// For logs and startup errors; never contains a token.
    public var description: String {
        switch self {
        case let .api(method, code, needed):
            "Slack \(method) failed: \(code)\(needed.map { " (needs scope \($0))" } ?? "")\(Self.hint(code).map { ": \($0)" } ?? "")"
        case .rateLimited(let method): "Slack kept answering 429 (rate limited) to \(method) after retries."
        case let .http(method, status): "Slack answered HTTP \(status) to \(method)."
        case let .transport(method, detail): "Could not reach Slack for \(method): \(detail)."
        case let .unexpectedResponse(method, detail): "Slack sent an unexpected response to \(method): \(detail)."
        }
    }

    /// What an operator should do about the error codes that need a person.
    static func hint(_ code: String) -> String? {
        switch code {
        case "not_authed", "invalid_auth": "check the token (SLACK_BOT_TOKEN is the xoxb- bot token, SLACK_APP_TOKEN the xapp- app-level token)"
        case "token_revoked", "token_expired", "account_inactive": "the token was revoked: reinstall the app and set the new token"
        case "not_allowed_token_type": "this call needs the other token type (xapp- for apps.connections.open, xoxb- for the rest)"
        case "missing_scope": "add the scope in Deploy/slack/manifest.yaml, update the app and reinstall it"
        case "not_in_channel": "invite the bot to the channel with /invite @hindsight"
        case "channel_not_found": "the channel does not exist or the bot cannot see it (invite it to private channels)"
        case "is_archived": "the channel is archived"
        default: nil
        }
    }

    /// True for errors no retry can fix: the request itself is refused.
    var isPermanent: Bool {
        if case .api = self { return true }
        return false
    }

    /// The sentence shown in chat when a reply could not be delivered (from `Prompts/messages.yaml`).
    public func userFacingText(_ messages: MessageCatalog) -> String {
        switch self {
        case .api(_, "not_in_channel", _): messages.render(SlackMessageKey.notInChannel)
        case .api(_, "channel_not_found", _): messages.render(SlackMessageKey.channelNotFound)
        case .api(_, "missing_scope", let needed): messages.render(SlackMessageKey.missingScope, ["scope": needed ?? "required"])
        case .api(_, "is_archived", _): messages.render(SlackMessageKey.archived)
        case .rateLimited, .api(_, "ratelimited", _): messages.render(SlackMessageKey.rateLimited)
        default: messages.render(SlackMessageKey.failed, ["reason": description])
        }
    }
}
