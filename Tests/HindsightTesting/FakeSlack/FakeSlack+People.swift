import Foundation

/// What people in the workspace do: each change is stored in the channel's history and delivered to the bot as
/// an `events_api` envelope when it is in the channel (held until a connection is live).
extension FakeSlack {
    /// A person posts in a channel (a thread reply with `threadTS`); `files` make it a `file_share`. Returns the `ts`.
    /// A channel never added is created as a public channel the bot is in.
    @discardableResult
    public func postMessage(
        channel: String, user: String, text: String, threadTS: String? = nil, subtype: String? = nil,
        files: [(id: String, name: String)] = []
    ) async -> String {
        let (message, channel) = store(channel: channel, user: user, text: text, threadTS: threadTS, subtype: subtype, files: files)
        await publish(messageEvent(message, in: channel), in: channel)
        return message.ts
    }

    /// The load path: people post `messages` at once, each as `postMessage` would, and their envelopes go out
    /// together, one write per connection. Returns the `ts` of each.
    @discardableResult
    public func postMessages(_ messages: [(channel: String, user: String, text: String)]) async -> [String] {
        let prepared = prepareMessages(messages)
        await deliver(prepared)
        return prepared.timestamps
    }

    /// The first half of `postMessages`, for a load generator that builds its messages before it starts the clock:
    /// they are stored in history (as Slack stores a message before it delivers the event) and their events encoded,
    /// but nothing is sent until `deliver`.
    public func prepareMessages(_ messages: [(channel: String, user: String, text: String)]) -> PreparedMessages {
        var payloads: [FakeSlackSocket.Payload] = []
        payloads.reserveCapacity(messages.count)
        let stamps = messages.map { posted in
            let (message, channel) = store(channel: posted.channel, user: posted.user, text: posted.text, threadTS: nil, subtype: nil, files: [])
            if channel.botIsMember { payloads.append(eventCallback(messageEvent(message, in: channel))) }
            return message.ts
        }
        return PreparedMessages(payloads: payloads, timestamps: stamps)
    }

    /// The second half of `postMessages`: the prepared messages' envelopes go out together, one write per connection.
    public func deliver(_ prepared: PreparedMessages) async {
        await socket.deliver(prepared.payloads)
    }

    /// Posts in history without delivering any envelope, as if Slack failed to deliver while the bot was away (a thread
    /// reply with `threadTS`).
    @discardableResult
    public func postMessageUndelivered(channel: String, user: String, text: String, threadTS: String? = nil) -> String {
        store(channel: channel, user: user, text: text, threadTS: threadTS, subtype: nil, files: []).message.ts
    }

    /// Edits a message in history without delivering `message_changed`.
    public func editMessageUndelivered(channel: String, ts: String, text: String, by user: String) {
        state.withLock { state in
            let editTS = state.workspace.nextTS(in: channel)
            _ = state.workspace.update(in: channel, ts: ts) { message in
                message.text = text
                if message.botID == nil, message.blocks != nil { message.blocks = FakeSlackWorkspace.richTextBlocks(for: text) }
                message.edited = (user, editTS)
            }
        }
    }

    /// A person mentions the bot: a message with `<@BOT> text`, delivered as a `message` and an `app_mention`
    /// event (two envelopes, as Slack sends them). Returns the `ts`.
    @discardableResult
    public func mention(channel: String, user: String, text: String) async -> String {
        let (message, channel) = store(channel: channel, user: user, text: "<@\(botUserID)> \(text)", threadTS: nil, subtype: nil, files: [])
        await publish(messageEvent(message, in: channel), in: channel)
        await publish(appMentionEvent(message, in: channel), in: channel)
        return message.ts
    }

    /// The author edits a message: `message_changed` with `edited{user,ts}`.
    public func editMessage(channel: String, ts: String, text: String, by user: String) async {
        let change = state.withLock { state -> (old: FakeSlackMessage, new: FakeSlackMessage, channel: FakeSlackChannel)? in
            let editTS = state.workspace.nextTS(in: channel)
            guard let change = state.workspace.update(in: channel, ts: ts, { message in
                message.text = text
                if message.botID == nil, message.blocks != nil { message.blocks = FakeSlackWorkspace.richTextBlocks(for: text) }
                message.edited = (user, editTS)
            }) else { return nil }
            return (change.old, change.new, state.workspace.ensureChannel(channel))
        }
        guard let change else { return }
        await publish(messageChangedEvent(old: change.old, new: change.new, in: change.channel), in: change.channel)
    }

    /// A message is deleted: gone from history, `message_deleted` with `deleted_ts`.
    public func deleteMessage(channel: String, ts: String) async {
        let removed = state.withLock { state -> (FakeSlackMessage, FakeSlackChannel)? in
            guard let message = state.workspace.remove(from: channel, ts: ts) else { return nil }
            return (message, state.workspace.ensureChannel(channel))
        }
        guard case let (message, channel)? = removed else { return }
        await publish(messageDeletedEvent(message, in: channel), in: channel)
    }

    /// A person adds (or removes) a reaction: `reaction_added` / `reaction_removed`.
    public func react(channel: String, ts: String, user: String, emoji: String, added: Bool = true) async {
        let change = state.withLock { state -> (FakeSlackMessage, FakeSlackChannel)? in
            guard let change = state.workspace.update(in: channel, ts: ts, { $0.setReaction(emoji, by: user, added: added) }) else { return nil }
            return (change.new, state.workspace.ensureChannel(channel))
        }
        guard case let (message, channel)? = change else { return }
        await publish(reactionEvent(added: added, user: user, emoji: emoji, message: message, in: channel), in: channel)
    }

    /// A person pins a message: `pin_added`.
    public func pin(channel: String, ts: String, user: String) async {
        let change = state.withLock { state -> (FakeSlackMessage, FakeSlackChannel)? in
            guard let change = state.workspace.update(in: channel, ts: ts, { $0.pinned = true }) else { return nil }
            return (change.new, state.workspace.ensureChannel(channel))
        }
        guard case let (message, channel)? = change else { return }
        await publish(pinEvent(added: true, user: user, message: message, in: channel), in: channel)
    }

    /// `user` invites the bot: it becomes a member, a `channel_join` message appears and `member_joined_channel` is sent.
    public func addBotToChannel(_ channel: String, by user: String) async {
        let (joined, channel) = state.withLock { state -> (FakeSlackMessage, FakeSlackChannel) in
            _ = state.workspace.ensureChannel(channel)
            state.workspace.channels[channel]?.botIsMember = true
            let message = FakeSlackMessage(
                ts: state.workspace.nextTS(in: channel), user: botUserID, text: "<@\(botUserID)> has joined the channel",
                subtype: "channel_join"
            )
            state.workspace.append(message, to: channel)
            return (message, state.workspace.channels[channel]!)
        }
        await publish([
            "type": "member_joined_channel", "user": .string(botUserID), "channel": .string(channel.id),
            "channel_type": .string(channel.isPrivate ? "G" : "C"), "team": .string(teamID), "inviter": .string(user),
            "event_ts": .string(joined.ts),
        ], in: channel)
        await publish(messageEvent(joined, in: channel).setting("inviter", .string(user)), in: channel)
    }

    private func store(
        channel: String, user: String, text: String, threadTS: String?, subtype: String?, files: [(id: String, name: String)]
    ) -> (message: FakeSlackMessage, channel: FakeSlackChannel) {
        let fileObjects = files.map { fileObject(id: $0.id, name: $0.name, user: user) }
        return state.withLock { state in
            let channel = state.workspace.ensureChannel(channel)
            let subtype = subtype ?? (files.isEmpty ? nil : "file_share")
            let typed = subtype == nil || subtype == "thread_broadcast"  // what a person typed carries a client id and rich text
            let message = FakeSlackMessage(
                ts: state.workspace.nextTS(in: channel.id), user: user, text: text,
                blocks: typed ? FakeSlackWorkspace.richTextBlocks(for: text) : nil,
                threadTS: state.workspace.threadRoot(in: channel.id, ts: threadTS), subtype: subtype, files: fileObjects,
                clientMsgID: typed ? FakeSlackID.uuid() : nil
            )
            state.workspace.append(message, to: channel.id)
            return (message, channel)
        }
    }
}

/// Messages stored in the fake's history whose events are encoded but not yet sent (`FakeSlack.prepareMessages`).
public struct PreparedMessages: Sendable {
    let payloads: [FakeSlackSocket.Payload]
    /// The `ts` of each message, in the order given.
    public let timestamps: [String]
}
