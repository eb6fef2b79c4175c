import Foundation
import HindsightBot
import HindsightCore
import Logging

/// One Mattermost channel's backfill: runs a `BackfillPager` against the REST API and hands what it finds to the
/// coordinator's sink (one transaction per page). A failed request or store write leaves the pager where it was, so
/// the coordinator's retry resumes from there.
struct MattermostChannelBackfill: ChannelBackfill {
    let point: BackfillPoint
    private var pager: BackfillPager
    /// The actions still to perform, the failed one first.
    private var remaining: [BackfillPager.Action]
    private let rest: MattermostREST
    private let translator: EventTranslator
    private let names: UserDirectory
    private let logger: Logger
    private let now: @Sendable () -> Date

    init(point: BackfillPoint, rest: MattermostREST, translator: EventTranslator, names: UserDirectory, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.point = point
        pager = BackfillPager(
            since: Self.milliseconds(point.since) - 1000,  // a second of overlap: the same millisecond is recognised by id
            anchor: point.lastMessageID.map { BackfillPager.Anchor(postID: $0, createAt: Self.milliseconds(point.since)) },
            incidentStart: Self.milliseconds(point.incidentStartedAt)
        )
        remaining = pager.start()
        self.rest = rest
        self.translator = translator
        self.names = names
        self.logger = logger
        self.now = now
    }

    var missing: String { pager.missing }

    mutating func run(_ sink: BackfillSink) async throws {
        while let action = remaining.first {
            let next = try await perform(action, sink: sink)
            remaining.removeFirst()
            remaining += next
        }
    }

    private mutating func perform(_ action: BackfillPager.Action, sink: BackfillSink) async throws -> [BackfillPager.Action] {
        let channel = point.channel
        switch action {
        case .fetch(let query):
            let list = try await rest.posts(in: channel.channelID, query)
            return pager.handle(list)
        case .capture(let posts):
            var inputs: [CaptureInput] = []
            for post in posts { inputs += await translator.inputs(forBackfilled: post, names: names) }
            try await sink.capture(inputs, newest: pager.newestCaptured.map(Self.date))
        case .revise(let posts):
            try await sink.capture(posts.flatMap { translator.inputs(forRevised: $0) }, newest: nil)
        case let .markDeleted(present, range, deletedAt):
            let events = try await sink.timeline(of: channel)
            let gone = events.filter { event in
                guard event.source == .chat, event.deletedAt == nil, let id = event.messageID else { return false }
                return !present.contains(id) && range.contains(Self.milliseconds(event.occurredAt))
            }
            let at = now()
            let inputs = gone.compactMap { event in
                event.messageID.map { CaptureInput.deletion(channel: channel, messageID: $0, deletedAt: deletedAt[$0].map(Self.date) ?? at) }
            }
            if !inputs.isEmpty {
                logger.notice("mattermost posts deleted while the bot was away", metadata: ["channel": "\(channel.channelID)", "posts": "\(inputs.count)"])
            }
            try await sink.capture(inputs, newest: nil)
        case .finished(let summary):
            logger.info("mattermost backfill done", metadata: [
                "channel": "\(channel.channelID)", "posts": "\(summary.posts)", "requests": "\(summary.requests)",
                "paged": "\(summary.truncated)", "listed_only": "\(summary.listedOnly)",
            ])
        }
        return []
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
