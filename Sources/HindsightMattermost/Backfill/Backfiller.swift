import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import Logging
import Metrics

/// Runs a `BackfillPager` per channel against the REST API and the bot: fetches its pages, captures what it hands over
/// (in one transaction per page), and keeps what it could not finish. A backfill that fails (an API or store error,
/// after the REST client's own 429 waits) is logged with the channel and what is still missing, and retried with
/// backoff from where it stopped by `retryFailed()`, so it is never reported as done.
final class Backfiller: Sendable {
    /// One channel's backfill: the pager and the actions still to perform (the failed one first).
    struct Job: Sendable {
        let id = UUID()
        var point: BackfillPoint
        var pager: BackfillPager
        var remaining: [BackfillPager.Action]
        var failures = 0
    }

    private let rest: MattermostREST
    private let bot: Bot
    private let translator: EventTranslator
    private let names: UserDirectory
    private let logger: Logger
    private let policy: ReconnectPolicy
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let status: BackfillStatus
    private let enqueue: @Sendable ([Reply], CaptureInput) -> Void
    private let failed: AsyncStream<Job>
    private let failedSink: AsyncStream<Job>.Continuation

    init(
        rest: MattermostREST, bot: Bot, translator: EventTranslator, names: UserDirectory, logger: Logger, policy: ReconnectPolicy,
        sleep: @escaping @Sendable (Duration) async throws -> Void, now: @escaping @Sendable () -> Date, status: BackfillStatus,
        enqueue: @escaping @Sendable ([Reply], CaptureInput) -> Void
    ) {
        self.rest = rest
        self.bot = bot
        self.translator = translator
        self.names = names
        self.logger = logger
        self.policy = policy
        self.sleep = sleep
        self.now = now
        self.status = status
        self.enqueue = enqueue
        (failed, failedSink) = AsyncStream.makeStream(of: Job.self)
    }

    /// Backfills each channel in turn (the socket waits, so live events follow the gap in order). A channel that fails
    /// is handed to `retryFailed()` and the next one starts.
    func backfill(_ points: [BackfillPoint]) async {
        for point in points {
            if Task.isCancelled { return }
            var pager = BackfillPager(
                since: Self.milliseconds(point.since) - 1000,  // a second of overlap: the same millisecond is recognised by id
                anchor: point.lastMessageID.map { BackfillPager.Anchor(postID: $0, createAt: Self.milliseconds(point.since)) },
                incidentStart: Self.milliseconds(point.incidentStartedAt)
            )
            let first = pager.start()
            var job = Job(point: point, pager: pager, remaining: first)
            status.begin(job.id, channel: point.channel.channelID, since: point.since)
            recordGap()
            await mark(point, begun: true)
            if await run(&job) { await mark(point, begun: false) } else { failedSink.yield(job) }
        }
    }

    /// Keeps where an unfinished backfill started in the store, so a restart before it completes starts there again
    /// rather than after live posts stored meanwhile.
    private func mark(_ point: BackfillPoint, begun: Bool) async {
        do {
            if begun { try await bot.beginBackfill(point.channel, since: point.since) } else { try await bot.endBackfill(point.channel) }
        } catch {
            logger.error("could not record the backfill's progress", metadata: ["channel": "\(point.channel.channelID)", "error": "\(error)"])
        }
    }

    /// Retries failed backfills with backoff, each from where it stopped, until it completes; runs until cancelled.
    func retryFailed() async {
        var random = SystemRandomNumberGenerator()
        for await failedJob in failed {
            var job = failedJob
            while !Task.isCancelled {
                do { try await sleep(policy.delay(afterFailures: job.failures, random: &random)) } catch { return }
                if await run(&job) {
                    await mark(job.point, begun: false)
                    break
                }
            }
        }
    }

    /// Performs the job's actions until the pager finishes (true) or one fails (false, the job keeps its position).
    private func run(_ job: inout Job) async -> Bool {
        let channel = job.point.channel
        while let action = job.remaining.first {
            do {
                let next = try await perform(action, job: &job)
                job.remaining.removeFirst()
                job.remaining += next
            } catch {
                if Task.isCancelled { return false }
                job.failures += 1
                status.fail(job.id, missing: job.pager.missing)
                recordGap()
                logger.error("mattermost backfill incomplete; retrying with backoff", metadata: [
                    "channel": "\(channel.channelID)", "missing": "\(job.pager.missing)", "attempt": "\(job.failures)",
                    "error": "\(error)",
                ])
                return false
            }
        }
        return true
    }

    private func perform(_ action: BackfillPager.Action, job: inout Job) async throws -> [BackfillPager.Action] {
        let channel = job.point.channel
        switch action {
        case .fetch(let query):
            let list = try await rest.posts(in: channel.channelID, query)
            return job.pager.handle(list)
        case .capture(let posts):
            var inputs: [CaptureInput] = []
            for post in posts { inputs += await translator.inputs(forBackfilled: post, names: names) }
            let stored = try await capture(inputs)
            status.progress(job.id, posts: stored, newest: job.pager.newestCaptured.map(Self.date))
            Counter(label: "hindsight_backfill_posts_total", dimensions: [("platform", "mattermost")]).increment(by: stored)
            recordGap()
        case .revise(let posts):
            _ = try await capture(posts.flatMap { translator.inputs(forRevised: $0) })
        case let .markDeleted(present, range, deletedAt):
            let events = try await bot.openTimeline(in: channel)
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
            _ = try await capture(inputs)
        case .finished(let summary):
            status.end(job.id)
            recordGap()
            logger.info("mattermost backfill done", metadata: [
                "channel": "\(channel.channelID)", "posts": "\(summary.posts)", "requests": "\(summary.requests)",
                "paged": "\(summary.truncated)", "listed_only": "\(summary.listedOnly)",
            ])
        }
        return []
    }

    /// Captures in one transaction; returns how many were new on the timeline.
    private func capture(_ inputs: [CaptureInput]) async throws -> Int {
        guard !inputs.isEmpty else { return 0 }
        let results = try await bot.capture(batch: inputs)
        var stored = 0
        for (input, result) in zip(inputs, results) {
            if case .stored = result.outcome { stored += 1 }
            enqueue(result.replies, input)
        }
        return stored
    }

    private func recordGap() {
        Gauge(label: "hindsight_backfill_gap_seconds", dimensions: [("platform", "mattermost")]).record(status.gapSeconds(now: now()))
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
