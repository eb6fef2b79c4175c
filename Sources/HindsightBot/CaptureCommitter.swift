import HindsightCore
import HindsightStore
import Logging
import Metrics
import Synchronization

/// Stores what an adapter read off the wire, the same way on every platform. Each batch goes into one transaction;
/// the adapter acknowledges (Slack) or moves its sequence on (Mattermost) only once `commit` has returned. Then the
/// replies of each decision go to the adapter's outbox, a message that answered the bot's question gets the
/// platform's "got it" mark, and the time from reading each event off the wire to storing it is recorded as
/// `hindsight_capture_duration_seconds`. A store failure is logged once, when it begins, and reported to
/// `failing`; the first success after it is reported to `recovered` (the adapter backfills what the platform gave
/// up redelivering meanwhile).
public final class CaptureCommitter: Sendable {
    /// What the adapter does with what was stored.
    public struct Hooks: Sendable {
        /// Posts a decision's replies (where to is the adapter's business: the outbox, the ack, a thread).
        public var replies: @Sendable ([Reply], CaptureInput) -> Void
        /// Marks a message taken as an answer (a ✅ reaction).
        public var answered: @Sendable (ChannelMessage) -> Void
        /// Storing began to fail: nothing of the batch is stored; the platform will deliver it again.
        public var failing: @Sendable () async -> Void
        /// Storing works again after failing.
        public var recovered: @Sendable () async -> Void

        public init(
            replies: @escaping @Sendable ([Reply], CaptureInput) -> Void, answered: @escaping @Sendable (ChannelMessage) -> Void,
            failing: @escaping @Sendable () async -> Void = {}, recovered: @escaping @Sendable () async -> Void = {}
        ) {
            self.replies = replies
            self.answered = answered
            self.failing = failing
            self.recovered = recovered
        }
    }

    private let bot: Bot
    private let platform: Platform
    private let logger: Logger
    private let hooks: Hooks
    private let latency: Metrics.Timer
    private let health: StoreHealth

    /// - Parameter health: where the adapter reads whether storing works (for `/readyz`).
    public init(bot: Bot, platform: Platform, logger: Logger, health: StoreHealth = StoreHealth(), hooks: Hooks) {
        self.bot = bot
        self.platform = platform
        self.logger = logger
        self.health = health
        self.hooks = hooks
        latency = Metrics.Timer(label: "hindsight_capture_duration_seconds", dimensions: [("platform", platform.rawValue)])
    }

    /// Stores `inputs` in one transaction and returns each one's outcome, in order. `receivedAt` holds when each wire
    /// event they came from was read.
    /// - Throws: when the store fails; nothing of the batch is stored.
    @discardableResult
    public func commit(_ inputs: [CaptureInput], receivedAt: [ContinuousClock.Instant]) async throws(StoreError) -> [CaptureOutcome] {
        let results: [(outcome: CaptureOutcome, replies: [Reply])]
        do {
            results = try await bot.capture(batch: inputs)
        } catch {
            if health.failing.withLock({ failing in defer { failing = true }; return !failing }) {
                logger.error("could not store \(platform.rawValue) events; they are not acknowledged, so they come again", metadata: [
                    "events": "\(inputs.count)", "error": "\(error)",
                ])
                await hooks.failing()
            }
            throw error
        }
        let stored = ContinuousClock.now
        for at in receivedAt { latency.record(duration: at.duration(to: stored)) }
        for (input, result) in zip(inputs, results) {
            hooks.replies(result.replies, input)
            if case .answered = result.outcome, case .message(let message) = input { hooks.answered(message) }
        }
        if health.failing.withLock({ failing in defer { failing = false }; return failing }) {
            logger.notice("storing \(platform.rawValue) events again")
            await hooks.recovered()
        }
        return results.map(\.outcome)
    }
}

/// Whether the last attempt to store captured events failed, shared by an adapter and its committer.
public final class StoreHealth: Sendable {
    fileprivate let failing = Mutex(false)

    public init() {}

    /// False after a failed store write until one succeeds again.
    public var isStoring: Bool { !failing.withLock { $0 } }
}
