import HindsightCore

typealias HindsightCoreReply = Reply

/// Replies that are posted after an HTTP answer went back (files, extra posts, dialog results), handed from the
/// route handlers to the adapter's `run()` which posts them in order.
struct PendingReplies: Sendable {
    struct Item: Sendable {
        var reply: HindsightCoreReply
        var channelID: String
        var userID: String?
    }

    let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    func enqueue(_ reply: HindsightCoreReply, channelID: String, userID: String?) {
        continuation.yield(Item(reply: reply, channelID: channelID, userID: userID))
    }

    func finish() { continuation.finish() }
}
