import Foundation

/// A message someone asked to put on an incident's timeline outside the flow of capture: Slack's "Add to timeline"
/// message shortcut, Mattermost's `/postmortem pin <permalink>`. It may be from before the incident started (it joins
/// the timeline at its own time) or from another channel (it keeps its channel).
public struct TimelineAddition: Hashable, Sendable {
    public var message: ChannelMessage
    /// Why it matters, in the asker's words (optional).
    public var note: String?
    /// Where the message can be opened (its permalink): a message from another channel keeps it on the timeline.
    public var link: String?
    public var by: Person
    /// Where the person asked from: the incident open there is the one the message joins when its own channel has
    /// none.
    public var askedIn: ChannelKey
    public var at: Date
    /// Only the incident open in the message's own channel will do (a 📌 reaction, which names no incident); the
    /// explicit ways (a shortcut, a link) also reach the one open where the person asked, or the only one open.
    public var ownChannelOnly: Bool

    public init(
        message: ChannelMessage, note: String? = nil, link: String? = nil, by: Person, askedIn: ChannelKey, at: Date, ownChannelOnly: Bool = false
    ) {
        self.ownChannelOnly = ownChannelOnly
        self.message = message
        self.note = note
        self.link = link
        self.by = by
        self.askedIn = askedIn
        self.at = at
    }
}

extension TimelineAddition {
    /// The message as a form's context carries it through the platform and back (the "Add to timeline" modal asks
    /// for a note first). Its text is cut to `textLimit` characters: a form's hidden state is small (Slack's
    /// `private_metadata` holds 3,000).
    struct CarriedMessage: Codable {
        var platform: String
        var channel: String
        var id: String
        var authorID: String
        var authorName: String
        var sentAt: Double
        var text: String
        var thread: String?
        var integration: Bool
        var link: String?

        static let textLimit = 2000

        init(_ message: ChannelMessage, link: String?) {
            self.link = link
            platform = message.channel.platform.rawValue
            channel = message.channel.channelID
            id = message.messageID
            authorID = message.author.id
            authorName = message.author.name
            sentAt = message.sentAt.timeIntervalSince1970
            text = message.text.count > Self.textLimit ? String(message.text.prefix(Self.textLimit - 1)) + "…" : message.text
            thread = message.threadParentID
            integration = message.isFromIntegration
        }

        var message: ChannelMessage {
            ChannelMessage(
                channel: ChannelKey(platform: Platform(rawValue: platform), channelID: channel), messageID: id,
                author: Person(id: authorID, name: authorName), sentAt: Date(timeIntervalSince1970: sentAt), text: text,
                threadParentID: thread, isFromIntegration: integration)
        }
    }
}
