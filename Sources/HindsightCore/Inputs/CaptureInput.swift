import Foundation

/// A message said in a channel, as an adapter saw it on the wire.
public struct ChannelMessage: Hashable, Sendable {
    public var channel: ChannelKey
    public var messageID: String
    public var author: Person
    /// The platform's own timestamp of the message (UTC).
    public var sentAt: Date
    public var text: String
    public var threadParentID: String?
    public var attachments: [Attachment]
    /// True when the platform marks the author as this bot (adapters know the bot's ids).
    public var isFromThisBot: Bool
    /// True when an integration posted it (an alerting, status-page or deploy bot: Slack `bot_id`/`bot_message`,
    /// Mattermost `from_webhook`/`from_bot`), so what it says is a signal rather than a responder's words.
    public var isFromIntegration: Bool

    public init(
        channel: ChannelKey, messageID: String, author: Person, sentAt: Date, text: String,
        threadParentID: String? = nil, attachments: [Attachment] = [], isFromThisBot: Bool = false, isFromIntegration: Bool = false
    ) {
        self.channel = channel
        self.messageID = messageID
        self.author = author
        self.sentAt = sentAt
        self.text = text
        self.threadParentID = threadParentID
        self.attachments = attachments
        self.isFromThisBot = isFromThisBot
        self.isFromIntegration = isFromIntegration
    }
}

/// Everything a channel adapter feeds into timeline capture.
public enum CaptureInput: Hashable, Sendable {
    /// A new message (live, replayed or backfilled).
    case message(ChannelMessage)
    /// A message's text changed.
    case edit(channel: ChannelKey, messageID: String, newText: String, editedAt: Date)
    /// A message was deleted.
    case deletion(channel: ChannelKey, messageID: String, deletedAt: Date)
    /// A reaction was added to or removed from a message; `fromThisBot` when the bot itself reacted (only the wire
    /// says who the bot is: the adapter marks it, the pipeline drops it).
    case reaction(channel: ChannelKey, messageID: String, emoji: String, by: Person, added: Bool, fromThisBot: Bool = false)
    /// A message was pinned or unpinned; `fromThisBot` as for a reaction.
    case pin(channel: ChannelKey, messageID: String, by: Person, added: Bool, fromThisBot: Bool = false)

    public var channel: ChannelKey {
        switch self {
        case let .message(m): m.channel
        case let .edit(c, _, _, _), let .deletion(c, _, _), let .reaction(c, _, _, _, _, _), let .pin(c, _, _, _, _): c
        }
    }

    /// Who a reply to this input is for (an ephemeral reply reaches them): the author of a message; nil otherwise.
    public var authorID: String? {
        if case let .message(m) = self { m.author.id } else { nil }
    }
}

/// A `/postmortem …` command as typed by a responder.
public struct CommandInvocation: Hashable, Sendable {
    public var channel: ChannelKey
    public var user: Person
    /// Everything after `/postmortem`.
    public var text: String
    /// When the platform received it; the default for milestone times.
    public var receivedAt: Date
    /// Whether the adapter can open a `Form` for this invocation (it has a trigger id); otherwise the desk
    /// answers with the one-line syntax instead.
    public var canOpenForms: Bool

    public init(channel: ChannelKey, user: Person, text: String, receivedAt: Date, canOpenForms: Bool = false) {
        self.channel = channel
        self.user = user
        self.text = text
        self.receivedAt = receivedAt
        self.canOpenForms = canOpenForms
    }
}
