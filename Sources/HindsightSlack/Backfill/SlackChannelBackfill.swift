import Foundation
import HindsightBot
import HindsightCore
import Logging

/// One Slack channel's backfill: the messages from `redeliveryWindow` before where capture stood, from
/// `conversations.history`, and the replies after it in every thread with new replies: parents posted in the hour
/// before (not before the incident) whose `latest_reply` is newer, and the threads the incident has seen (their parent
/// may be older than the incident). Captured oldest first; a failure runs it again from the start (what was stored is
/// recognised by `ts`).
struct SlackChannelBackfill: ChannelBackfill {
    let point: BackfillPoint
    private let api: SlackWebAPI
    private let translator: EventTranslator
    private let names: SlackUserDirectory
    private let logger: Logger

    /// How far before the watermark the backfill looks for thread parents with new replies.
    static let threadLookback: TimeInterval = 3600

    /// How far before the newest stored message the backfill reads messages again. Slack retries an unacknowledged
    /// event three times over about six minutes and spreads envelopes over an app's connections, so a message can be
    /// stored after newer ones, or never, when every attempt went to a connection that had just died (a bot killed
    /// while newer messages were stored). The newest stored message is therefore no bound for what is missing; what
    /// is read again is recognised by `ts` and stored once.
    static let redeliveryWindow: TimeInterval = 600

    init(point: BackfillPoint, api: SlackWebAPI, translator: EventTranslator, names: SlackUserDirectory, logger: Logger) {
        self.point = point
        self.api = api
        self.translator = translator
        self.names = names
        self.logger = logger
    }

    /// `redeliveryWindow` before the newest stored message, but nothing from before the incident.
    private var oldest: String {
        Self.ts(max(point.since.timeIntervalSince1970 - Self.redeliveryWindow, point.incidentStartedAt.timeIntervalSince1970, 0))
    }

    var missing: String { "messages after \(oldest)" }

    /// Seconds since 1970 as Slack writes a `ts` (six decimals), so they compare with message `ts` strings.
    private static func ts(_ seconds: TimeInterval) -> String { String(format: "%.6f", seconds) }

    mutating func run(_ sink: BackfillSink) async throws {
        let channel = point.channel.channelID
        let oldest = oldest
        // Parents with new replies are looked for an hour back (not to the incident's start: each page is a rate-limited
        // call, and a long incident would be read again after every drop).
        let lookback = max(point.incidentStartedAt, point.since.addingTimeInterval(-Self.threadLookback))
        let from = Self.ts(max(min(lookback, point.since).timeIntervalSince1970 - 1, 0))
        let history = try await api.history(channel: channel, oldest: from, limit: 999)
        var messages = history.filter { ($0.ts ?? "") > oldest }
        var parents = Set(history.compactMap { parent in
            (parent.reply_count ?? 0) > 0 && (parent.latest_reply ?? "") > oldest ? parent.ts : nil
        })
        parents.formUnion(point.threadParentIDs)
        for ts in parents.sorted() {
            do throws(SlackAPIError) {
                messages += try await api.replies(channel: channel, ts: ts, oldest: oldest).filter { $0.ts != ts && ($0.ts ?? "") > oldest }
            } catch {
                guard case .api(_, "thread_not_found", _) = error else { throw error }
                continue  // the parent was deleted: its thread went with it
            }
        }
        // Messages from before where capture stood are read again only for what was never stored: those already
        // stored are not captured again (their edits arrive as events, as before).
        let since = Self.ts(point.since.timeIntervalSince1970)
        let reread = messages.compactMap { message in message.ts.flatMap { $0 < since ? $0 : nil } }
        let known = try await sink.stored(reread, in: point.channel)
        messages.removeAll { message in message.ts.map(known.contains) ?? false }
        messages.sort { (Double($0.ts ?? "") ?? 0) < (Double($1.ts ?? "") ?? 0) }
        var inputs: [CaptureInput] = []
        var seen = Set<String>()
        for message in messages where seen.insert(message.ts ?? "").inserted {
            inputs += await translator.inputs(forHistory: message, in: channel, names: names)
        }
        let newest = messages.last.flatMap { $0.ts.flatMap(Double.init) }.map(Date.init(timeIntervalSince1970:))
        let stored = try await sink.capture(inputs, newest: newest)
        logger.info("slack backfill", metadata: [
            "channel": "\(channel)", "messages": "\(messages.count)", "threads": "\(parents.count)", "new": "\(stored)",
        ])
    }
}
