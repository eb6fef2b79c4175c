import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

extension FakeMattermost {
    /// The REST API v4 endpoints the bot uses, behind bearer-token auth and the on-demand rate limit.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let api = router.group("api/v4")
        api.get("users/:id") { request, context in
            try await self.guarded(request) {
                let id = context.parameters.get("id") ?? ""
                let user = self.state.withLock { $0.users[id == "me" ? self.botUser.id : id] }
                guard let user else { return Self.error(404, "app.user.missing_account.const", "We couldn't find the existing account.") }
                return Self.json(user)
            }
        }
        api.get("channels/:id") { request, context in
            try await self.guarded(request) {
                guard let channel = self.state.withLock({ $0.channels[context.parameters.get("id") ?? ""] }) else {
                    return Self.error(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.")
                }
                return Self.json(channel)
            }
        }
        api.get("users/username/:name") { request, context in
            try await self.guarded(request) {
                let name = context.parameters.get("name") ?? ""
                guard let user = self.state.withLock({ $0.users.values.first { $0.username == name } }) else {
                    return Self.error(404, "app.user.missing_account.const", "We couldn't find the existing account.")
                }
                return Self.json(user)
            }
        }
        api.get("groups") { request, _ in
            try await self.guarded(request) {
                let q = (request.uri.queryParameters.get("q") ?? "").lowercased()
                let groups = self.state.withLock { $0.groups.filter { q.isEmpty || $0.name.lowercased().contains(q) } }
                return Self.json(FakeJSON.array(groups.map { FakeJSON.object(["id": .string($0.id), "name": .string($0.name), "display_name": .string($0.name)]) }))
            }
        }
        api.get("groups/:id/members") { request, context in
            try await self.guarded(request) {
                let id = context.parameters.get("id") ?? ""
                let found = self.state.withLock { state in
                    state.groups.first { $0.id == id }.map { group in group.members.compactMap { state.users[$0] } }
                }
                guard let users = found else { return Self.error(404, "app.group.no_rows", "No group found.") }
                return Self.json(FakeJSON.object([
                    "members": FakeJSON.array(users.map { FakeJSON.object(["id": .string($0.id), "username": .string($0.username)]) }),
                    "total_member_count": .int(users.count),
                ]))
            }
        }
        api.post("channels") { request, _ in
            try await self.guarded(request) { body in
                // The server's rules: a team, a unique name of lower-case letters, digits, '-' and '_' (at most 64).
                guard let json = FakeJSON.parse(body), let team = json["team_id"]?.string, !team.isEmpty,
                      let name = json["name"]?.string, !name.isEmpty, name.count <= 64,
                      name.allSatisfy({ ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" || $0 == "_" })
                else { return Self.error(400, "model.channel.is_valid.name.app_error", "Invalid name.") }
                let channel: FakeJSON? = self.state.withLock { state in
                    guard !state.channels.values.contains(where: { $0["name"]?.string == name && $0["team_id"]?.string == team }) else { return nil }
                    let id = FakeMattermostID.make()
                    let channel = FakeJSON.object([
                        "id": .string(id), "team_id": .string(team), "name": .string(name),
                        "display_name": json["display_name"] ?? .string(name), "type": json["type"] ?? "O", "header": json["header"] ?? "",
                    ])
                    state.channels[id] = channel
                    state.members[id] = [self.botUser.id]
                    state.createdChannels.append(id)
                    return channel
                }
                guard let channel else {
                    return Self.error(400, "store.sql_channel.save_channel.exists.app_error", "A channel with that name already exists on the same team.")
                }
                return Self.json(channel, status: .created)
            }
        }
        api.post("channels/:id/members") { request, context in
            try await self.guarded(request) { body in
                let id = context.parameters.get("id") ?? ""
                let user = FakeJSON.parse(body)?["user_id"]?.string ?? ""
                let added: Bool = self.state.withLock { state in
                    guard state.channels[id] != nil, state.users[user] != nil else { return false }
                    if !(state.members[id] ?? []).contains(user) { state.members[id, default: []].append(user) }
                    return true
                }
                guard added else { return Self.error(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.") }
                return Self.json(FakeJSON.object(["channel_id": .string(id), "user_id": .string(user)]), status: .created)
            }
        }
        api.get("posts/:id") { request, context in
            try await self.guarded(request) {
                // Deleted posts are not found (`GetSinglePost(…, includeDeleted: false)`).
                guard let post = self.state.withLock({ $0.posts[context.parameters.get("id") ?? ""] }), post.delete_at == 0 else {
                    return Self.error(404, "app.post.get.app_error", "Unable to get the post.")
                }
                return Self.json(post)
            }
        }
        api.get("channels/:id/posts") { request, context in
            try await self.guarded(request) {
                var query: [String: String] = [:]
                for key in ["since", "after", "before", "page", "per_page"] { query[key] = request.uri.queryParameters.get(key) }
                guard let list = self.state.withLock({ $0.postList(channelID: context.parameters.get("id") ?? "", query: query) }) else {
                    return Self.error(400, "api.post.get_posts_for_channel.since.app_error", "since cannot be combined with before or after.")
                }
                return Self.json(list)
            }
        }
        api.post("posts") { request, _ in
            try await self.guarded(request) { body in
                guard let json = FakeJSON.parse(body), let channelID = json["channel_id"]?.string else {
                    return Self.error(400, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
                }
                let message = json["message"]?.string ?? ""
                if message.unicodeScalars.count > 16_383 {
                    return Self.error(400, "model.post.is_valid.msg.app_error", "Invalid message.")
                }
                var fileIDs: [String]?
                if case .array(let ids)? = json["file_ids"] { fileIDs = ids.compactMap(\.string) }
                var post = self.state.withLock {
                    $0.insertPost(channelID: channelID, userID: self.botUser.id, message: message, rootID: json["root_id"]?.string ?? "", type: "", fileIDs: fileIDs)
                }
                if let props = json["props"] {
                    post = self.state.withLock { $0.editPost(post.id, message: nil, props: props) } ?? post
                }
                await self.broadcast("posted", post)  // the bot hears its own posts too
                return Self.json(post, status: .created)
            }
        }
        api.post("posts/ephemeral") { request, _ in
            try await self.guarded(request) { body in
                let json = FakeJSON.parse(body)
                self.state.withLock { $0.ephemeral.append((json?["user_id"]?.string ?? "", json?["post"]?["message"]?.string ?? "")) }
                return Self.json(json ?? .null, status: .created)
            }
        }
        api.put("posts/:id/patch") { request, context in
            try await self.guarded(request) { body in
                let json = FakeJSON.parse(body)
                // The server reads the post without deleted ones (`GetSinglePost(…, includeDeleted: false)`): a deleted
                // post is not found.
                let id = context.parameters.get("id") ?? ""
                guard let post = self.state.withLock({ state in
                    state.posts[id]?.delete_at == 0 ? state.editPost(id, message: json?["message"]?.string, props: json?["props"]) : nil
                }) else {
                    return Self.error(404, "app.post.get.app_error", "Unable to get the post.")
                }
                await self.broadcast("post_edited", post)
                return Self.json(post)
            }
        }
        api.post("posts/:id/pin") { request, context in
            try await self.guarded(request) {
                self.state.withLock { _ = $0.pinned.insert(context.parameters.get("id") ?? "") }
                return Self.json(FakeJSON.object(["status": .string("OK")]))
            }
        }
        api.post("reactions") { request, _ in
            try await self.guarded(request) { body in Self.json(FakeJSON.parse(body) ?? .null, status: .created) }
        }
        api.post("files") { request, _ in
            try await self.guarded(request) { body in
                let id = FakeMattermostID.make()
                self.state.withLock { $0.files[id] = body }
                return Self.json(FakeJSON.object([
                    "file_infos": .array([.object(["id": .string(id), "name": .string("upload")])]), "client_ids": .array([]),
                ]), status: .created)
            }
        }
        api.post("actions/dialogs/open") { request, _ in
            try await self.guarded(request) { body in
                guard let json = FakeJSON.parse(body), json["trigger_id"]?.string?.isEmpty == false, json["url"]?.string != nil else {
                    return Self.error(400, "interactive_message.decode_trigger_id.base64_decode_failed", "Invalid trigger_id.")
                }
                self.state.withLock { $0.dialogs.append(json) }
                return Self.json(FakeJSON.object(["status": .string("OK")]))
            }
        }
        api.post("commands") { request, _ in
            try await self.guarded(request) { body in
                var command = FakeJSON.parse(body) ?? .object([:])
                if case .object(var fields) = command {
                    fields["id"] = .string(FakeMattermostID.make())
                    fields["token"] = .string(FakeMattermostID.make())
                    command = .object(fields)
                }
                return Self.json(command, status: .created)
            }
        }
        return router
    }

    private func guarded(_ request: Request, _ handler: () async throws -> Response) async throws -> Response {
        try await guarded(request) { (_: Data) in try await handler() }
    }

    /// Records the request, applies the rate limit, checks the bearer token, then runs `handler` with the body.
    private func guarded(_ request: Request, _ handler: (Data) async throws -> Response) async throws -> Response {
        let line = "\(request.method.rawValue) \(request.uri.path)" + (request.uri.query.map { "?\($0)" } ?? "")
        let failing = state.withLock { state -> Bool in
            guard state.failNext > 0, line.contains(state.failMatching) else { return false }
            state.failNext -= 1
            state.requests.append(line)
            return true
        }
        if failing { return Self.error(500, "app.post.get_posts.app_error", "Unable to get the posts.") }
        let limited = state.withLock { state -> Int? in
            state.requests.append(line)
            guard state.rateLimitNext > 0 else { return nil }
            state.rateLimitNext -= 1
            return state.retryAfter
        }
        if let retryAfter = limited {
            // The real server's limiter: headers on the response, a plain-text body.
            return Response(
                status: .tooManyRequests,
                headers: [
                    .contentType: "text/plain; charset=utf-8", .retryAfter: "\(retryAfter)",
                    HTTPField.Name("X-Ratelimit-Limit")!: "10", HTTPField.Name("X-Ratelimit-Remaining")!: "0",
                    HTTPField.Name("X-Ratelimit-Reset")!: "\(retryAfter)",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "limit exceeded\n"))
            )
        }
        guard request.headers[.authorization] == "Bearer \(token)" else {
            return Self.error(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
        }
        let buffer = try await request.body.collect(upTo: 50 << 20)
        return try await handler(Data(buffer.readableBytesView))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("null".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: Int, _ id: String, _ message: String) -> Response {
        json(FakeJSON.object([
            "id": .string(id), "message": .string(message), "detailed_error": .string(""),
            "request_id": .string(FakeMattermostID.make()), "status_code": .number(Double(status)),
        ]), status: HTTPResponse.Status(code: status))
    }
}
