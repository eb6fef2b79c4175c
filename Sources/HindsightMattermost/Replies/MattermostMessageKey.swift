import HindsightCore

/// The sentences only the Mattermost adapter says, kept in `Prompts/messages.yaml` under these keys beside the core's.
public enum MattermostMessageKey: String, TemplateKey {
    case forbidden = "mattermost_forbidden"
    case rateLimited = "mattermost_rate_limited"
    case failed = "mattermost_failed"
    case dialogUnavailable = "mattermost_dialog_unavailable"
    case permalinkNotFound = "mattermost_permalink_not_found"

    public var placeholders: Set<String> {
        switch self {
        case .forbidden, .rateLimited, .permalinkNotFound: []
        case .failed, .dialogUnavailable: ["reason"]
        }
    }
}
