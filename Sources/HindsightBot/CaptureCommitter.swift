import HindsightCore
import HindsightStore
import Logging
import Metrics
import Synchronization

/// Stores what an adapter read off the wire, the same way on every platform: the one inbound path after translation.
/// Each batch goes into one transaction (group commit: `submit` gathers what arrives while the previous batch is
/// stored; a platform whose socket batches already calls `commit`); each delivery is acknowledged (Slack) or the
/// sequence moved on (Mattermost) only once its batch is stored, and a wire event id stored recently is recognised
/// when the platform delivers it again (`alreadyStored`), before any work is done for it. Then the
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

    /// What one wire event became, and how to tell the platform it is stored.
    public struct Delivery: Sendable {
        public var inputs: [CaptureInput]
        /// The platform's id for the wire event (Slack's `event_id`), when it has one.
        public var eventID: String?
        /// When it was read off the wire: the start of its store-then-acknowledge latency.
        public var receivedAt: ContinuousClock.Instant
        /// Called once its batch is stored (an acknowledgement); never when storing failed.
        public var stored: @Sendable () -> Void

        public init(
            inputs: [CaptureInput], eventID: String? = nil, receivedAt: ContinuousClock.Instant = .now, stored: @escaping @Sendable () -> Void = {}
        ) {
            self.inputs = inputs
            self.eventID = eventID
            self.receivedAt = receivedAt
            self.stored = stored
        }
    }

    private let bot: Bot
    private let platform: Platform
    /// Twice a transaction's worth: a burst commits in full batches, and a socket reader behind it waits
    /// (`waitForRoom`) instead of the burst piling up in memory.
    private let inbox = Inbox<Delivery>(capacity: 2 * Bot.captureBatchLimit)
    private let recent = RecentEventIDs()
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

    /// Whether the wire event with this id was stored recently: a redelivery, to acknowledge without storing again.
    public func alreadyStored(_ eventID: String?) -> Bool {
        eventID.map(recent.contains) ?? false
    }

    /// Remembers a wire event as handled without storing anything (an answered mention), so a redelivery is not
    /// handled twice.
    public func handled(_ eventID: String) { recent.insert(eventID) }

    /// Queues a delivery for the next batch that `drain` stores. Never waits.
    public func submit(_ delivery: Delivery) { inbox.append(delivery) }

    /// Returns once there is room for more deliveries: a socket reader calls it before reading on, so that while
    /// storing falls behind the platform's frames wait in the socket, not in memory.
    public func waitForRoom() async { await inbox.waitForRoom() }

    /// Stores what was submitted, everything that piled up meanwhile as one batch, until the task is cancelled. One
    /// caller only.
    public func drain() async {
        await inbox.drain(limit: Bot.captureBatchLimit) { batch in
            _ = await commit(batch)
            return true
        }
    }

    /// Stores the deliveries in one transaction, then tells each it is stored. False when the store failed: nothing
    /// is stored or acknowledged, so the platform delivers them again.
    public func commit(_ deliveries: [Delivery]) async -> Bool {
        let inputs = deliveries.flatMap(\.inputs)
        if !inputs.isEmpty {
            do {
                try await commit(inputs, receivedAt: deliveries.filter { !$0.inputs.isEmpty }.map(\.receivedAt))
            } catch {
                return false
            }
        }
        for delivery in deliveries {
            delivery.stored()
            if let eventID = delivery.eventID { recent.insert(eventID) }
        }
        return true
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

/// Wire event ids stored recently: a retry of one of them is acknowledged without touching the store. Bounded; the
/// store's own uniqueness (platform, channel, message id) still catches anything older.
final class RecentEventIDs: Sendable {
    private struct State {
        var ids: Set<String> = []
        var order: [String] = []
        var next = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    func contains(_ id: String) -> Bool { state.withLock { $0.ids.contains(id) } }

    func insert(_ id: String) {
        let capacity = self.capacity
        state.withLock { s in
            guard s.ids.insert(id).inserted else { return }
            if s.order.count < capacity {
                s.order.append(id)
            } else {
                s.ids.remove(s.order[s.next])
                s.order[s.next] = id
                s.next = (s.next + 1) % capacity
            }
        }
    }
}
