import Foundation
import HindsightCore
import Logging
import Metrics
import Synchronization

/// One channel's backfill on one platform: fetches what was posted while capture was away and hands it to the sink,
/// oldest first. It keeps its position when a request or the store fails, so running it again resumes where it stopped.
public protocol ChannelBackfill: Sendable {
    /// The channel and where capture stood in it.
    var point: BackfillPoint { get }
    /// What is still missing, for the log and `/readyz` while a retry waits.
    var missing: String { get }
    /// Runs until nothing is missing.
    /// - Throws: when a request or the store fails; the job keeps its position.
    mutating func run(_ sink: BackfillSink) async throws
}

/// What a channel backfill hands its messages to: the bot's capture, with the replies each decision makes.
public struct BackfillSink: Sendable {
    fileprivate let coordinator: any BackfillCapturing
    fileprivate let job: UUID

    /// Captures `inputs` in transactions of at most `Bot.captureBatchLimit` and returns how many were new on the
    /// timeline. `newest` is the creation time of the newest message among them, for the gap gauge; revisions of
    /// messages already stored pass nil and do not count as progress.
    @discardableResult
    public func capture(_ inputs: [CaptureInput], newest: Date?) async throws -> Int {
        try await coordinator.capture(inputs, job: job, newest: newest)
    }

    /// The open incident's timeline in the channel (to find messages deleted while capture was away).
    public func timeline(of channel: ChannelKey) async throws -> [TimelineEvent] {
        try await coordinator.timeline(of: channel)
    }

    /// Which of `messageIDs` are stored in `channel` (under any incident): what a backfill that reads messages again
    /// need not capture again.
    public func stored(_ messageIDs: [String], in channel: ChannelKey) async throws -> Set<String> {
        try await coordinator.stored(messageIDs, in: channel)
    }
}

fileprivate protocol BackfillCapturing: Sendable {
    func capture(_ inputs: [CaptureInput], job: UUID, newest: Date?) async throws -> Int
    func timeline(of channel: ChannelKey) async throws -> [TimelineEvent]
    func stored(_ messageIDs: [String], in channel: ChannelKey) async throws -> Set<String>
}

/// Backfills on one platform, the same way whichever it is: reads where capture stands (the watermark), runs one
/// backfill at a time (points that arrive meanwhile are merged and run next), marks each channel's backfill begun in
/// the store before anything it fetches is stored and done only once every job for the channel has finished (a
/// restart in between starts from the earlier point again), retries a failed channel with backoff from where it
/// stopped, and keeps `/readyz`'s summary and the gap gauge. The platform supplies only how one channel is fetched.
public final class BackfillCoordinator<Job: ChannelBackfill>: Sendable {
    private struct State {
        var running = false
        /// Points that arrived while a backfill ran, merged by channel.
        var pending: [BackfillPoint] = []
        /// Where capture stood when storing began to fail, for the backfill once it works again.
        var recovery: [BackfillPoint]?
        /// Jobs not yet finished (running or waiting for a retry), by channel.
        var outstanding: [ChannelKey: Int] = [:]
    }

    private let platform: Platform
    private let bot: Bot
    private let make: @Sendable (BackfillPoint) -> Job
    private let backoff: @Sendable (_ failures: Int) -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let replies: @Sendable ([Reply], CaptureInput) -> Void
    private let status: BackfillStatus
    private let state = Mutex(State())
    private let failed: AsyncStream<(job: Job, id: UUID, failures: Int)>
    private let failedSink: AsyncStream<(job: Job, id: UUID, failures: Int)>.Continuation

    /// - Parameters:
    ///   - make: the platform's job for one channel.
    ///   - backoff: how long to wait before a failed channel's next try, after this many failures.
    ///   - replies: where the replies of captured messages go (the adapter posts them).
    public init(
        platform: Platform, bot: Bot, status: BackfillStatus = BackfillStatus(), logger: Logger,
        backoff: @escaping @Sendable (_ failures: Int) -> Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void, now: @escaping @Sendable () -> Date,
        replies: @escaping @Sendable ([Reply], CaptureInput) -> Void,
        make: @escaping @Sendable (BackfillPoint) -> Job
    ) {
        self.platform = platform
        self.bot = bot
        self.status = status
        self.logger = logger
        self.backoff = backoff
        self.sleep = sleep
        self.now = now
        self.replies = replies
        self.make = make
        (failed, failedSink) = AsyncStream.makeStream()
    }

    /// While a backfill runs or waits to be retried, what it has done and what is missing (for `/readyz`); else nil.
    public var summary: String? { status.summary(now: now()) }

    /// Where capture stands in each open incident channel on the platform (none when the store cannot be read).
    public func watermark() async -> [BackfillPoint] {
        do { return try await bot.backfillPoints(platform: platform) } catch {
            logger.error("could not read where capture stands; no backfill this time", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Backfills each channel in turn and returns when they are done or failed (a failed one is left to
    /// `retryFailed()`). If a backfill is already running, the points are merged into the next run and this returns
    /// at once.
    public func backfill(_ points: [BackfillPoint]) async {
        var next: [BackfillPoint]? = state.withLock { state in
            guard state.running else {
                state.running = true
                return BackfillPoint.merged(points)
            }
            state.pending = BackfillPoint.merged(state.pending + points)
            return nil
        }
        while let points = next {
            for point in points {  // by channel id, as `merged` orders them
                if Task.isCancelled { break }
                await start(make(point))
            }
            next = state.withLock { state in
                guard !state.pending.isEmpty, !Task.isCancelled else {
                    state.running = false
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
        }
    }

    /// Storing failed: remembers where capture stands (reads still work), once, for `recover()`.
    public func holdForRecovery() async {
        guard state.withLock({ $0.recovery == nil }) else { return }
        let points = await watermark()
        state.withLock { state in state.recovery = state.recovery ?? points }
    }

    /// Storing works again: backfills from where capture stood when it began to fail (what the platform gave up
    /// redelivering meanwhile). Does nothing if nothing is held.
    public func recover() async {
        guard let points = state.withLock({ state in defer { state.recovery = nil }; return state.recovery }) else { return }
        logger.notice("storing events again; backfilling what the platform gave up redelivering")
        await backfill(points)
    }

    /// Retries failed channels with backoff, each from where it stopped, until it completes; runs until cancelled.
    public func retryFailed() async {
        for await (failedJob, id, failures) in failed {
            var job = failedJob
            var failures = failures
            while !Task.isCancelled {
                do { try await sleep(backoff(failures)) } catch { return }
                if await run(&job, id: id, failures: &failures) { break }
            }
        }
    }

    private func start(_ job: Job) async {
        var job = job
        let id = UUID()
        let point = job.point
        state.withLock { $0.outstanding[point.channel, default: 0] += 1 }
        status.begin(id, channel: point.channel.channelID, since: point.since)
        recordGap()
        do {
            // Until this backfill has stored everything, a restart starts from here again: live messages newer than
            // the gap are stored meanwhile, so the newest captured message is no lower bound for what is missing.
            try await bot.beginBackfill(point.channel, since: point.since)
        } catch {
            logger.error("could not record that a backfill began", metadata: ["channel": "\(point.channel.channelID)", "error": "\(error)"])
        }
        var failures = 0
        if await !run(&job, id: id, failures: &failures) { failedSink.yield((job, id, failures)) }
    }

    /// Runs the job to the end (true) or to a failure (false; the job keeps its position).
    private func run(_ job: inout Job, id: UUID, failures: inout Int) async -> Bool {
        let channel = job.point.channel
        do {
            try await job.run(BackfillSink(coordinator: self, job: id))
        } catch {
            if Task.isCancelled { return false }  // not done: a restart starts from the marked point again
            failures += 1
            status.fail(id, missing: job.missing)
            recordGap()
            logger.error("\(platform.rawValue) backfill incomplete; retrying with backoff", metadata: [
                "channel": "\(channel.channelID)", "missing": "\(job.missing)", "attempt": "\(failures)", "error": "\(error)",
            ])
            return false
        }
        status.end(id)
        recordGap()
        let last = state.withLock { state in
            state.outstanding[channel, default: 1] -= 1
            guard state.outstanding[channel] == 0 else { return false }
            state.outstanding[channel] = nil
            return true
        }
        if last {
            do { try await bot.endBackfill(channel) } catch {
                logger.error("could not record that a backfill finished", metadata: ["channel": "\(channel.channelID)", "error": "\(error)"])
            }
        }
        return true
    }

    private func recordGap() {
        Gauge(label: "hindsight_backfill_gap_seconds", dimensions: [("platform", platform.rawValue)]).record(status.gapSeconds(now: now()))
    }
}

extension BackfillCoordinator: BackfillCapturing {
    fileprivate func capture(_ inputs: [CaptureInput], job: UUID, newest: Date?) async throws -> Int {
        var stored = 0
        for start in stride(from: 0, to: inputs.count, by: Bot.captureBatchLimit) {
            let slice = Array(inputs[start..<min(start + Bot.captureBatchLimit, inputs.count)])
            let results = try await bot.capture(batch: slice)
            for (input, result) in zip(slice, results) {
                if case .stored = result.outcome { stored += 1 }
                replies(result.replies, input)
            }
        }
        if newest != nil || stored > 0 {
            status.progress(job, posts: stored, newest: newest)
            Counter(label: "hindsight_backfill_posts_total", dimensions: [("platform", platform.rawValue)]).increment(by: stored)
            recordGap()
        }
        return stored
    }

    fileprivate func timeline(of channel: ChannelKey) async throws -> [TimelineEvent] {
        try await bot.openTimeline(in: channel)
    }

    fileprivate func stored(_ messageIDs: [String], in channel: ChannelKey) async throws -> Set<String> {
        try await bot.storedMessages(messageIDs, in: channel)
    }
}
