import Foundation
import HindsightNet
import Logging

/// A response the bot's HTTP server gave to the fake acting as the Mattermost server.
public struct FakeIntegrationResponse: Sendable {
    public var status: Int
    public var body: Data
    /// The body parsed as JSON.
    public var json: FakeJSON? { FakeJSON.parse(body) }
}

extension FakeMattermost {
    /// Plays the server running a custom slash command: POSTs the form to the bot's command URL.
    public func slashCommand(
        to url: String, token: String, channelID: String, userID: String, userName: String = "alice", text: String,
        triggerID: String = FakeMattermostID.make()
    ) async throws -> FakeIntegrationResponse {
        let fields = [
            ("channel_id", channelID), ("channel_name", "incident"), ("command", "/postmortem"),
            ("response_url", "\(baseURL)/hooks/commands/\(FakeMattermostID.make())"), ("team_domain", "eng"),
            ("team_id", "t3amt3amt3amt3amt3amt3amt3"), ("text", text), ("token", token), ("trigger_id", triggerID),
            ("user_id", userID), ("user_name", userName),
        ]
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
        return try await Self.send(url: url, contentType: "application/x-www-form-urlencoded", body: Data(body.utf8), authorization: "Token \(token)")
    }

    /// Plays the server submitting an interactive dialog: POSTs the submission JSON to the dialog's `url`.
    public func submitDialog(
        to url: String, callbackID: String, state: String, channelID: String, userID: String, submission: [String: FakeJSON]
    ) async throws -> FakeIntegrationResponse {
        let body = FakeJSON.object([
            "type": .string("dialog_submission"), "callback_id": .string(callbackID), "state": .string(state),
            "user_id": .string(userID), "channel_id": .string(channelID), "team_id": .string("t3amt3amt3amt3amt3amt3amt3"),
            "submission": .object(submission), "cancelled": .bool(false),
        ])
        return try await Self.send(url: url, contentType: "application/json", body: Data(body.text.utf8), authorization: nil)
    }

    /// Plays the server after a button click: POSTs the integration context to the button's URL.
    public func clickButton(to url: String, context: FakeJSON, channelID: String, userID: String, postID: String) async throws -> FakeIntegrationResponse {
        let body = FakeJSON.object([
            "user_id": .string(userID), "post_id": .string(postID), "channel_id": .string(channelID),
            "team_id": .string("t3amt3amt3amt3amt3amt3amt3"), "context": context,
        ])
        return try await Self.send(url: url, contentType: "application/json", body: Data(body.text.utf8), authorization: nil)
    }

    /// Plays a person clicking a button the bot posted: sends the action's `integration.context` back verbatim, as the
    /// real server does, to the bot's server at `botURL` (standing in for the public URL the button names).
    /// - Parameter command: picks the button whose context's `command` starts with this.
    public func clickButton(on post: FakeMattermostPost, command: String, userID: String, botURL: String) async throws -> FakeIntegrationResponse {
        let actions: [FakeJSON] = post.props["attachments"]?.arrayValue?.flatMap { $0["actions"]?.arrayValue ?? [] } ?? []
        guard let action = actions.first(where: { $0["integration"]?["context"]?["command"]?.string?.hasPrefix(command) == true }),
              let context = action["integration"]?["context"], let url = action["integration"]?["url"]?.string,
              let path = URL(string: url)?.path
        else { throw FakeMattermostError.noSuchButton(command) }
        return try await clickButton(to: botURL + path, context: context, channelID: post.channel_id, userID: userID, postID: post.id)
    }

    /// Integration requests go out the way Mattermost's server sends them: plain HTTP POSTs (through libcurl here).
    private static let client = HTTPClient(logger: Logger(label: "fake-mattermost.integrations"))

    private static func send(url: String, contentType: String, body: Data, authorization: String?) async throws -> FakeIntegrationResponse {
        var headers = HTTPClient.Headers()
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        let response = try await client.execute(
            HTTPClient.Request(.post, url: url, headers: headers, body: .data(body, contentType: contentType))
        )
        return FakeIntegrationResponse(status: response.status, body: response.body)
    }
}

/// A test asked the fake for something it does not have.
public enum FakeMattermostError: Error, CustomStringConvertible {
    case noSuchButton(String)

    public var description: String {
        switch self {
        case .noSuchButton(let command): "no button whose command starts with '\(command)' on that post"
        }
    }
}
