import Foundation

/// Who the fake is: the app, its bot and the workspace, as `auth.test` and every payload report them.
struct FakeSlackIdentity: Sendable {
    static let appID = "A0FAKE"
    static let teamDomain = "fake"
    /// The legacy verification token Slack still puts in payloads.
    static let verificationToken = "fake-verification-token"

    var botToken: String
    var appToken: String
    var botUserID: String
    var botID: String
    var teamID: String
}

/// A conversation the fake knows.
struct FakeSlackChannel: Sendable {
    var id: String
    var name: String
    var isPrivate: Bool
    var botIsMember: Bool
    var created: Int
    /// People invited with `conversations.invite` (the fake does not track who else is in a channel).
    var invited: [String] = []
    var topic = ""

    /// `channel_type` in message events.
    var channelType: String { isPrivate ? "group" : "channel" }
}

/// A workspace member as `users.info` returns it.
struct FakeSlackUser: Sendable {
    var id: String
    var name: String
    var displayName: String
    var realName: String
    var isBot = false
}

/// A message as stored in a channel's history.
struct FakeSlackMessage: Sendable {
    var ts: String
    var user: String
    /// Set for messages the app's bot posted.
    var botID: String?
    var text: String
    var blocks: FakeJSON?
    var threadTS: String?
    var subtype: String?
    var files: [FakeJSON] = []
    var edited: (user: String, ts: String)?
    var clientMsgID: String?
    var reactions: [(name: String, users: [String])] = []
    var pinned = false

    /// A reply inside a thread (not the parent).
    var isReply: Bool { threadTS != nil && threadTS != ts }
    /// Shown in `conversations.history`: top-level messages and replies also sent to the channel.
    var isInChannelHistory: Bool { !isReply || subtype == "thread_broadcast" }
}

/// A Web API failure: `{"ok": false, "error": code}` with HTTP 200, as Slack answers.
struct FakeSlackAPIFailure: Error {
    var code: String
    var messages: [String] = []

    init(_ code: String, messages: [String] = []) {
        self.code = code
        self.messages = messages
    }
}

/// Channels, users and message histories, behind the fake's lock.
struct FakeSlackWorkspace {
    let identity: FakeSlackIdentity
    var users: [String: FakeSlackUser] = [:]
    var channels: [String: FakeSlackChannel] = [:]
    /// Per channel, in `ts` order (timestamps are handed out increasing, so appending keeps the order).
    var history: [String: [FakeSlackMessage]] = [:]
    private var lastMicros: [String: Int64] = [:]

    init(identity: FakeSlackIdentity) {
        self.identity = identity
        users[identity.botUserID] = FakeSlackUser(
            id: identity.botUserID, name: "hindsight", displayName: "hindsight", realName: "Hindsight", isBot: true
        )
    }

    // MARK: Timestamps

    /// A fresh `ts` for `channel`: the current time with microseconds, strictly increasing within the channel.
    mutating func nextTS(in channel: String) -> String {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let micros = max(now, (lastMicros[channel] ?? 0) + 1)
        lastMicros[channel] = micros
        return FakeSlackID.ts(micros: micros)
    }

    // MARK: Channels

    /// The channel named by id, or by name with or without `#` (as `chat.postMessage` accepts).
    func channel(_ reference: String?) -> FakeSlackChannel? {
        guard let reference, !reference.isEmpty else { return nil }
        if let channel = channels[reference] { return channel }
        let name = reference.hasPrefix("#") ? String(reference.dropFirst()) : reference
        return channels.values.first { $0.name == name }
    }

    /// The channel the bot may read or write: `channel_not_found` (private channels the bot is not in are
    /// invisible to it), `not_in_channel` when `requireMember` and the bot has not joined.
    func accessibleChannel(_ reference: String?, requireMember: Bool = true) throws(FakeSlackAPIFailure) -> FakeSlackChannel {
        guard let channel = channel(reference), channel.botIsMember || !channel.isPrivate else {
            throw FakeSlackAPIFailure("channel_not_found")
        }
        if requireMember, !channel.botIsMember { throw FakeSlackAPIFailure("not_in_channel") }
        return channel
    }

    /// The app's direct-message channel with `user` (`D…`), opened on first use.
    mutating func directMessages(with user: String) -> FakeSlackChannel {
        let id = "D" + user.dropFirst()
        if let channel = channels[id] { return channel }
        let channel = FakeSlackChannel(id: id, name: id.lowercased(), isPrivate: true, botIsMember: true, created: FakeSlackID.epochSeconds())
        channels[id] = channel
        return channel
    }

    /// The channel with this id, created as a public channel the bot is in when a test posts somewhere new.
    mutating func ensureChannel(_ id: String) -> FakeSlackChannel {
        if let channel = channels[id] { return channel }
        let channel = FakeSlackChannel(id: id, name: id.lowercased(), isPrivate: false, botIsMember: true, created: FakeSlackID.epochSeconds())
        channels[id] = channel
        return channel
    }

    // MARK: Messages

    func message(in channel: String, ts: String) -> FakeSlackMessage? {
        history[channel]?.first { $0.ts == ts }
    }

    mutating func append(_ message: FakeSlackMessage, to channel: String) {
        history[channel, default: []].append(message)
    }

    /// Applies `change` to the stored message; returns the old and new versions.
    mutating func update(in channel: String, ts: String, _ change: (inout FakeSlackMessage) -> Void) -> (old: FakeSlackMessage, new: FakeSlackMessage)? {
        guard let index = history[channel]?.firstIndex(where: { $0.ts == ts }), let old = history[channel]?[index] else { return nil }
        change(&history[channel]![index])
        return (old, history[channel]![index])
    }

    /// Removes the message from history (Slack's tombstones for threads are not modelled).
    mutating func remove(from channel: String, ts: String) -> FakeSlackMessage? {
        guard let index = history[channel]?.firstIndex(where: { $0.ts == ts }) else { return nil }
        return history[channel]?.remove(at: index)
    }

    func replies(in channel: String, to parentTS: String) -> [FakeSlackMessage] {
        (history[channel] ?? []).filter { $0.threadTS == parentTS && $0.ts != parentTS }
    }

    /// Rich-text blocks as Slack's clients attach them to what people type.
    static func richTextBlocks(for text: String) -> FakeJSON {
        [[
            "type": "rich_text", "block_id": .string(FakeSlackID.make("", length: 5).lowercased()),
            "elements": [["type": "rich_text_section", "elements": [["type": "text", "text": .string(text)]]]],
        ]]
    }

    // MARK: Rendering

    /// The message object as Slack returns it: in events, or (`forHistory`) from the history methods, which
    /// add thread counts, reactions and pins.
    func render(_ message: FakeSlackMessage, in channel: String, forHistory: Bool) -> FakeJSON {
        var o: [String: FakeJSON] = [
            "type": "message", "text": .string(message.text), "ts": .string(message.ts),
            "user": .string(message.user), "team": .string(identity.teamID),
        ]
        if let botID = message.botID {
            o["bot_id"] = .string(botID)
            o["app_id"] = .string(FakeSlackIdentity.appID)
            o["bot_profile"] = [
                "id": .string(botID), "app_id": .string(FakeSlackIdentity.appID), "name": "hindsight", "deleted": false,
                "team_id": .string(identity.teamID),
            ]
        }
        if let subtype = message.subtype { o["subtype"] = .string(subtype) }
        if let clientMsgID = message.clientMsgID { o["client_msg_id"] = .string(clientMsgID) }
        if let blocks = message.blocks { o["blocks"] = blocks }
        if !message.files.isEmpty {
            o["files"] = .array(message.files)
            o["upload"] = false
        }
        if let threadTS = message.threadTS {
            o["thread_ts"] = .string(threadTS)
            if message.isReply, let parent = self.message(in: channel, ts: threadTS) { o["parent_user_id"] = .string(parent.user) }
        }
        if let edited = message.edited { o["edited"] = ["user": .string(edited.user), "ts": .string(edited.ts)] }
        guard forHistory else { return .object(o) }
        let replies = self.replies(in: channel, to: message.ts)
        if !message.isReply, let latest = replies.last {
            var replyUsers: [String] = []
            for reply in replies where !replyUsers.contains(reply.user) { replyUsers.append(reply.user) }
            o["thread_ts"] = .string(message.ts)
            o["reply_count"] = .int(replies.count)
            o["reply_users_count"] = .int(replyUsers.count)
            o["reply_users"] = .array(replyUsers.prefix(5).map(FakeJSON.string))
            o["latest_reply"] = .string(latest.ts)
            o["is_locked"] = false
            o["subscribed"] = false
        }
        if !message.reactions.isEmpty {
            o["reactions"] = .array(message.reactions.map {
                ["name": .string($0.name), "users": .array($0.users.map(FakeJSON.string)), "count": .int($0.users.count)]
            })
        }
        if message.pinned { o["pinned_to"] = [.string(channel)] }
        return .object(o)
    }

    func render(_ channel: FakeSlackChannel) -> FakeJSON {
        [
            "id": .string(channel.id), "name": .string(channel.name), "name_normalized": .string(channel.name),
            "is_channel": .bool(!channel.isPrivate), "is_group": .bool(channel.isPrivate), "is_im": false, "is_mpim": false,
            "is_private": .bool(channel.isPrivate), "is_archived": false, "is_general": false, "is_shared": false,
            "is_ext_shared": false, "is_org_shared": false, "is_member": .bool(channel.botIsMember),
            "created": .int(channel.created), "creator": "U0CREATOR", "context_team_id": .string(identity.teamID),
            "topic": ["value": .string(channel.topic), "creator": "", "last_set": 0], "purpose": ["value": "", "creator": "", "last_set": 0],
        ]
    }

    func render(_ user: FakeSlackUser) -> FakeJSON {
        [
            "id": .string(user.id), "team_id": .string(identity.teamID), "name": .string(user.name), "deleted": false,
            "real_name": .string(user.realName), "tz": "Europe/London", "tz_label": "Greenwich Mean Time", "tz_offset": 0,
            "is_bot": .bool(user.isBot), "is_app_user": false, "is_admin": false, "is_owner": false, "updated": 1_700_000_000,
            "profile": [
                "display_name": .string(user.displayName), "display_name_normalized": .string(user.displayName),
                "real_name": .string(user.realName), "real_name_normalized": .string(user.realName),
                "team": .string(identity.teamID),
            ],
        ]
    }
}
