import Foundation
import HindsightCore

/// Turns Slack events and history messages into the core's capture inputs, whatever the delivery path (live,
/// retried, backfilled). Messages with subtypes people produce (`thread_broadcast`, `file_share`, `bot_message` from
/// other integrations, `channel_join`…) are captured like any message; `message_changed` and `message_deleted` become
/// edits and deletions. The bot's own messages (its `user_id` or `bot_id` from `auth.test`) are marked as such, for the
/// capture pipeline to drop.
struct EventTranslator: Sendable {
    var botUserID: String
    var botID: String?

    /// Subtypes that are not something said in the channel.
    private static let housekeeping: Set<String> = [
        "channel_topic", "channel_purpose", "channel_name", "channel_archive", "channel_unarchive", "group_topic",
        "group_purpose", "group_name", "ekm_access_denied", "reminder_add", "pinned_item", "unpinned_item",
    ]

    /// The capture inputs for one event (none for events Hindsight does not record).
    func inputs(for event: SlackEvent, names: some UserNameLookup) async -> [CaptureInput] {
        switch event.type {
        case "message":
            guard let channel = event.channel else { return [] }
            switch event.subtype {
            case "message_changed":
                guard let message = event.message, let ts = message.ts else { return [] }
                let editedAt = date(message.edited?.ts ?? event.event_ts ?? event.ts)
                return [.edit(channel: key(channel), messageID: ts, newText: message.text ?? "", editedAt: editedAt)]
            case "message_deleted":
                guard let ts = event.deleted_ts else { return [] }
                return [.deletion(channel: key(channel), messageID: ts, deletedAt: date(event.event_ts ?? event.ts))]
            default:
                let message = SlackMessage(
                    type: "message", subtype: event.subtype, user: event.user, bot_id: event.bot_id, text: event.text, ts: event.ts,
                    thread_ts: event.thread_ts, files: event.files
                )
                return await self.message(message, in: channel, names: names).map { [.message($0)] } ?? []
            }
        case "reaction_added", "reaction_removed":
            guard let item = event.item, item.type == nil || item.type == "message", let channel = item.channel, let ts = item.ts,
                  let emoji = event.reaction, let user = event.user
            else { return [] }
            let person = Person(id: user, name: await names.displayName(of: user))
            return [.reaction(channel: key(channel), messageID: ts, emoji: emoji, by: person, added: event.type == "reaction_added",
                              fromThisBot: isOwn(user, nil))]
        case "pin_added", "pin_removed":
            guard let channel = event.channel_id ?? event.item?.channel ?? event.channel,
                  let ts = event.item?.message?.ts ?? event.item?.ts, let user = event.user
            else { return [] }
            let person = Person(id: user, name: await names.displayName(of: user))
            return [.pin(channel: key(channel), messageID: ts, by: person, added: event.type == "pin_added", fromThisBot: isOwn(user, nil))]
        default:
            return []
        }
    }

    /// The inputs for a message fetched with `conversations.history` / `conversations.replies`: the message, then its
    /// edit when it was edited (so the timeline shows both what was said and that it changed).
    func inputs(forHistory message: SlackMessage, in channel: String, names: some UserNameLookup) async -> [CaptureInput] {
        guard let captured = await self.message(message, in: channel, names: names) else { return [] }
        if let edited = message.edited, let ts = message.ts {
            return [.message(captured), .edit(channel: key(channel), messageID: ts, newText: message.text ?? "", editedAt: date(edited.ts))]
        }
        return [.message(captured)]
    }

    /// A `ChannelMessage` for a message the timeline should see, or nil.
    func message(_ message: SlackMessage, in channel: String, names: some UserNameLookup) async -> ChannelMessage? {
        guard let ts = message.ts, !ts.isEmpty else { return nil }
        if let subtype = message.subtype, Self.housekeeping.contains(subtype) { return nil }
        let authorID = message.user ?? message.bot_id ?? "unknown"
        let author = Person(id: authorID, name: message.user != nil ? await names.displayName(of: authorID) : authorID)
        let threadParent = message.thread_ts.flatMap { $0 == ts ? nil : $0 }
        return ChannelMessage(
            channel: key(channel), messageID: ts, author: author, sentAt: date(ts), text: message.text ?? "",
            threadParentID: threadParent,
            attachments: (message.files ?? []).map { Attachment(name: $0.name ?? $0.title ?? $0.id ?? "file", url: $0.permalink ?? $0.url_private ?? "") },
            isFromThisBot: isOwn(message.user, message.bot_id), isFromIntegration: message.bot_id != nil || message.subtype == "bot_message"
        )
    }

    /// Whether a message was posted by this bot.
    func isOwn(_ user: String?, _ botID: String?) -> Bool {
        (user != nil && user == botUserID) || (botID != nil && botID == self.botID)
    }

    private func key(_ channel: String) -> ChannelKey { ChannelKey(platform: .slack, channelID: channel) }

    /// A Slack `ts` (epoch seconds with microseconds, as a string) as a date; now when absent or unreadable.
    func date(_ ts: String?) -> Date {
        guard let ts, let seconds = Double(ts) else { return Date() }
        return Date(timeIntervalSince1970: seconds)
    }
}
