import Foundation
import HindsightCore
import Logging
import Metrics

/// A typed client for the Mattermost REST API v4 calls Hindsight makes. Honours 429 (`Retry-After` /
/// `X-Ratelimit-Reset`, a plain-text body) by waiting and retrying; other failures become `MattermostAPIError`.
public struct MattermostREST: Sendable {
    private let baseURL: String
    private let token: String
    private let transport: any MattermostHTTPTransport
    private let logger: Logger
    private let maxAttempts: Int
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameter sleep: how a 429's wait is spent (injected so tests need not wait for real).
    public init(
        baseURL: String, token: String, transport: any MattermostHTTPTransport, logger: Logger, maxAttempts: Int = 4,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.baseURL = baseURL
        self.token = token
        self.transport = transport
        self.logger = logger
        self.maxAttempts = max(maxAttempts, 1)
        self.sleep = sleep
    }

    /// `GET /users/me`: who the bot is. A 401 means the token is bad.
    public func me() async throws(MattermostAPIError) -> MattermostUser {
        try await call("GET", "/users/me")
    }

    /// `GET /users/{id}`.
    public func user(_ id: String) async throws(MattermostAPIError) -> MattermostUser {
        try await call("GET", "/users/\(id)")
    }

    /// `POST /channels`: a public channel in `teamID`, created by the bot (which is then a member), with `header`.
    public func createChannel(teamID: String, name: String, displayName: String, header: String) async throws(MattermostAPIError) -> MattermostChannel {
        struct Body: Encodable { var team_id: String; var name: String; var display_name: String; var type = "O"; var header: String }
        return try await call("POST", "/channels", json: Body(team_id: teamID, name: name, display_name: displayName, header: header))
    }

    /// `POST /channels/{id}/members`.
    public func addMember(_ userID: String, to channelID: String) async throws(MattermostAPIError) {
        struct Body: Encodable { var user_id: String }
        let _: Ignored = try await call("POST", "/channels/\(channelID)/members", json: Body(user_id: userID))
    }

    private struct Group: Decodable { var id: String; var name: String? }
    private struct GroupMembers: Decodable { var members: [MattermostUser] }

    /// The members of the group called `name` (a custom or LDAP group, `@name` in mentions): `GET /groups?q=` then
    /// `GET /groups/{id}/members`; nil when there is none.
    public func groupMembers(named name: String) async throws(MattermostAPIError) -> [String]? {
        let query = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        let groups: [Group] = try await call("GET", "/groups?q=\(query)&filter_allow_reference=true&per_page=200")
        guard let group = groups.first(where: { $0.name?.lowercased() == name.lowercased() }) else { return nil }
        let members: GroupMembers = try await call("GET", "/groups/\(group.id)/members?per_page=200")
        return members.members.map(\.id)
    }

    /// `GET /users/username/{username}`.
    public func user(named username: String) async throws(MattermostAPIError) -> MattermostUser {
        try await call("GET", "/users/username/\(username)")
    }

    /// `GET /posts/{id}`: one post (404 when deleted or never there).
    public func post(_ id: String) async throws(MattermostAPIError) -> MattermostPost {
        try await call("GET", "/posts/\(id)")
    }

    /// `GET /channels/{id}`.
    public func channel(_ id: String) async throws(MattermostAPIError) -> MattermostChannel {
        try await call("GET", "/channels/\(id)")
    }

    /// `GET /channels/{id}/posts?since=<ms>`: posts created, edited or deleted after `since` (at most 1,000, which
    /// ones unspecified: see `PostsQuery.since`).
    public func posts(in channelID: String, since: Int64) async throws(MattermostAPIError) -> MattermostPostList {
        try await posts(in: channelID, .since(since))
    }

    /// `GET /channels/{id}/posts` with a `since` or a cursor query.
    public func posts(in channelID: String, _ query: PostsQuery) async throws(MattermostAPIError) -> MattermostPostList {
        try await call("GET", "/channels/\(channelID)/posts?\(query.queryString)")
    }

    /// `POST /posts`; a non-nil `rootID` makes it a thread reply.
    public func createPost(
        channelID: String, message: String, rootID: String? = nil, props: PostProps? = nil, fileIDs: [String]? = nil
    ) async throws(MattermostAPIError) -> MattermostPost {
        try await call("POST", "/posts", json: CreatePostRequest(channelID: channelID, message: message, rootID: rootID, props: props, fileIDs: fileIDs))
    }

    /// `POST /posts/ephemeral`: a post only `userID` sees.
    public func createEphemeralPost(userID: String, channelID: String, message: String, rootID: String? = nil) async throws(MattermostAPIError) {
        struct Body: Encodable {
            var user_id: String
            var post: Post
            struct Post: Encodable { var channel_id: String; var message: String; var root_id: String? }
        }
        let _: Ignored = try await call(
            "POST", "/posts/ephemeral", json: Body(user_id: userID, post: .init(channel_id: channelID, message: message, root_id: rootID)))
    }

    /// `PUT /posts/{id}/patch`. `props`, when given, replaces the post's whole props map: pass all of it.
    public func patchPost(_ postID: String, message: String?, props: PostProps?) async throws(MattermostAPIError) -> MattermostPost {
        try await call("PUT", "/posts/\(postID)/patch", json: PatchPostRequest(message: message, props: props))
    }

    /// `POST /files` (multipart `files` + `channel_id`) → the file id to put in a post's `file_ids`.
    public func uploadFile(channelID: String, name: String, contents: Data) async throws(MattermostAPIError) -> String {
        let boundary = "hindsight-\(UUID().uuidString)"
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"channel_id\"\r\n\r\n\(channelID)\r\n".utf8))
        let safeName = name.replacingOccurrences(of: "\"", with: "'")
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(safeName)\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".utf8))
        body.append(contents)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let response: FileUploadResponse = try await call("POST", "/files", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        guard let id = response.fileInfos.first?.id else { throw .unexpectedResponse("file upload returned no file id") }
        return id
    }

    /// `POST /posts/{id}/pin`.
    public func pin(_ postID: String) async throws(MattermostAPIError) {
        let _: Ignored = try await call("POST", "/posts/\(postID)/pin")
    }

    /// `POST /reactions`.
    public func addReaction(userID: String, postID: String, emojiName: String) async throws(MattermostAPIError) {
        let _: Ignored = try await call("POST", "/reactions", json: ReactionRequest(userID: userID, postID: postID, emojiName: emojiName))
    }

    /// `POST /actions/dialogs/open` with the slash command's trigger id.
    func openDialog(_ request: OpenDialogRequest) async throws(MattermostAPIError) {
        let _: Ignored = try await call("POST", "/actions/dialogs/open", json: request)
    }

    // MARK: Plumbing

    private struct Ignored: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// The path with ids and the query removed (`/users/abc…` → `/users/:id`), so metrics stay few.
    static func template(_ path: String) -> String {
        let bare = path.split(separator: "?").first.map(String.init) ?? path
        return bare.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.count == 26 && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } ? ":id" : String(part)
        }.joined(separator: "/")
    }

    private func call<Result: Decodable>(_ method: String, _ path: String, json: some Encodable) async throws(MattermostAPIError) -> Result {
        let body: Data
        do { body = try JSONEncoder().encode(json) } catch { throw .unexpectedResponse("could not encode the request: \(error)") }
        return try await call(method, path, body: body, contentType: "application/json")
    }

    private func call<Result: Decodable>(
        _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil
    ) async throws(MattermostAPIError) -> Result {
        var headers = [(name: "Authorization", value: "Bearer \(token)"), (name: "Accept", value: "application/json")]
        if let contentType { headers.append((name: "Content-Type", value: contentType)) }
        let request = MattermostHTTPRequest(method: method, url: baseURL + "/api/v4" + path, headers: headers, body: body)
        var attempt = 0
        let endpoint = [("platform", "mattermost"), ("method", "\(method) \(Self.template(path))")]
        while true {
            attempt += 1
            Counter(label: "hindsight_api_calls_total", dimensions: endpoint).increment()
            let response: MattermostHTTPResponse
            do { response = try await transport.send(request) } catch { throw .transport("\(error)") }
            if response.status == 429 { Counter(label: "hindsight_api_rate_limited_total", dimensions: endpoint).increment() }
            if response.status == 429, attempt < maxAttempts {
                let wait = response.retryAfter ?? .seconds(1)
                logger.notice("mattermost rate limit: waiting", metadata: ["path": "\(path)", "wait": "\(wait)"])
                do { try await sleep(wait) } catch { throw .rateLimited }
                continue
            }
            guard (200..<300).contains(response.status) else {
                let error = MattermostAPIError(response: response)
                logger.debug("mattermost request failed", metadata: ["path": "\(path)", "error": "\(error)"])
                throw error
            }
            do {
                return try SafeJSON.decode(Result.self, from: response.body.isEmpty ? Data("{}".utf8) : response.body)
            } catch {
                throw .unexpectedResponse("\(method) \(path): \(error)")
            }
        }
    }
}
