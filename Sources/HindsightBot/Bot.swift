import Foundation
import HindsightCore
import HindsightStore
import HindsightPrometheus
import HindsightTrackers
import Logging
import Metrics
import Synchronization

/// The one entry point every channel adapter calls: capture channel activity and run commands.
/// Each call decides with the pure `IncidentDesk` and commits the decision in a single store transaction before it
/// returns, so an adapter that acknowledges after `capture` returns never acknowledges something unstored.
public final class Bot: Sendable {
    /// At most this many inputs are captured in one transaction (a group commit): a long replay or backfill is stored
    /// in steps, and acknowledgements stay well inside Slack's 3 seconds.
    public static let captureBatchLimit = 512

    /// Only the bot reads and writes the store and asks the desk: adapters go through the methods below (tests
    /// reach both with `@testable import`).
    let store: any RecordStore
    let desk: IncidentDesk
    let logger: Logger
    /// Where published reports are saved (`HINDSIGHT_REPORTS_DIR`); nil saves none.
    public let reportsDirectory: URL?
    /// Files action items when a post-mortem is published; nil when no tracker is configured.
    public let filer: ActionItemFiler?
    /// Answers `/postmortem metrics`; nil when PROMETHEUS_URL is not set.
    public let prometheus: PrometheusClient?
    /// Whether the last capture could not be written (disk full, read-only volume): adapters are then not
    /// acknowledging, and `/readyz` says so until a write succeeds again.
    private let captureFailing = Mutex(false)
    /// `hindsight_events_captured_total` by platform and outcome, each made once: making a metric looks it up in the
    /// registry under a lock, and capture counts every message.
    private let capturedCounters = Mutex<[String: Counter]>([:])
    /// Which incidents' cards may need an edit, after each commit (the card keeper takes them).
    public let cardSignals = CardSignals()
    /// How each platform creates an incident's own channel (registered by the composition).
    public let channelMakers = ChannelMakers()
    /// Whether replies are held in the store until posted (enabled by `hindsight run` with a chat platform).
    public let outbox = ReplyOutbox()

    /// The time replies are held at (the rest of the bot's times come with its inputs).
    let clock: @Sendable () -> Date

    public init(
        store: any RecordStore, desk: IncidentDesk, logger: Logger, reportsDirectory: URL? = nil, filer: ActionItemFiler? = nil,
        prometheus: PrometheusClient? = nil, clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.clock = clock
        var desk = desk
        desk.connections = Connections(trackers: filer != nil, metrics: prometheus != nil)
        self.desk = desk
        self.logger = logger
        self.reportsDirectory = reportsDirectory
        self.filer = filer
        self.prometheus = prometheus
    }

    /// Stores channel activity on the open incident's timeline. Throws only when the store cannot write, in which case
    /// the adapter must not acknowledge (the platform will deliver it again).
    /// (`hindsight_capture_duration_seconds` is the adapters' to record: from reading the event off the socket.)
    public func capture(_ input: CaptureInput) async throws(StoreError) -> (outcome: CaptureOutcome, replies: [Reply]) {
        let result = try await capture(batch: [input])[0]
        logger.trace("captured", metadata: ["channel": "\(input.channel)", "outcome": "\(result.outcome)"])
        return result
    }

    /// Stores a batch in one transaction (one commit for many events), in order; outcomes match the inputs.
    public func capture(batch inputs: [CaptureInput]) async throws(StoreError) -> [(outcome: CaptureOutcome, replies: [Reply])] {
        let (desk, outbox, now) = (self.desk, self.outbox, clock())
        let results: [(CaptureOutcome, [Reply])]
        var changedCards: Set<IncidentID> = []
        do {
            (results, changedCards) = try await store.write { tx in
                var changed: Set<IncidentID> = []
                let results = try inputs.map { input in
                    let (outcome, decision) = try desk.capture(input, records: tx)
                    do {
                        if !decision.changes.isEmpty { try tx.apply(decision.changes) }
                    } catch is ChangeConflict {
                        // Stored already (the desk asks by the same key, so only a bug gets here): none of it applies.
                        return (CaptureOutcome.duplicate, [Reply]())
                    }
                    changed.formUnion(decision.changes.cardIncidents)
                    let held = outbox.held(decision.replies, channel: input.channel, userID: input.authorID, key: { UUID().uuidString }, at: now)
                    guard !held.isEmpty else { return (outcome, decision.replies) }
                    try tx.hold(held)
                    return (outcome, held.map(\.reply))
                }
                return (results, changed)
            }
            outbox.posting(results.flatMap { $0.1.compactMap(\.deliveryKey) })
            captureFailing.withLock { $0 = false }
        } catch {
            captureFailing.withLock { $0 = true }
            throw error
        }
        var deletions: [(ChannelKey, String)] = []
        for case let .deletion(channel, messageID, _) in inputs { deletions.append((channel, messageID)) }
        cardSignals.note(changed: changedCards, deleted: deletions)
        for (input, result) in zip(inputs, results) {
            capturedCounter(platform: input.channel.platform.rawValue, outcome: result.0.metricName).increment()
        }
        return results
    }

    private func capturedCounter(platform: String, outcome: String) -> Counter {
        capturedCounters.withLock { counters in
            let key = platform + " " + outcome
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "hindsight_events_captured_total", dimensions: [("platform", platform), ("outcome", outcome)])
            counters[key] = counter
            return counter
        }
    }

    /// True while captures cannot be written (since the last failed one, until one succeeds).
    public var isFailingToCapture: Bool { captureFailing.withLock { $0 } }

    /// Every sentence the bot says, for adapters rendering their own (a "working…" note, an unavailable modal).
    public var messages: MessageCatalog { desk.messages }

    /// How many incidents are open (`/readyz`, the open-incidents gauge).
    public func openIncidentCount() async throws(StoreError) -> Int {
        try await store.read { tx in try tx.openIncidents().count }
    }

    /// The timeline of the incident open in `channel`; empty when none is open.
    public func openTimeline(in channel: ChannelKey) async throws(StoreError) -> [TimelineEvent] {
        try await store.read { tx in
            guard let incident = try tx.openIncident(in: channel) else { return [] }
            return try tx.events(of: incident.id)
        }
    }

    /// Which of `messageIDs` are stored in `channel`, under any incident.
    public func storedMessages(_ messageIDs: [String], in channel: ChannelKey) async throws(StoreError) -> Set<String> {
        guard !messageIDs.isEmpty else { return [] }
        return try await store.read { tx in
            Set(try messageIDs.filter { try tx.containsMessage(channel: channel, messageID: $0) })
        }
    }

    /// Runs a `/postmortem` command. Store failures become a reply that says nothing was lost and what to do.
    ///
    /// The desk decides and the decision is committed; then each effect it asked for (filing action items, a metric
    /// query, a tracker sync) is performed, and what came of it goes back to the desk for a second decision,
    /// committed the same way.
    public func handle(_ command: CommandInvocation) async -> [Reply] {
        let desk = self.desk
        do {
            let decision = try await commit { tx in try desk.handle(command, records: tx) }
            return try await decision.replies + save(decision.reports) + followThrough(decision.effects)
        } catch {
            logger.error("command failed", metadata: ["channel": "\(command.channel)", "error": "\(error)"])
            return [Reply(.ephemeral, desk.messages.render(.internalError, ["reason": "\(error)"]))]
        }
    }

    /// The adapter posted the first question of `personID`'s guided conversation in `channel` as `messageID`: its answers
    /// are taken from that message's thread from now on. A store failure is logged; the answers then keep coming from
    /// the channel.
    public func conversationThreadStarted(in channel: ChannelKey, personID: String, messageID: String) async {
        let desk = self.desk
        do {
            _ = try await commit { tx in try desk.conversationThreadStarted(in: channel, personID: personID, messageID: messageID, records: tx) }
        } catch {
            logger.error("could not record a conversation's thread", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
    }

    /// Whether `emoji` marks a key event (`Prompts/classifier.yaml`, e.g. `pushpin`).
    public func isKeyEmoji(_ emoji: String) -> Bool { desk.keyEmoji.contains(emoji) }

    /// The "Declare incident" form (Slack's global shortcut).
    public func declareForm() -> Form { desk.declareForm() }

    /// The small form "Add to timeline" opens first (an optional note), carrying the message.
    public func additionForm(_ message: ChannelMessage, link: String?) -> Form { desk.additionForm(message, link: link) }

    /// Puts a message on a timeline as a key event ("Add to timeline"); store failures become a reply that says so.
    public func add(_ addition: TimelineAddition) async -> [Reply] {
        let desk = self.desk
        do {
            return try await commit { tx in try desk.add(addition, records: tx) }.replies
        } catch {
            logger.error("could not add a message to the timeline", metadata: ["channel": "\(addition.askedIn)", "error": "\(error)"])
            return [Reply(.ephemeral, desk.messages.render(.internalError, ["reason": "\(error)"]))]
        }
    }

    /// Performs each effect a committed decision asked for and commits the desk's second decision on what came of it;
    /// returns what those say (reports saved on the way).
    private func followThrough(_ effects: [Effect]) async throws(StoreError) -> [Reply] {
        let desk = self.desk
        var replies: [Reply] = []
        for effect in effects {
            let outcome = await perform(effect)
            let next = try await commit { tx in try desk.resume(effect, with: outcome, records: tx) }
            replies += next.replies + save(next.reports)
        }
        return replies
    }

    /// Decides in one write transaction and applies the decision's changes there.
    private func commit(_ decide: @escaping @Sendable (any BotRecords) throws -> Decision) async throws(StoreError) -> Decision {
        let decision = try await store.write { tx in
            let decision = try decide(tx)
            try tx.apply(decision.changes)
            return decision
        }
        cardSignals.note(decision.changes)
        return decision
    }

    /// Does an effect's work over the network. Failures are part of the outcome (the desk words them); nothing here
    /// changes the store.
    private func perform(_ effect: Effect) async -> EffectOutcome {
        switch effect.work {
        case let .fileActionItems(id, _, _):
            guard let filer else { return .filed([], failures: []) }
            let found: (Incident, PostmortemDraft)?
            do { found = try await incidentAndDraft(id) } catch { return .storeUnavailable(reason: "\(error)") }
            guard let (incident, draft) = found else { return .filed([], failures: []) }
            let (filed, errors) = await filer.file(draft, incident: incident, reportPath: ReportSlug.path(for: incident))
            if !errors.isEmpty { logger.warning("action items not filed", metadata: ["errors": "\(errors.map(\.description))"]) }
            return .filed(filed.map(\.tracked), failures: errors.map(\.description))
        case let .queryMetric(query, _, start, end):
            guard let prometheus else { return .metricFailed(reason: "Prometheus is not configured") }
            do {
                let samples = try await prometheus.range(query, start: start, end: end)
                return .metric(samples: samples.map { (at: $0.0, value: $0.1) }, link: prometheus.graphLink(query, start: start, end: end))
            } catch {
                return .metricFailed(reason: "\(error)")
            }
        case let .createChannel(request):
            let platform = effect.invocation.channel.platform
            guard let maker = channelMakers.maker(for: platform) else {
                return .channelFailed(reason: "\(platform.rawValue) cannot create channels")
            }
            do {
                let made = try await maker.create(request, by: effect.invocation.user, from: effect.invocation.channel)
                logger.info("incident channel created", metadata: ["channel": "\(made.channel)", "warnings": "\(made.warnings.count)"])
                return .channelCreated(made.channel, link: made.link, warnings: made.warnings)
            } catch {
                logger.warning("incident channel not created", metadata: ["name": "\(request.name)", "error": "\(error)"])
                return .channelFailed(reason: error.description)
            }
        case let .syncActionItems(id):
            guard let filer else { return .synced(closed: [], failures: []) }
            let found: (Incident, PostmortemDraft)?
            do { found = try await incidentAndDraft(id) } catch { return .storeUnavailable(reason: "\(error)") }
            guard let (_, draft) = found else { return .synced(closed: [], failures: []) }
            let (closed, errors) = await filer.closedItems(draft)
            if !errors.isEmpty { logger.warning("tracker sync errors", metadata: ["incident": "\(id)", "errors": "\(errors.map(\.description))"]) }
            return .synced(closed: closed.map(\.tracked), failures: errors.map(\.description))
        }
    }

    private func incidentAndDraft(_ id: IncidentID) async throws(StoreError) -> (Incident, PostmortemDraft)? {
        do {
            return try await store.read { tx in
                guard let incident = try tx.incident(id), let draft = try tx.postmortem(of: id) else { return nil }
                return (incident, draft)
            }
        } catch {
            logger.error("could not read the post-mortem", metadata: ["incident": "\(id)", "error": "\(error)"])
            throw error
        }
    }

    /// Validates and applies a submitted form. Store failures reject the form with the reason, so nothing is lost.
    public func submit(_ submission: FormSubmission) async -> FormResult {
        await submit(submission, claim: nil) ?? .rejected([:])
    }

    /// Like `submit(_:)` for a form whose callback token may be used once: the token's nonce is marked used in the
    /// same transaction that applies an accepted submission. Nil, with nothing changed, when it was already used; a
    /// rejected submission (field errors) leaves the token usable, since the dialog stays open for a correction.
    public func submit(_ submission: FormSubmission, usingOnce nonce: String, expiresAt: Date) async -> FormResult? {
        await submit(submission, claim: (nonce, expiresAt))
    }

    private func submit(_ submission: FormSubmission, claim: (nonce: String, expiresAt: Date)?) async -> FormResult? {
        let desk = self.desk
        do {
            let (result, decision) = try await store.write { tx -> (FormResult?, Decision) in
                if let claim, try tx.callbackUsed(nonce: claim.nonce) { return (nil, Decision()) }
                let (result, decision) = try desk.submitDecision(submission, records: tx)
                try tx.apply(decision.changes)
                if let claim, case .accepted = result {
                    _ = try tx.useCallback(nonce: claim.nonce, expiresAt: claim.expiresAt, now: submission.submittedAt)
                }
                return (result, decision)
            }
            cardSignals.note(decision.changes)
            // A form that asks for work outside the store (creating a channel) gets its second decision as a command does.
            guard case .accepted(let replies)? = result, !decision.effects.isEmpty else { return result }
            return .accepted(try await replies + followThrough(decision.effects))
        } catch {
            logger.error("form submission failed", metadata: ["channel": "\(submission.channel)", "form": "\(submission.formID)", "error": "\(error)"])
            return .rejected(["form": desk.messages.render(.internalError, ["reason": "\(error)"])])
        }
    }

    /// The installation's callback signing secret: `configured` when given, else the one generated on first start and
    /// kept in the store (so restarts and every replica on the same database agree).
    public func callbackSecret(configured: String?, generate: @escaping @Sendable () -> String) async throws(StoreError) -> String {
        if let configured, !configured.isEmpty { return configured }
        return try await store.write { tx in try tx.installationSecret("callback-signing", generate: generate) }
    }

    /// Puts webhook signals on the matching incidents' timelines in one transaction; the replies (milestone
    /// suggestions, "start an incident?") are addressed to the channel returned with each outcome.
    public func ingest(_ signals: [ExternalSignal], routes: [SignalRoute]) async throws(StoreError)
        -> [(outcome: SignalOutcome, channel: ChannelKey?, replies: [Reply])]
    {
        let desk = self.desk
        let (results, changes) = try await store.write { tx in
            var changes: [Change] = []
            let results = try signals.map { signal in
                let (outcome, channel, decision) = try desk.ingest(signal, routes: routes, records: tx)
                try tx.apply(decision.changes)
                changes += decision.changes
                return (outcome: outcome, channel: channel, replies: decision.replies)
            }
            return (results, changes)
        }
        cardSignals.note(changes)
        return results
    }

    // MARK: Live cards

    /// The card of `incident` as the store stands, and the message it was last posted as; nil when there is no such
    /// incident.
    public func card(of incident: IncidentID, now: Date) async throws(StoreError) -> (card: IncidentCard, message: String?)? {
        let desk = self.desk
        return try await store.read { tx in
            guard let found = try tx.incident(incident) else { return nil }
            return (try desk.card(found, records: tx, now: now), try tx.cardMessage(of: incident))
        }
    }

    /// Records the message the incident's card was posted as.
    public func rememberCard(_ messageID: String, of incident: IncidentID) async throws(StoreError) {
        try await store.write { tx in try tx.setCardMessage(messageID, of: incident) }
    }

    /// Open incidents on `platform` with where capture stands in each: where a backfill should start.
    /// A backfill that was interrupted (kill -9, a failed page) moves the starting point back to where it began: live
    /// messages newer than the gap may already be stored, so the newest captured message alone would skip the gap.
    public func backfillPoints(platform: Platform) async throws(StoreError) -> [BackfillPoint] {
        try await store.read { tx in
            let pending = try tx.pendingBackfills(platform: platform)
            return try tx.openIncidentsWithLastMessage(platform: platform).map { row in
                let captured = row.lastCapturedAt ?? row.incident.startedAt
                let since = pending[row.incident.channel.channelID].map { min($0, captured) } ?? captured
                return BackfillPoint(
                    channel: row.incident.channel, since: since, lastMessageID: since < captured ? nil : row.lastMessageID,
                    incidentStartedAt: row.incident.startedAt, threadParentIDs: try tx.threadParentIDs(of: row.incident.id)
                )
            }
        }
    }

    /// Marks a backfill of `channel` from `since` as begun, before anything it fetches is stored.
    public func beginBackfill(_ channel: ChannelKey, since: Date) async throws(StoreError) {
        try await store.write { tx in try tx.beginBackfill(channel, since: since) }
    }

    /// Marks the backfill of `channel` complete: everything it fetched is stored.
    public func endBackfill(_ channel: ChannelKey) async throws(StoreError) {
        try await store.write { tx in try tx.endBackfill(channel) }
    }

    /// Marks done, in every incident, the action items whose tracker issue is closed (the reminder scheduler's round),
    /// and returns what to post where. Tracker errors are logged.
    public func syncActionItems(now: Date) async -> [(channel: ChannelKey, reply: Reply)] {
        guard let filer else { return [] }
        let desk = self.desk
        do {
            let work = try await store.read { tx -> [(Incident, PostmortemDraft)] in
                let incidents = Dictionary(try tx.allIncidents().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                return try tx.allPostmortems().compactMap { draft in incidents[draft.incidentID].map { ($0, draft) } }
            }
            var out: [(ChannelKey, Reply)] = []
            for (incident, draft) in work where draft.actions.contains(where: { !$0.issues.isEmpty }) {
                let (closed, errors) = await filer.closedItems(draft)
                if !errors.isEmpty { logger.warning("tracker sync errors", metadata: ["incident": "\(incident.id)", "errors": "\(errors.map(\.description))"]) }
                guard !closed.isEmpty else { continue }
                let tracked = closed.map(\.tracked)
                let decision = try await commit { tx in try desk.actionItemsClosed(tracked, in: incident, records: tx) }
                out += decision.replies.map { (incident.channel, $0) }
            }
            return out
        } catch {
            logger.error("tracker sync failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Writes report files (atomically: a reader never sees half a report) once their decision is stored; a file that
    /// cannot be written becomes a reply naming the path and the reason, since the draft itself is safe in the store.
    private func save(_ reports: [ReportFile]) -> [Reply] {
        guard let root = reportsDirectory else { return [] }
        var replies: [Reply] = []
        for report in reports {
            let url = root.appendingPathComponent(report.relativePath)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(report.contents.utf8).write(to: url, options: .atomic)
                logger.info("report saved", metadata: ["path": "\(url.path)"])
            } catch {
                logger.error("report not saved", metadata: ["path": "\(url.path)", "error": "\(error)"])
                replies.append(Reply(.ephemeral, desk.messages.render(.reportNotSaved, ["path": url.path, "reason": error.localizedDescription])))
            }
        }
        return replies
    }

    /// The short help an adapter posts when the bot is mentioned.
    public var mentionReply: Reply { Reply(.ephemeral, desk.messages.render(.appMention)) }
}

extension CaptureOutcome {
    /// A short label for metrics.
    var metricName: String {
        switch self {
        case .stored: "stored"
        case .updated: "updated"
        case .duplicate: "duplicate"
        case .answered: "answered"
        case let .ignored(reason): "ignored_\(reason.rawValue)"
        }
    }
}
