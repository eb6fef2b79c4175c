import Foundation
import HindsightCore
import HindsightNet
import Logging
import Metrics

/// A typed client for the Slack Web API methods Hindsight calls, over libcurl.
/// - HTTP 429: waits exactly `Retry-After` before the next call to that method (other methods go on), then retries.
/// - 5xx and network errors: a few retries with growing waits.
/// - `ok:false`: `SlackAPIError.api` with Slack's error code.
/// Read methods are sent form-encoded and write methods as JSON, as Slack accepts them.
public struct SlackWebAPI: Sendable {
    private let baseURL: String
    private let botToken: String
    private let appToken: String
    private let http: HTTPClient
    private let logger: Logger
    private let gate = RateLimitGate()
    private let maxAttempts: Int
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameter sleep: how waits are spent (injected so tests can count them).
    public init(
        configuration: SlackConfiguration, http: HTTPClient, logger: Logger, maxAttempts: Int = 5,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        baseURL = configuration.apiURL
        botToken = configuration.botToken
        appToken = configuration.appToken
        self.http = http
        self.logger = logger
        self.maxAttempts = max(maxAttempts, 1)
        self.sleep = sleep
    }

    // MARK: Identity and connections

    public struct Identity: Decodable, Sendable {
        public var user_id: String
        public var bot_id: String?
        public var team: String?
        public var team_id: String?
        public var url: String?
    }

    /// `auth.test`: who the bot token belongs to (its user id and bot id, to skip its own messages).
    public func authTest() async throws(SlackAPIError) -> Identity {
        try await call("auth.test", form: [])
    }

    /// `apps.connections.open` with the app-level token: a single-use websocket URL.
    func openConnection() async throws(SlackAPIError) -> String {
        struct Answer: Decodable { var url: String }
        let answer: Answer = try await call("apps.connections.open", form: [], token: appToken)
        return answer.url
    }

    // MARK: Messages

    struct Posted: Decodable { var ts: String?; var channel: String? }

    /// `chat.postMessage`; returns the new message's `ts`.
    func postMessage(channel: String, text: String, blocks: [Block]? = nil, threadTS: String? = nil) async throws(SlackAPIError) -> String {
        struct Body: Encodable {
            var channel: String
            var text: String
            var blocks: [Block]?
            var thread_ts: String?
            var unfurl_links = false
        }
        let posted: Posted = try await call("chat.postMessage", json: Body(channel: channel, text: text, blocks: blocks, thread_ts: threadTS))
        return posted.ts ?? ""
    }

    /// `chat.update`.
    func update(channel: String, ts: String, text: String, blocks: [Block]) async throws(SlackAPIError) {
        struct Body: Encodable { var channel: String; var ts: String; var text: String; var blocks: [Block] }
        let _: Ignored = try await call("chat.update", json: Body(channel: channel, ts: ts, text: text, blocks: blocks))
    }

    /// `chat.postEphemeral`: only `user` sees it.
    func postEphemeral(channel: String, user: String, text: String, blocks: [Block]? = nil, threadTS: String? = nil) async throws(SlackAPIError) {
        struct Body: Encodable { var channel: String; var user: String; var text: String; var blocks: [Block]?; var thread_ts: String? }
        let _: Ignored = try await call("chat.postEphemeral", json: Body(channel: channel, user: user, text: text, blocks: blocks, thread_ts: threadTS))
    }

    /// POSTs a message to a slash command's or button's `response_url` (works where the bot is not a member).
    func respond(to responseURL: String, ephemeral: Bool, text: String) async throws(SlackAPIError) {
        struct Body: Encodable { var response_type: String; var text: String }
        let body: Data
        do { body = try JSONEncoder().encode(Body(response_type: ephemeral ? "ephemeral" : "in_channel", text: text)) } catch {
            throw .unexpectedResponse(method: "response_url", detail: "\(error)")
        }
        let response: HTTPClient.Response
        do { response = try await http.execute(HTTPClient.Request(.post, url: responseURL, body: .json(body))) } catch {
            throw .transport(method: "response_url", detail: "\(error)")
        }
        guard response.isSuccess else { throw .http(method: "response_url", status: response.status) }
    }

    // MARK: Reading channels

    /// A page of `conversations.history` or `conversations.replies`.
    struct MessagePage: Decodable {
        var messages: [SlackMessage]
        var has_more: Bool?
        var response_metadata: Metadata?
        struct Metadata: Decodable { var next_cursor: String? }
        var nextCursor: String? { response_metadata?.next_cursor.flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// `conversations.history`: every message after `oldest`, newest first, following the cursor to the last page.
    func history(channel: String, oldest: String, limit: Int = 200) async throws(SlackAPIError) -> [SlackMessage] {
        try await pages("conversations.history", form: [("channel", channel), ("oldest", oldest), ("limit", String(limit))])
    }

    /// `conversations.replies`: a thread's parent and every reply after `oldest`, oldest first, across all pages.
    func replies(channel: String, ts: String, oldest: String, limit: Int = 200) async throws(SlackAPIError) -> [SlackMessage] {
        try await pages("conversations.replies", form: [("channel", channel), ("ts", ts), ("oldest", oldest), ("limit", String(limit))])
    }

    /// The messages of a cursor-paginated method, page after page until `next_cursor` comes back empty.
    private func pages(_ method: String, form: [(String, String)]) async throws(SlackAPIError) -> [SlackMessage] {
        var messages: [SlackMessage] = []
        var cursor: String?
        repeat {
            let page: MessagePage = try await call(method, form: form + (cursor.map { [("cursor", $0)] } ?? []))
            messages += page.messages
            cursor = page.nextCursor
        } while cursor != nil
        return messages
    }

    struct ChannelInfo: Decodable {
        var channel: Channel
        struct Channel: Decodable { var id: String; var name: String?; var is_member: Bool? }
    }

    /// `conversations.info`.
    func channelInfo(_ channel: String) async throws(SlackAPIError) -> ChannelInfo.Channel {
        let info: ChannelInfo = try await call("conversations.info", form: [("channel", channel)])
        return info.channel
    }

    /// `conversations.create`: a public channel the bot creates (and so is in); returns its id.
    func createChannel(name: String) async throws(SlackAPIError) -> String {
        struct Body: Encodable { var name: String; var is_private = false }
        let created: ChannelInfo = try await call("conversations.create", json: Body(name: name))
        return created.channel.id
    }

    /// `conversations.invite`: up to 1,000 user ids at once.
    func invite(_ users: [String], to channel: String) async throws(SlackAPIError) {
        struct Body: Encodable { var channel: String; var users: String }
        let _: Ignored = try await call("conversations.invite", json: Body(channel: channel, users: users.joined(separator: ",")))
    }

    /// `conversations.setTopic`.
    func setTopic(_ topic: String, of channel: String) async throws(SlackAPIError) {
        struct Body: Encodable { var channel: String; var topic: String }
        let _: Ignored = try await call("conversations.setTopic", json: Body(channel: channel, topic: String(topic.prefix(250))))
    }

    struct UserInfo: Decodable {
        var user: User
        struct User: Decodable {
            var id: String
            var name: String?
            var real_name: String?
            var profile: Profile?
            struct Profile: Decodable { var display_name: String?; var real_name: String? }

            /// The name Slack shows: display name, else real name, else the handle.
            var shownName: String {
                for candidate in [profile?.display_name, profile?.real_name, real_name, name] {
                    if let candidate, !candidate.isEmpty { return candidate }
                }
                return id
            }
        }
    }

    private struct UserPage: Decodable {
        var members: [UserInfo.User]
        var response_metadata: Metadata?
        struct Metadata: Decodable { var next_cursor: String? }
    }

    /// The member whose handle or display name is `name` (without the `@`), found by paging `users.list`; nil when
    /// none is.
    func user(named name: String) async throws(SlackAPIError) -> UserInfo.User? {
        let wanted = name.lowercased()
        var cursor = ""
        repeat {
            let page: UserPage = try await call("users.list", form: [("limit", "200")] + (cursor.isEmpty ? [] : [("cursor", cursor)]))
            if let match = page.members.first(where: { $0.name?.lowercased() == wanted || $0.profile?.display_name?.lowercased() == wanted }) {
                return match
            }
            cursor = page.response_metadata?.next_cursor ?? ""
        } while !cursor.isEmpty
        return nil
    }

    private struct UserGroups: Decodable {
        var usergroups: [Group]
        struct Group: Decodable { var id: String; var handle: String?; var users: [String]? }
    }

    /// The members of the user group whose handle (without the `@`) or id is `name`, from `usergroups.list`
    /// (`usergroups:read`); nil when there is none.
    func userGroupMembers(_ name: String) async throws(SlackAPIError) -> [String]? {
        let groups: UserGroups = try await call("usergroups.list", form: [("include_users", "true")])
        let wanted = name.lowercased()
        return groups.usergroups.first { $0.handle?.lowercased() == wanted || $0.id == name }.map { $0.users ?? [] }
    }

    /// `users.info`.
    func userInfo(_ user: String) async throws(SlackAPIError) -> UserInfo.User {
        let info: UserInfo = try await call("users.info", form: [("user", user)])
        return info.user
    }

    // MARK: Marking messages

    /// `reactions.add` (`name` without colons).
    func react(channel: String, ts: String, name: String) async throws(SlackAPIError) {
        struct Body: Encodable { var channel: String; var timestamp: String; var name: String }
        let _: Ignored = try await call("reactions.add", json: Body(channel: channel, timestamp: ts, name: name))
    }

    /// `pins.add`: pins the message in its channel.
    func pin(channel: String, ts: String) async throws(SlackAPIError) {
        struct Body: Encodable { var channel: String; var timestamp: String }
        let _: Ignored = try await call("pins.add", json: Body(channel: channel, timestamp: ts))
    }

    // MARK: Modals

    private struct ViewAnswer: Decodable {
        var view: View
        struct View: Decodable { var id: String }
    }

    /// `views.open` with a `trigger_id` (valid 3 s); returns the view id.
    @discardableResult
    func openView(triggerID: String, view: ModalView) async throws(SlackAPIError) -> String {
        struct Body: Encodable { var trigger_id: String; var view: ModalView }
        let answer: ViewAnswer = try await call("views.open", json: Body(trigger_id: triggerID, view: view))
        return answer.view.id
    }

    // MARK: Files

    /// The current upload flow: `files.getUploadURLExternal`, the bytes to the returned URL, then
    /// `files.completeUploadExternal` to share it in `channel`.
    func upload(channel: String, filename: String, contents: Data, comment: String?) async throws(SlackAPIError) {
        struct Target: Decodable { var upload_url: String; var file_id: String }
        let target: Target = try await call("files.getUploadURLExternal", form: [("filename", filename), ("length", String(contents.count))])
        let response: HTTPClient.Response
        do {
            response = try await http.execute(HTTPClient.Request(
                .post, url: target.upload_url, headers: ["Authorization": "Bearer \(botToken)"],
                body: .data(contents, contentType: "application/octet-stream")
            ))
        } catch {
            throw .transport(method: "file upload", detail: "\(error)")
        }
        guard response.isSuccess else { throw .http(method: "file upload", status: response.status) }
        struct Body: Encodable {
            var files: [File]
            var channel_id: String
            var initial_comment: String?
            struct File: Encodable { var id: String; var title: String }
        }
        let _: Ignored = try await call("files.completeUploadExternal", json: Body(
            files: [.init(id: target.file_id, title: filename)], channel_id: channel, initial_comment: comment
        ))
    }

    // MARK: Plumbing

    private struct Ignored: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// A Web API answer, parsed once: the `ok`/`error`/`needed` envelope and, when `ok`, the method's result from the
    /// same object.
    private struct Answer<Result: Decodable>: Decodable {
        var ok: Bool
        var error: String?
        var needed: String?
        var result: Result?

        private enum Keys: String, CodingKey { case ok, error, needed }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            ok = try container.decode(Bool.self, forKey: .ok)
            error = try container.decodeIfPresent(String.self, forKey: .error)
            needed = try container.decodeIfPresent(String.self, forKey: .needed)
            result = ok ? try Result(from: decoder) : nil
        }
    }

    private func call<Result: Decodable>(_ method: String, json: some Encodable) async throws(SlackAPIError) -> Result {
        let body: Data
        do { body = try JSONEncoder().encode(json) } catch { throw .unexpectedResponse(method: method, detail: "could not encode: \(error)") }
        return try await call(method, body: .json(body), token: botToken)
    }

    private func call<Result: Decodable>(_ method: String, form: [(String, String)], token: String? = nil) async throws(SlackAPIError) -> Result {
        try await call(method, body: .form(form), token: token ?? botToken)
    }

    private func call<Result: Decodable>(_ method: String, body: HTTPClient.Body, token: String) async throws(SlackAPIError) -> Result {
        try await send(method, body: body, token: token).result
    }

    /// The bot token's scopes: Slack lists them in the `x-oauth-scopes` header of every answer.
    public func grantedScopes() async throws(SlackAPIError) -> Set<String> {
        let (_, response): (Ignored, HTTPClient.Response) = try await send("auth.test", body: .form([]), token: botToken)
        let header = response.headers["x-oauth-scopes"] ?? ""
        return Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Sends one call with the waits and retries described on the type; returns the result of an `ok:true` answer.
    private func send<Result: Decodable>(
        _ method: String, body: HTTPClient.Body, token: String
    ) async throws(SlackAPIError) -> (result: Result, response: HTTPClient.Response) {
        let request = HTTPClient.Request(.post, url: baseURL + method, headers: ["Authorization": "Bearer \(token)"], body: body)
        let endpoint = [("platform", "slack"), ("method", method)]
        var attempt = 0
        while true {
            attempt += 1
            let wait = await gate.wait(for: method)
            if wait > .zero {
                do { try await sleep(wait) } catch { throw .rateLimited(method: method) }
            }
            Counter(label: "hindsight_api_calls_total", dimensions: endpoint).increment()
            let response: HTTPClient.Response
            do {
                response = try await http.execute(request)
            } catch {
                var retriable = attempt < maxAttempts && !Task.isCancelled
                switch error {
                case .shutDown, .cancelled, .invalidURL: retriable = false
                default: break
                }
                guard retriable else { throw .transport(method: method, detail: "\(error)") }
                try await backOff(method, attempt: attempt, reason: "\(error)")
                continue
            }
            if response.status == 429 {
                Counter(label: "hindsight_api_rate_limited_total", dimensions: endpoint).increment()
                let retryAfter = response.retryAfter ?? .seconds(1)
                await gate.close(method, for: retryAfter)
                logger.notice("slack rate limit: waiting", metadata: ["method": "\(method)", "retry_after": "\(retryAfter)"])
                guard attempt < maxAttempts else { throw .rateLimited(method: method) }
                continue
            }
            if response.status >= 500, attempt < maxAttempts {
                try await backOff(method, attempt: attempt, reason: "HTTP \(response.status)")
                continue
            }
            guard response.status == 200 else { throw .http(method: method, status: response.status) }
            let status: Answer<Result>
            do { status = try SafeJSON.decode(Answer<Result>.self, from: response.body) } catch {
                throw .unexpectedResponse(method: method, detail: "\(error)")
            }
            guard status.ok, let result = status.result else {
                if status.error == "ratelimited", attempt < maxAttempts {
                    await gate.close(method, for: response.retryAfter ?? .seconds(1))
                    continue
                }
                let error = SlackAPIError.api(method: method, code: status.error ?? "unknown_error", needed: status.needed)
                logger.debug("slack call failed", metadata: ["method": "\(method)", "error": "\(error)"])
                throw error
            }
            return (result, response)
        }
    }

    /// 0.5 s, 1 s, 2 s… between attempts after a 5xx or a network error.
    private func backOff(_ method: String, attempt: Int, reason: String) async throws(SlackAPIError) {
        let delay = Duration.milliseconds(500 * (1 << min(attempt - 1, 5)))
        logger.warning("slack call failed; retrying", metadata: ["method": "\(method)", "reason": "\(reason)", "in": "\(delay)"])
        do { try await sleep(delay) } catch { throw .transport(method: method, detail: reason) }
    }
}
