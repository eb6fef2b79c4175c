import Foundation

extension FakeSlackWorkspace {
    /// `conversations.history`: top-level messages and thread broadcasts, newest first, between `oldest` and
    /// `latest` (exclusive unless `inclusive`), `limit` (default 100, at most 1,000) per page.
    func historyPage(channel: String, arguments: FakeJSON) throws(FakeSlackAPIFailure) -> FakeJSON {
        let inclusive = arguments["inclusive"]?.bool ?? false
        let oldest = FakeSlackID.micros(arguments["oldest"]) ?? 0
        var latest = FakeSlackID.micros(arguments["latest"]) ?? .max
        var latestInclusive = inclusive && arguments["latest"] != nil
        if let cursor = try Self.cursor(arguments["cursor"]) {
            latest = cursor  // the last message of the previous page: continue below it
            latestInclusive = false
        }
        let oldestInclusive = inclusive && arguments["oldest"] != nil
        let matching = (history[channel] ?? []).filter { message in
            guard message.isInChannelHistory, let micros = FakeSlackID.micros(.string(message.ts)) else { return false }
            return (micros > oldest || (oldestInclusive && micros == oldest)) && (micros < latest || (latestInclusive && micros == latest))
        }.reversed()
        let limit = Self.limit(arguments["limit"], default: 100)
        let page = Array(matching.prefix(limit))
        let hasMore = matching.count > limit
        return [
            "ok": true, "messages": .array(page.map { render($0, in: channel, forHistory: true) }), "has_more": .bool(hasMore),
            "pin_count": .int((history[channel] ?? []).filter(\.pinned).count), "channel_actions_ts": .null, "channel_actions_count": 0,
            "response_metadata": ["next_cursor": .string(hasMore ? Self.cursor(after: page.last!.ts) : "")],
        ]
    }

    /// `conversations.replies`: the parent, then its replies oldest first; `ts` may name the parent or any reply.
    func repliesPage(channel: String, arguments: FakeJSON) throws(FakeSlackAPIFailure) -> FakeJSON {
        guard let ts = arguments["ts"]?.string, let named = message(in: channel, ts: ts) else {
            throw FakeSlackAPIFailure("thread_not_found")
        }
        let parentTS = named.threadTS ?? named.ts
        guard let parent = message(in: channel, ts: parentTS) else { throw FakeSlackAPIFailure("thread_not_found") }
        let inclusive = arguments["inclusive"]?.bool ?? false
        var oldest = FakeSlackID.micros(arguments["oldest"]) ?? 0
        var oldestInclusive = inclusive && arguments["oldest"] != nil
        let latest = FakeSlackID.micros(arguments["latest"]) ?? .max
        let latestInclusive = inclusive && arguments["latest"] != nil
        let cursor = try Self.cursor(arguments["cursor"])
        if let cursor {
            oldest = cursor  // the last reply of the previous page: continue after it
            oldestInclusive = false
        }
        let replies = self.replies(in: channel, to: parentTS).filter { reply in
            guard let micros = FakeSlackID.micros(.string(reply.ts)) else { return false }
            return (micros > oldest || (oldestInclusive && micros == oldest)) && (micros < latest || (latestInclusive && micros == latest))
        }
        // The parent leads the first page, whatever the time window.
        let thread = (cursor == nil ? [parent] : []) + replies
        let limit = Self.limit(arguments["limit"], default: 1000)
        let page = Array(thread.prefix(limit))
        let hasMore = thread.count > limit
        return [
            "ok": true, "messages": .array(page.map { render($0, in: channel, forHistory: true) }), "has_more": .bool(hasMore),
            "response_metadata": ["next_cursor": .string(hasMore ? Self.cursor(after: page.last!.ts) : "")],
        ]
    }

    private static func limit(_ value: FakeJSON?, default defaultLimit: Int) -> Int {
        guard let limit = value?.int, limit > 0 else { return defaultLimit }
        return min(limit, 1000)
    }

    /// Slack's cursors are base64 of `next_ts:<microseconds>`; clients must treat them as opaque.
    static func cursor(after ts: String) -> String {
        Data("next_ts:\(FakeSlackID.micros(.string(ts)) ?? 0)".utf8).base64EncodedString()
    }

    /// The position a cursor names; nil for none or an empty one, `invalid_cursor` for anything unreadable.
    static func cursor(_ value: FakeJSON?) throws(FakeSlackAPIFailure) -> Int64? {
        guard let text = value?.string, !text.isEmpty else { return nil }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("next_ts:"), let micros = Int64(decoded.dropFirst("next_ts:".count))
        else { throw FakeSlackAPIFailure("invalid_cursor") }
        return micros
    }
}
