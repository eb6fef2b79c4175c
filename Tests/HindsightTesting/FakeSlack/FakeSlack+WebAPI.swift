import Foundation

/// The Web API methods the fake implements; any other name is `unknown_method`.
enum FakeSlackMethod: String, CaseIterable {
    case authTest = "auth.test"
    case appsConnectionsOpen = "apps.connections.open"
    case chatPostMessage = "chat.postMessage"
    case chatUpdate = "chat.update"
    case chatDelete = "chat.delete"
    case chatPostEphemeral = "chat.postEphemeral"
    case chatGetPermalink = "chat.getPermalink"
    case conversationsHistory = "conversations.history"
    case conversationsReplies = "conversations.replies"
    case conversationsInfo = "conversations.info"
    case conversationsJoin = "conversations.join"
    case conversationsCreate = "conversations.create"
    case conversationsInvite = "conversations.invite"
    case conversationsSetTopic = "conversations.setTopic"
    case usersInfo = "users.info"
    case usersList = "users.list"
    case usergroupsList = "usergroups.list"
    case pinsAdd = "pins.add"
    case pinsRemove = "pins.remove"
    case reactionsAdd = "reactions.add"
    case reactionsRemove = "reactions.remove"
    case bookmarksAdd = "bookmarks.add"
    case viewsOpen = "views.open"
    case viewsUpdate = "views.update"
    case filesGetUploadURLExternal = "files.getUploadURLExternal"
    case filesCompleteUploadExternal = "files.completeUploadExternal"
}

extension FakeSlack {
    /// Runs an authenticated call; throws `FakeSlackAPIFailure` for Slack's `ok: false` answers.
    func perform(_ method: FakeSlackMethod, _ arguments: FakeJSON) async throws -> FakeJSON {
        switch method {
        case .authTest:
            return [
                "ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "hindsight", "team_id": .string(teamID),
                "user_id": .string(botUserID), "bot_id": .string(botID), "is_enterprise_install": false,
            ]
        case .appsConnectionsOpen:
            let ticket = try state.withLock { state in
                // Slack refuses while Socket Mode is off for the app; the name of the error is our choice.
                guard !state.linkDisabled else { throw FakeSlackAPIFailure("socket_mode_not_enabled") }
                let ticket = FakeSlackID.uuid()
                state.tickets.insert(ticket)
                return ticket
            }
            return ["ok": true, "url": .string("\(socketModeURL)?ticket=\(ticket)&app_id=\(appID)")]
        case .chatPostMessage: return try await postMessageAsBot(arguments)
        case .chatUpdate: return try await updateMessageAsBot(arguments)
        case .chatDelete: return try await deleteMessageAsBot(arguments)
        case .chatPostEphemeral: return try postEphemeral(arguments)
        case .chatGetPermalink:
            return try state.withLock { state in
                let (channel, message) = try state.workspace.namedMessage(arguments, tsKey: "message_ts", requireMember: false)
                let permalink = "https://fake.slack.com/archives/\(channel.id)/p" + message.ts.replacingOccurrences(of: ".", with: "")
                return ["ok": true, "channel": .string(channel.id), "permalink": .string(permalink)]
            }
        case .conversationsHistory:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string)
                return try state.workspace.historyPage(channel: channel.id, arguments: arguments)
            }
        case .conversationsReplies:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string)
                return try state.workspace.repliesPage(channel: channel.id, arguments: arguments)
            }
        case .conversationsInfo:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string, requireMember: false)
                return ["ok": true, "channel": state.workspace.render(channel)]
            }
        case .conversationsJoin:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string, requireMember: false)
                state.workspace.channels[channel.id]?.botIsMember = true
                return ["ok": true, "channel": state.workspace.render(state.workspace.channels[channel.id]!)]
            }
        case .conversationsCreate:
            return try state.withLock { state in
                // Slack's rules: lower case, no spaces or periods, at most 80 characters, unique in the workspace.
                guard let name = arguments["name"]?.string, !name.isEmpty else { throw FakeSlackAPIFailure("invalid_name_required") }
                guard name.count <= 80, name == name.lowercased(), !name.contains(where: { $0 == " " || $0 == "." }) else {
                    throw FakeSlackAPIFailure("invalid_name_specials")
                }
                guard !state.workspace.channels.values.contains(where: { $0.name == name }) else { throw FakeSlackAPIFailure("name_taken") }
                let isPrivate = arguments["is_private"]?.bool == true || arguments["is_private"]?.string == "true"
                let channel = FakeSlackChannel(
                    id: FakeSlackID.make("C"), name: name, isPrivate: isPrivate, botIsMember: true, created: FakeSlackID.epochSeconds())
                state.workspace.channels[channel.id] = channel
                state.createdChannels.append(channel.id)
                return ["ok": true, "channel": state.workspace.render(channel)]
            }
        case .conversationsInvite:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string)
                let users = (arguments["users"]?.string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard !users.isEmpty else { throw FakeSlackAPIFailure("no_user") }
                for user in users {
                    guard state.workspace.users[user] != nil else { throw FakeSlackAPIFailure("user_not_found") }
                    if user == botUserID { throw FakeSlackAPIFailure("cant_invite_self") }
                    if channel.invited.contains(user) { throw FakeSlackAPIFailure("already_in_channel") }
                }
                state.workspace.channels[channel.id]?.invited += users
                return ["ok": true, "channel": state.workspace.render(state.workspace.channels[channel.id]!)]
            }
        case .conversationsSetTopic:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string)
                let topic = arguments["topic"]?.string ?? ""
                guard topic.count <= 250 else { throw FakeSlackAPIFailure("too_long") }
                state.workspace.channels[channel.id]?.topic = topic
                return ["ok": true, "channel": state.workspace.render(state.workspace.channels[channel.id]!)]
            }
        case .usersList:
            // One page of every member, by id; `limit` and `cursor` page through them.
            return state.withLock { state in
                let all = state.workspace.users.values.sorted { $0.id < $1.id }
                let limit = max(1, Int(arguments["limit"]?.string ?? "") ?? arguments["limit"]?.int ?? 200)
                let start = Int(arguments["cursor"]?.string ?? "") ?? 0
                let page = all.dropFirst(start).prefix(limit)
                let next = start + page.count < all.count ? "\(start + page.count)" : ""
                return ["ok": true, "members": .array(page.map { state.workspace.render($0) }), "response_metadata": ["next_cursor": .string(next)]]
            }
        case .usergroupsList:
            return state.withLock { state in
                let withUsers = arguments["include_users"]?.string == "true" || arguments["include_users"]?.bool == true
                return ["ok": true, "usergroups": .array(state.userGroups.map { group in
                    var rendered: FakeJSON = ["id": .string(group.id), "handle": .string(group.handle), "name": .string(group.handle), "team_id": .string(teamID)]
                    if withUsers { rendered = rendered.setting("users", .array(group.users.map(FakeJSON.string))) }
                    return rendered
                })]
            }
        case .usersInfo:
            return try state.withLock { state in
                guard let id = arguments["user"]?.string, let user = state.workspace.users[id] else { throw FakeSlackAPIFailure("user_not_found") }
                return ["ok": true, "user": state.workspace.render(user)]
            }
        case .pinsAdd, .pinsRemove:
            return try await pinAsBot(arguments, added: method == .pinsAdd)
        case .reactionsAdd, .reactionsRemove:
            return try await reactAsBot(arguments, added: method == .reactionsAdd)
        case .bookmarksAdd:
            return try state.withLock { state in
                let channel = try state.workspace.accessibleChannel(arguments["channel_id"]?.string)
                guard let title = arguments["title"]?.string, !title.isEmpty else { throw FakeSlackAPIFailure("invalid_arguments") }
                guard arguments["type"]?.string == "link" else { throw FakeSlackAPIFailure("invalid_bookmark_type") }
                guard let link = arguments["link"]?.string, link.hasPrefix("http") else { throw FakeSlackAPIFailure("invalid_link") }
                let bookmark: FakeJSON = [
                    "id": .string(FakeSlackID.make("Bk")), "channel_id": .string(channel.id), "title": .string(title), "link": .string(link),
                    "emoji": arguments["emoji"] ?? .null, "icon_url": .null, "type": "link", "date_created": .int(FakeSlackID.epochSeconds()),
                    "date_updated": 0, "rank": "U", "last_updated_by_user_id": .string(botUserID),
                ]
                state.bookmarks.append(bookmark)
                return ["ok": true, "bookmark": bookmark]
            }
        case .viewsOpen: return try openView(arguments)
        case .viewsUpdate: return try updateView(arguments)
        case .filesGetUploadURLExternal: return try uploadURL(arguments)
        case .filesCompleteUploadExternal: return try await completeUploads(arguments)
        }
    }

    // MARK: chat.*

    private func postMessageAsBot(_ arguments: FakeJSON) async throws -> FakeJSON {
        let (message, channel) = try state.withLock { state in
            // A user id as the channel: Slack posts in the app's direct messages with that person.
            let named = arguments["channel"]?.string
            let channel = try named.flatMap { state.workspace.users[$0] != nil ? state.workspace.directMessages(with: $0) : nil }
                ?? state.workspace.accessibleChannel(named)
            let (text, blocks) = try Self.messageContent(arguments)
            let threadTS = state.workspace.threadRoot(in: channel.id, ts: arguments["thread_ts"]?.string)
            let broadcast = threadTS != nil && arguments["reply_broadcast"]?.bool == true
            let message = FakeSlackMessage(
                ts: state.workspace.nextTS(in: channel.id), user: botUserID, botID: botID, text: text, blocks: blocks,
                threadTS: threadTS, subtype: broadcast ? "thread_broadcast" : nil
            )
            state.workspace.append(message, to: channel.id)
            return (message, channel)
        }
        let event = messageEvent(message, in: channel)
        await publish(event, in: channel)
        return ["ok": true, "channel": .string(channel.id), "ts": .string(message.ts), "message": Self.withoutEventFields(event)]
    }

    private func updateMessageAsBot(_ arguments: FakeJSON) async throws -> FakeJSON {
        let (change, channel) = try state.withLock { state in
            let (channel, existing) = try state.workspace.namedMessage(arguments, tsKey: "ts")
            guard existing.botID == botID else { throw FakeSlackAPIFailure("cant_update_message") }
            let text = arguments["text"]?.string
            let blocks = try Self.validatedBlocks(arguments["blocks"], limit: 50)
            guard text?.isEmpty == false || blocks != nil else { throw FakeSlackAPIFailure("no_text") }
            guard (text ?? "").unicodeScalars.count <= 40_000 else { throw FakeSlackAPIFailure("msg_too_long") }
            let editTS = state.workspace.nextTS(in: channel.id)
            let change = state.workspace.update(in: channel.id, ts: existing.ts) { message in
                if let text { message.text = text }
                if let blocks { message.blocks = blocks }  // without `blocks`, the previous ones stay
                message.edited = (botUserID, editTS)
            }!
            return (change, channel)
        }
        await publish(messageChangedEvent(old: change.old, new: change.new, in: channel), in: channel)
        let rendered = state.withLock { $0.workspace.render(change.new, in: channel.id, forHistory: false) }
        return ["ok": true, "channel": .string(channel.id), "ts": .string(change.new.ts), "text": .string(change.new.text), "message": rendered]
    }

    private func deleteMessageAsBot(_ arguments: FakeJSON) async throws -> FakeJSON {
        let (removed, channel) = try state.withLock { state in
            let (channel, existing) = try state.workspace.namedMessage(arguments, tsKey: "ts")
            guard existing.botID == botID else { throw FakeSlackAPIFailure("cant_delete_message") }
            return (state.workspace.remove(from: channel.id, ts: existing.ts)!, channel)
        }
        await publish(messageDeletedEvent(removed, in: channel), in: channel)
        return ["ok": true, "channel": .string(channel.id), "ts": .string(removed.ts)]
    }

    private func postEphemeral(_ arguments: FakeJSON) throws -> FakeJSON {
        try state.withLock { state in
            let channel = try state.workspace.accessibleChannel(arguments["channel"]?.string)
            guard let user = arguments["user"]?.string, !user.isEmpty else { throw FakeSlackAPIFailure("user_not_found") }
            let (text, blocks) = try Self.messageContent(arguments)
            let ts = state.workspace.nextTS(in: channel.id)
            state.ephemeral.append(.init(channel: channel.id, user: user, text: text, ts: ts, blocks: blocks, threadTS: arguments["thread_ts"]?.string))
            return ["ok": true, "message_ts": .string(ts)]
        }
    }

    // MARK: pins.*, reactions.*

    private func pinAsBot(_ arguments: FakeJSON, added: Bool) async throws -> FakeJSON {
        let (message, channel) = try state.withLock { state in
            let (channel, existing) = try state.workspace.namedMessage(arguments, tsKey: "timestamp")
            if added, existing.pinned { throw FakeSlackAPIFailure("already_pinned") }
            if !added, !existing.pinned { throw FakeSlackAPIFailure("no_pin") }
            return (state.workspace.update(in: channel.id, ts: existing.ts) { $0.pinned = added }!.new, channel)
        }
        await publish(pinEvent(added: added, user: botUserID, message: message, in: channel), in: channel)
        return ["ok": true]
    }

    private func reactAsBot(_ arguments: FakeJSON, added: Bool) async throws -> FakeJSON {
        let emoji = (arguments["name"]?.string ?? "").trimmingCharacters(in: CharacterSet(charactersIn: ":"))
        let (message, channel) = try state.withLock { state in
            let (channel, existing) = try state.workspace.namedMessage(arguments, tsKey: "timestamp")
            guard !emoji.isEmpty else { throw FakeSlackAPIFailure("invalid_name") }
            let already = existing.reactions.contains { $0.name == emoji && $0.users.contains(botUserID) }
            if added, already { throw FakeSlackAPIFailure("already_reacted") }
            if !added, !already { throw FakeSlackAPIFailure("no_reaction") }
            return (state.workspace.update(in: channel.id, ts: existing.ts) { $0.setReaction(emoji, by: botUserID, added: added) }!.new, channel)
        }
        await publish(reactionEvent(added: added, user: botUserID, emoji: emoji, message: message, in: channel), in: channel)
        return ["ok": true]
    }

    // MARK: Validation

    /// `blocks` as an array (JSON text when form-encoded): `invalid_blocks_format` when unreadable, `invalid_blocks`
    /// past `limit` blocks, for a block without a type, or for section text over 3,000 characters.
    static func validatedBlocks(_ value: FakeJSON?, limit: Int) throws -> FakeJSON? {
        guard let value, value != .null, value != "" else { return nil }
        guard let blocks = value.decodingEmbeddedJSON.array else { throw FakeSlackAPIFailure("invalid_blocks_format") }
        guard blocks.count <= limit else {
            throw FakeSlackAPIFailure("invalid_blocks", messages: ["[ERROR] no more than \(limit) items allowed [json-pointer:/blocks]"])
        }
        for (index, block) in blocks.enumerated() {
            guard block["type"]?.string != nil else {
                throw FakeSlackAPIFailure("invalid_blocks", messages: ["[ERROR] missing required field: type [json-pointer:/blocks/\(index)]"])
            }
            if block["type"]?.string == "section", let text = block["text"]?["text"]?.string, text.count > 3000 {
                throw FakeSlackAPIFailure(
                    "invalid_blocks", messages: ["[ERROR] must be less than 3001 characters [json-pointer:/blocks/\(index)/text/text]"]
                )
            }
        }
        return blocks.isEmpty ? nil : .array(blocks)
    }

    /// `text` and `blocks` of a posting call: `no_text` when there is neither (nor `attachments`), `msg_too_long`
    /// past 40,000 characters.
    static func messageContent(_ arguments: FakeJSON) throws -> (text: String, blocks: FakeJSON?) {
        let text = arguments["text"]?.string ?? ""
        let blocks = try validatedBlocks(arguments["blocks"], limit: 50)
        guard !text.isEmpty || blocks != nil || arguments["attachments"] != nil else { throw FakeSlackAPIFailure("no_text") }
        guard text.unicodeScalars.count <= 40_000 else { throw FakeSlackAPIFailure("msg_too_long") }
        return (text, blocks)
    }

    /// The message object of an event without the event-only members, as `chat.postMessage` returns it.
    static func withoutEventFields(_ event: FakeJSON) -> FakeJSON {
        guard case .object(var o) = event else { return event }
        for key in ["channel", "channel_type", "event_ts"] { o.removeValue(forKey: key) }
        return .object(o)
    }
}

extension FakeSlackMessage {
    mutating func setReaction(_ emoji: String, by user: String, added: Bool) {
        if let index = reactions.firstIndex(where: { $0.name == emoji }) {
            reactions[index].users.removeAll { $0 == user }
            if added { reactions[index].users.append(user) }
            if reactions[index].users.isEmpty { reactions.remove(at: index) }
        } else if added {
            reactions.append((emoji, [user]))
        }
    }
}

extension FakeSlackWorkspace {
    /// The channel (`channel`) and message (`tsKey`) a call names: channel errors, then `message_not_found`.
    func namedMessage(_ arguments: FakeJSON, tsKey: String, requireMember: Bool = true) throws -> (FakeSlackChannel, FakeSlackMessage) {
        let channel = try accessibleChannel(arguments["channel"]?.string, requireMember: requireMember)
        guard let ts = arguments[tsKey]?.string, let message = message(in: channel.id, ts: ts) else {
            throw FakeSlackAPIFailure("message_not_found")
        }
        return (channel, message)
    }

    /// The thread a reply goes to: replying to a reply threads under its parent; nil or "" means top level.
    func threadRoot(in channel: String, ts: String?) -> String? {
        guard let ts, !ts.isEmpty else { return nil }
        return message(in: channel, ts: ts)?.threadTS ?? ts
    }
}
