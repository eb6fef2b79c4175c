import HindsightNet
import Logging

/// Live checks of a Slack configuration for `hindsight doctor`: the bot token, its scopes, the app token and Socket
/// Mode, and the bot's membership of the channels with open incidents.
public enum SlackDoctor {
    /// The bot scopes Hindsight uses (Deploy/slack/manifest.yaml says why each is needed).
    public static let requiredScopes: Set<String> = [
        "app_mentions:read", "channels:history", "groups:history", "channels:read", "groups:read", "chat:write", "commands",
        "reactions:read", "reactions:write", "pins:read", "pins:write", "users:read", "files:write",
    ]

    public struct Check: Sendable {
        public var name: String
        /// nil: a note, neither pass nor fail.
        public var passed: Bool?
        public var detail: String
    }

    public static func run(_ configuration: SlackConfiguration, http: HTTPClient, incidentChannels: [String]) async -> [Check] {
        let api = SlackWebAPI(configuration: configuration, http: http, logger: Logger(label: "doctor"), maxAttempts: 2)
        var checks: [Check] = []
        do {
            let identity = try await api.authTest()
            checks.append(Check(name: "slack bot token", passed: true, detail: "\(identity.team ?? "workspace") as \(identity.user_id)"))
        } catch {
            checks.append(Check(name: "slack bot token", passed: false, detail: SlackStartupError(apiURL: configuration.apiURL, cause: error).description))
            return checks
        }
        if let granted = try? await api.grantedScopes(), !granted.isEmpty {
            let missing = requiredScopes.subtracting(granted).sorted()
            checks.append(Check(
                name: "slack scopes", passed: missing.isEmpty,
                detail: missing.isEmpty ? "all \(requiredScopes.count) present"
                    : "missing \(missing.joined(separator: ", ")): update the app from Deploy/slack/manifest.yaml and reinstall it"
            ))
        }
        do {
            _ = try await api.openConnection()
            checks.append(Check(name: "slack socket mode", passed: true, detail: "SLACK_APP_TOKEN opens connections"))
        } catch {
            let detail = switch error.code {
            case "invalid_auth", "not_authed", "not_allowed_token_type":
                "SLACK_APP_TOKEN was refused (\(error.code ?? "")): create an app-level token with connections:write (Basic Information → App-Level Tokens)"
            default:
                "\(error) — is Socket Mode turned on in the app's settings?"
            }
            checks.append(Check(name: "slack socket mode", passed: false, detail: detail))
        }
        for channel in incidentChannels {
            do {
                let info = try await api.channelInfo(channel)
                let member = info.is_member ?? true
                checks.append(Check(
                    name: "slack #\(info.name ?? channel)", passed: member,
                    detail: member ? "the bot is a member" : "open incident, but the bot is not a member: /invite @hindsight there"
                ))
            } catch {
                checks.append(Check(name: "slack \(channel)", passed: false, detail: error.description))
            }
        }
        return checks
    }
}
