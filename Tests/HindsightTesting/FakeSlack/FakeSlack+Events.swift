import Foundation

/// The Events API shapes the fake sends: the `event_callback` wrapper and the `event` objects of slack.md.
extension FakeSlack {
    /// Wraps an event the way Slack does before putting it in an `events_api` envelope; every call mints a new
    /// `event_id`. Encoded here, once: the envelope around it (and each redelivery's) is written around this text.
    func eventCallback(_ event: FakeJSON) -> FakeSlackSocket.Payload {
        let eventID = FakeSlackID.make("Ev")
        var out: [UInt8] = []
        out.reserveCapacity(1_024)
        out.append(contentsOf: #"{"event":"#.utf8)
        event.write(to: &out)
        out.append(contentsOf: #","event_id":""#.utf8)
        out.append(contentsOf: eventID.utf8)
        out.append(contentsOf: #"","event_time":"#.utf8)
        out.append(contentsOf: String(FakeSlackID.epochSeconds()).utf8)
        out.append(contentsOf: #","event_context":"4-"#.utf8)
        out.append(contentsOf: FakeSlackID.make("", length: 40).lowercased().utf8)
        out.append(contentsOf: #"","#.utf8)
        out.append(contentsOf: callbackMembers.utf8)
        out.append(UInt8(ascii: "}"))
        return .init(eventID: eventID, text: String(decoding: out, as: UTF8.self), messageTS: event["ts"]?.string)
    }

    /// The members of every `event_callback` that are the same for all of them, encoded (without braces): kept as
    /// `callbackMembers`.
    static func callbackMembers(_ identity: FakeSlackIdentity) -> String {
        let members: FakeJSON = [
            "token": .string(FakeSlackIdentity.verificationToken), "team_id": .string(identity.teamID),
            "context_team_id": .string(identity.teamID), "context_enterprise_id": .null, "api_app_id": .string(FakeSlackIdentity.appID),
            "type": "event_callback",
            "authorizations": [[
                "enterprise_id": .null, "team_id": .string(identity.teamID), "user_id": .string(identity.botUserID), "is_bot": true,
                "is_enterprise_install": false,
            ]],
            "is_ext_shared_channel": false,
        ]
        return String(members.text.dropFirst().dropLast())
    }

    /// Delivers `event` over Socket Mode when the bot is in the channel (Slack sends channel events only to members).
    func publish(_ event: FakeJSON, in channel: FakeSlackChannel) async {
        guard channel.botIsMember else { return }
        await socket.deliver([eventCallback(event)])
    }

    /// A `message` event for a new message: the message object plus `channel`, `channel_type` and `event_ts`.
    func messageEvent(_ message: FakeSlackMessage, in channel: FakeSlackChannel) -> FakeJSON {
        state.withLock { $0.workspace.render(message, in: channel.id, forHistory: false) }.merging([
            "channel": .string(channel.id), "channel_type": .string(channel.channelType), "event_ts": .string(message.ts),
        ])
    }

    /// `message_changed`: the new version (with `edited`) and the previous one, stamped with a fresh `ts`.
    func messageChangedEvent(old: FakeSlackMessage, new: FakeSlackMessage, in channel: FakeSlackChannel) -> FakeJSON {
        state.withLock { state in
            let ts = state.workspace.nextTS(in: channel.id)
            return [
                "type": "message", "subtype": "message_changed", "hidden": true, "channel": .string(channel.id),
                "channel_type": .string(channel.channelType), "ts": .string(ts), "event_ts": .string(ts),
                "message": state.workspace.render(new, in: channel.id, forHistory: false),
                "previous_message": state.workspace.render(old, in: channel.id, forHistory: false),
            ]
        }
    }

    /// `message_deleted`: `deleted_ts` and the previous message, stamped with a fresh `ts`.
    func messageDeletedEvent(_ old: FakeSlackMessage, in channel: FakeSlackChannel) -> FakeJSON {
        state.withLock { state in
            let ts = state.workspace.nextTS(in: channel.id)
            return [
                "type": "message", "subtype": "message_deleted", "hidden": true, "channel": .string(channel.id),
                "channel_type": .string(channel.channelType), "ts": .string(ts), "event_ts": .string(ts),
                "deleted_ts": .string(old.ts), "previous_message": state.workspace.render(old, in: channel.id, forHistory: false),
            ]
        }
    }

    /// `reaction_added` / `reaction_removed` on a message.
    func reactionEvent(added: Bool, user: String, emoji: String, message: FakeSlackMessage, in channel: FakeSlackChannel) -> FakeJSON {
        let ts = state.withLock { $0.workspace.nextTS(in: channel.id) }
        return [
            "type": .string(added ? "reaction_added" : "reaction_removed"), "user": .string(user), "reaction": .string(emoji),
            "item": ["type": "message", "channel": .string(channel.id), "ts": .string(message.ts)],
            "item_user": .string(message.user), "event_ts": .string(ts),
        ]
    }

    /// `pin_added` / `pin_removed` for a message.
    func pinEvent(added: Bool, user: String, message: FakeSlackMessage, in channel: FakeSlackChannel) -> FakeJSON {
        state.withLock { state in
            let ts = state.workspace.nextTS(in: channel.id)
            let pinCount = (state.workspace.history[channel.id] ?? []).filter(\.pinned).count
            return [
                "type": .string(added ? "pin_added" : "pin_removed"), "user": .string(user), "channel_id": .string(channel.id),
                "item": [
                    "type": "message", "created": .int(FakeSlackID.epochSeconds()), "created_by": .string(user),
                    "channel": .string(channel.id), "message": state.workspace.render(message, in: channel.id, forHistory: true),
                ],
                "item_user": .string(message.user), "pin_count": .int(pinCount),
                "pinned_info": ["channel": .string(channel.id), "pinned_by": .string(user), "pinned_ts": .int(FakeSlackID.epochSeconds())],
                "event_ts": .string(ts),
            ]
        }
    }

    /// `app_mention` for a message that mentions the bot.
    func appMentionEvent(_ message: FakeSlackMessage, in channel: FakeSlackChannel) -> FakeJSON {
        var event: FakeJSON = [
            "type": "app_mention", "user": .string(message.user), "text": .string(message.text), "ts": .string(message.ts),
            "team": .string(teamID), "channel": .string(channel.id), "event_ts": .string(message.ts),
        ]
        if let clientMsgID = message.clientMsgID { event = event.setting("client_msg_id", .string(clientMsgID)) }
        if let blocks = message.blocks { event = event.setting("blocks", blocks) }
        if let threadTS = message.threadTS { event = event.setting("thread_ts", .string(threadTS)) }
        return event
    }

    /// A file object as messages and `files.completeUploadExternal` carry it.
    func fileObject(id: String, name: String, title: String? = nil, user: String, size: Int = 0) -> FakeJSON {
        let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : "text"
        return [
            "id": .string(id), "created": .int(FakeSlackID.epochSeconds()), "timestamp": .int(FakeSlackID.epochSeconds()),
            "name": .string(name), "title": .string(title ?? name), "mimetype": .string(ext == "pdf" ? "application/pdf" : "text/plain"),
            "filetype": .string(ext), "pretty_type": .string(ext.uppercased()), "user": .string(user), "user_team": .string(teamID),
            "mode": "hosted", "is_external": false, "is_public": true, "size": .int(size),
            "url_private": .string("\(baseURL)/files/\(id)/\(name)"), "url_private_download": .string("\(baseURL)/files/\(id)/download/\(name)"),
            "permalink": .string("https://fake.slack.com/files/\(user)/\(id)/\(name)"),
        ]
    }
}
