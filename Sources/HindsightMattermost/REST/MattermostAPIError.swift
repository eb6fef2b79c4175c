import Foundation
import HindsightCore

/// A failed Mattermost REST call, decoded from `{id, message, status_code}` (match on `id`, never on `message`).
public enum MattermostAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: the token is wrong, expired or revoked.
    case unauthorized(id: String)
    /// 403: the bot lacks a permission (not a channel member, cannot pin…).
    case forbidden(id: String)
    /// 404: the channel, post or user does not exist (or the bot cannot see it).
    case notFound(id: String)
    /// 429 still returned after the allowed retries.
    case rateLimited
    /// Another status, with the server's error id when it sent one.
    case failed(status: Int, id: String)
    /// No HTTP response (DNS, TCP, TLS, timeout).
    case transport(String)
    /// The response was not the JSON the API documents.
    case unexpectedResponse(String)

    /// Builds the error for a non-success response.
    init(response: MattermostHTTPResponse) {
        let id = (try? SafeJSON.decode(MattermostErrorBody.self, from: response.body))?.id ?? ""
        switch response.status {
        case 401: self = .unauthorized(id: id)
        case 403: self = .forbidden(id: id)
        case 404: self = .notFound(id: id)
        case 429: self = .rateLimited
        default: self = .failed(status: response.status, id: id)
        }
    }

    /// For logs and startup errors; never contains the token.
    public var description: String {
        switch self {
        case .unauthorized(let id): "Mattermost rejected the bot's token (401 \(id)): check MATTERMOST_TOKEN is a valid bot or personal access token."
        case .forbidden(let id): "Mattermost refused the request (403 \(id)): the bot lacks a permission or is not a member of the channel."
        case .notFound(let id): "Mattermost did not find it (404 \(id))."
        case .rateLimited: "Mattermost kept answering 429 (rate limited) after retries."
        case let .failed(status, id): "Mattermost answered HTTP \(status)\(id.isEmpty ? "" : " (\(id))")."
        case .transport(let detail): "Could not reach Mattermost: \(detail)."
        case .unexpectedResponse(let detail): "Mattermost sent an unexpected response: \(detail)."
        }
    }

    var isForbidden: Bool {
        if case .forbidden = self { return true }
        return false
    }

    /// Whether the same request may succeed later: no answer, rate limited, or a server error.
    var isTransient: Bool {
        switch self {
        case .transport, .rateLimited: true
        case let .failed(status, _): status >= 500
        default: false
        }
    }

    /// The sentence shown in chat when a reply could not be delivered (from `Prompts/messages.yaml`).
    public func userFacingText(_ messages: MessageCatalog) -> String {
        switch self {
        case .forbidden: messages.render(MattermostMessageKey.forbidden)
        case .rateLimited: messages.render(MattermostMessageKey.rateLimited)
        default: messages.render(MattermostMessageKey.failed, ["reason": description])
        }
    }
}
