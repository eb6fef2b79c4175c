import Foundation
import HindsightCore

/// Turns Mattermost events and posts into the core's capture inputs, whatever the delivery path (live, replayed,
/// backfilled). System posts (`type` starting with `system_`: joins, header changes…) are skipped: they are
/// channel housekeeping, not what responders said. Integration posts (e.g. `slack_attachment` from alerting
/// webhooks) are kept. The bot's own posts are marked as such, for the capture pipeline to drop.
public struct EventTranslator: Sendable {
    /// The bot's user id, from `users/me`.
    public var botUserID: String
    /// The server's base URL, for links to attached files.
    public var serverURL: String

    public init(botUserID: String, serverURL: String) {
        self.botUserID = botUserID
        self.serverURL = serverURL
    }

    /// The capture inputs for one socket event (none for events Hindsight does not record).
    public func inputs(for event: SocketEvent, names: some UserNameLookup) async throws -> [CaptureInput] {
        switch event.name {
        case "posted":
            guard let post = try event.data.decodedPost() else { return [] }
            return await message(post, names: names).map { [.message($0)] } ?? []
        case "post_edited":
            guard let post = try event.data.decodedPost(), shouldCapture(post) else { return [] }
            let editedAt = post.editAt > 0 ? post.editAt : post.updateAt
            return [.edit(channel: key(post.channelID), messageID: post.id, newText: post.message, editedAt: date(editedAt))]
        case "post_deleted":
            guard let post = try event.data.decodedPost(), shouldCapture(post) else { return [] }
            let deletedAt = post.deleteAt > 0 ? post.deleteAt : post.updateAt
            return [.deletion(channel: key(post.channelID), messageID: post.id, deletedAt: date(deletedAt))]
        case "reaction_added", "reaction_removed":
            guard let reaction = try event.data.decodedReaction(),
                  let channelID = reaction.channelID ?? event.broadcast.channelID, !channelID.isEmpty
            else { return [] }
            let person = Person(id: reaction.userID, name: await names.displayName(of: reaction.userID))
            return [.reaction(
                channel: key(channelID), messageID: reaction.postID, emoji: reaction.emojiName, by: person,
                added: event.name == "reaction_added", fromThisBot: reaction.userID == botUserID
            )]
        default:
            return []
        }
    }

    /// The inputs for a post fetched over REST: the message, then its edit or deletion if any.
    public func inputs(forBackfilled post: MattermostPost, names: some UserNameLookup) async -> [CaptureInput] {
        guard let message = await message(post, names: names) else { return [] }
        if post.deleteAt > 0 {
            // Capture it first so the timeline keeps what was said, then mark it deleted.
            return [.message(message), .deletion(channel: message.channel, messageID: post.id, deletedAt: date(post.deleteAt))]
        }
        if post.editAt > 0 {
            return [.message(message), .edit(channel: message.channel, messageID: post.id, newText: post.message, editedAt: date(post.editAt))]
        }
        return [.message(message)]
    }

    /// The edit or deletion a post fetched over REST carries, for a post already stored (none when it has neither).
    public func inputs(forRevised post: MattermostPost) -> [CaptureInput] {
        guard shouldCapture(post) else { return [] }
        if post.deleteAt > 0 { return [.deletion(channel: key(post.channelID), messageID: post.id, deletedAt: date(post.deleteAt))] }
        if post.editAt > 0 {
            return [.edit(channel: key(post.channelID), messageID: post.id, newText: post.message, editedAt: date(post.editAt))]
        }
        return []
    }

    /// A `ChannelMessage` for a post the timeline should see, or nil.
    func message(_ post: MattermostPost, names: some UserNameLookup) async -> ChannelMessage? {
        guard shouldCapture(post) else { return nil }
        let author = Person(id: post.userID, name: await names.displayName(of: post.userID))
        return ChannelMessage(
            channel: key(post.channelID), messageID: post.id, author: author, sentAt: date(post.createAt),
            text: post.message, threadParentID: post.rootID.isEmpty ? nil : post.rootID,
            attachments: post.fileIDs.map { Attachment(name: $0, url: "\(serverURL)/api/v4/files/\($0)") },
            isFromThisBot: post.userID == botUserID, isFromIntegration: post.fromIntegration
        )
    }

    private func shouldCapture(_ post: MattermostPost) -> Bool {
        !post.type.hasPrefix("system_") && !post.channelID.isEmpty
    }

    private func key(_ channelID: String) -> ChannelKey { ChannelKey(platform: .mattermost, channelID: channelID) }

    private func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
