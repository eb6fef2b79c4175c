import HindsightCore

/// The sentences only the Slack adapter says, kept in `Prompts/messages.yaml` under these keys beside the core's.
public enum SlackMessageKey: String, TemplateKey {
    case notInChannel = "slack_not_in_channel"
    case channelNotFound = "slack_channel_not_found"
    case missingScope = "slack_missing_scope"
    case archived = "slack_archived"
    case rateLimited = "slack_rate_limited"
    case failed = "slack_failed"
    case working = "slack_working"
    case modalUnavailable = "slack_modal_unavailable"

    public var placeholders: Set<String> {
        switch self {
        case .notInChannel, .channelNotFound, .archived, .rateLimited, .working: []
        case .missingScope: ["scope"]
        case .failed, .modalUnavailable: ["reason"]
        }
    }
}
