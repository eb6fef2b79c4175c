import Foundation

/// A reply held in the store (the bot's outbox) until an adapter has posted it: a reply decided in a capture's
/// transaction or a due reminder, written in that same transaction. A process that dies before posting it leaves it
/// held, and the process that runs the scheduled work posts it once it is `HINDSIGHT_REPLY_RETRY` seconds old
/// (`ReplyOutbox`).
public struct HeldReply: Hashable, Sendable {
    /// Unique per reply; the reply carries it as `deliveryKey`.
    public var key: String
    public var channel: ChannelKey
    /// Who the reply answers (ephemeral replies go to them), when someone does.
    public var userID: String?
    public var reply: Reply
    public var heldAt: Date

    public init(key: String, channel: ChannelKey, userID: String?, reply: Reply, heldAt: Date) {
        self.key = key
        self.channel = channel
        self.userID = userID
        var reply = reply
        reply.deliveryKey = key
        self.reply = reply
        self.heldAt = heldAt
    }
}
