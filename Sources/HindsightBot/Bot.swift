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
    public let store: Store
    public let desk: IncidentDesk
    private let logger: Logger
    /// Where published reports are saved (`HINDSIGHT_REPORTS_DIR`); nil saves none.
    public let reportsDirectory: URL?
    /// Files action items when a post-mortem is published; nil when no tracker is configured.
    public let filer: ActionItemFiler?
    /// Answers `/postmortem metrics`; nil when PROMETHEUS_URL is not set.
    public let prometheus: PrometheusClient?
    /// Whether the last capture could not be written (disk full, read-only volume): adapters are then not
    /// acknowledging, and `/readyz` says so until a write succeeds again.
    private let captureFailing = Mutex(false)

    public init(
        store: Store, desk: IncidentDesk, logger: Logger, reportsDirectory: URL? = nil, filer: ActionItemFiler? = nil,
        prometheus: PrometheusClient? = nil
    ) {
        self.store = store
        self.desk = desk
        self.logger = logger
        self.reportsDirectory = reportsDirectory
        self.filer = filer
        self.prometheus = prometheus
    }

    /// Stores channel activity on the open incident's timeline. Throws only when the store cannot write, in which case
    /// the adapter must not acknowledge (the platform will deliver it again).
    public func capture(_ input: CaptureInput) async throws(StoreError) -> (outcome: CaptureOutcome, replies: [Reply]) {
        let started = ContinuousClock.now
        defer {
            Timer(label: "hindsight_capture_duration_seconds", dimensions: [("platform", input.channel.platform.rawValue)])
                .record(duration: started.duration(to: .now))
        }
        let result = try await capture(batch: [input])[0]
        logger.trace("captured", metadata: ["channel": "\(input.channel)", "outcome": "\(result.outcome)"])
        return result
    }

    /// Stores a batch in one transaction (one commit for many events), in order; outcomes match the inputs.
    public func capture(batch inputs: [CaptureInput]) async throws(StoreError) -> [(outcome: CaptureOutcome, replies: [Reply])] {
        let desk = self.desk
        let results: [(CaptureOutcome, [Reply])]
        do {
            results = try await store.write { tx in
                try inputs.map { input in
                    let (outcome, decision) = try desk.capture(input, records: tx)
                    do {
                        if !decision.changes.isEmpty { try tx.apply(decision.changes) }
                    } catch is ChangeConflict {
                        // Stored already (the desk asks by the same key, so only a bug gets here): none of it applies.
                        return (CaptureOutcome.duplicate, [Reply]())
                    }
                    return (outcome, decision.replies)
                }
            }
            captureFailing.withLock { $0 = false }
        } catch {
            captureFailing.withLock { $0 = true }
            throw error
        }
        for (input, result) in zip(inputs, results) {
            Counter(label: "hindsight_events_captured_total", dimensions: [("platform", input.channel.platform.rawValue), ("outcome", result.0.metricName)])
                .increment()
        }
        return results
    }

    /// True while captures cannot be written (since the last failed one, until one succeeds).
    public var isFailingToCapture: Bool { captureFailing.withLock { $0 } }

    /// Runs a `/postmortem` command. Store failures become a reply that says nothing was lost and what to do.
    public func handle(_ command: CommandInvocation) async -> [Reply] {
        let desk = self.desk
        var filing: [Reply] = []
        let parsed = desk.parser.parse(command.text, now: command.receivedAt)
        if let filer, case let .success(.postmortem(.publish(force, _))) = parsed {
            filing = await fileActionItems(command, force: force, filer: filer)
        }
        if let prometheus, case let .success(.postmortem(.metrics(query, threshold, from, to))) = parsed {
            return await metrics(command, query: query, threshold: threshold, from: from, to: to, prometheus: prometheus)
        }
        if filer != nil, case .success(.postmortem(.actionsSync)) = parsed {
            let synced = await syncActionItems(in: command.channel, now: command.receivedAt)
            return synced.isEmpty ? [Reply(.ephemeral, desk.guide.render(.actionsInSync))] : synced.map(\.reply)
        }
        do {
            let decision = try await store.write { tx in
                let decision = try desk.handle(command, records: tx)
                try tx.apply(decision.changes)
                return decision
            }
            return decision.replies + filing + save(decision.reports)
        } catch {
            logger.error("command failed", metadata: ["channel": "\(command.channel)", "error": "\(error)"])
            return [Reply(.ephemeral, desk.messages.render(.internalError, ["reason": "\(error)"]))]
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
            return try await store.write { tx -> FormResult? in
                if let claim, try tx.callbackUsed(nonce: claim.nonce) { return nil }
                let (result, changes) = try desk.submit(submission, records: tx)
                try tx.apply(changes)
                if let claim, case .accepted = result {
                    _ = try tx.useCallback(nonce: claim.nonce, expiresAt: claim.expiresAt, now: submission.submittedAt)
                }
                return result
            }
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
        return try await store.write { tx in
            try signals.map { signal in
                let (outcome, channel, decision) = try desk.ingest(signal, routes: routes, records: tx)
                try tx.apply(decision.changes)
                return (outcome, channel, decision.replies)
            }
        }
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

    /// Before a publication the review allows, files the action items not yet filed and stores their URLs, so the
    /// report that follows links them. Returns the channel replies: the links, and what failed with what to fix.
    private func fileActionItems(_ command: CommandInvocation, force: Bool, filer: ActionItemFiler) async -> [Reply] {
        let desk = self.desk
        let channel = command.channel
        do {
            let found = try await store.read { tx -> (Incident, PostmortemDraft, [TimelineEvent])? in
                guard let incident = try tx.openIncident(in: channel) ?? tx.latestIncident(in: channel),
                      let draft = try tx.postmortem(of: incident.id) else { return nil }
                return (incident, draft, try tx.events(of: incident.id))
            }
            guard let (incident, draft, events) = found, !draft.actions.isEmpty else { return [] }
            let review = desk.reviewChecklist.evaluate(incident: incident, events: events, draft: draft, today: command.receivedAt)
            guard ReviewChecklist.isComplete(review) || force else { return [] }
            let (filed, errors) = await filer.file(draft, incident: incident, reportPath: ReportSlug.path(for: incident))
            if !filed.isEmpty {
                try await store.write { tx in
                    guard var current = try tx.postmortem(of: incident.id) else { return }
                    for issue in filed {
                        if let index = current.actions.firstIndex(where: { $0.number == issue.action }) {
                            current.actions[index].issues[issue.tracker] = issue.url
                        }
                    }
                    try tx.apply([.savePostmortem(current)])
                }
            }
            var replies: [Reply] = []
            if !filed.isEmpty {
                let links = filed.map { issue in
                    let ref = draft.actions.first { $0.number == issue.action }?.reference ?? "AI-\(issue.action)"
                    return desk.guide.render(.issueLink, ["ref": ref, "tracker": issue.tracker, "url": issue.url])
                }
                replies.append(Reply(.channel, ([desk.guide.render(.issuesFiled, ["count": "\(filed.count)"])] + links).joined(separator: "\n")))
            }
            if !errors.isEmpty {
                logger.warning("action items not filed", metadata: ["errors": "\(errors.map(\.description))"])
                replies.append(Reply(.channel, trackerErrorsText(errors)))
            }
            return replies
        } catch {
            logger.error("filing action items failed", metadata: ["error": "\(error)"])
            return [Reply(.ephemeral, desk.messages.render(.internalError, ["reason": "\(error)"]))]
        }
    }

    /// Queries Prometheus over the incident window (15 minutes before the start to the resolution or now, unless
    /// given) and stores the metric's summary as a timeline event.
    private func metrics(
        _ command: CommandInvocation, query: String, threshold: Double?, from: Date?, to: Date?, prometheus: PrometheusClient
    ) async -> [Reply] {
        let desk = self.desk
        let channel = command.channel
        do {
            guard let incident = try await store.read({ tx in try tx.openIncident(in: channel) ?? tx.latestIncident(in: channel) }) else {
                return [Reply(.ephemeral, desk.messages.render(.noIncident))]
            }
            let start = from ?? incident.startedAt.addingTimeInterval(-15 * 60)
            let end = max(to ?? incident.milestones[.resolved].map { $0.addingTimeInterval(15 * 60) } ?? command.receivedAt, start.addingTimeInterval(60))
            let samples: [(Date, Double)]
            do {
                samples = try await prometheus.range(query, start: start, end: end)
            } catch {
                return [Reply(.ephemeral, desk.guide.render(.metricFailed, ["reason": "\(error)"]))]
            }
            let summary = MetricSummary(samples: samples, incidentStart: incident.startedAt, threshold: threshold)
            let link = prometheus.graphLink(query, start: start, end: end)
            return try await store.write { tx in
                let decision = try desk.metricEvent(query: query, summary: summary, threshold: threshold, link: link, by: command.user, channel: channel, records: tx)
                try tx.apply(decision.changes)
                return decision.replies
            }
        } catch {
            logger.error("metrics command failed", metadata: ["error": "\(error)"])
            return [Reply(.ephemeral, desk.messages.render(.internalError, ["reason": "\(error)"]))]
        }
    }

    /// Marks done the action items whose tracker issue is closed, in `channel`'s incident or (nil) everywhere, and
    /// returns what to post where. Tracker errors are logged and, for one channel, reported.
    public func syncActionItems(in channel: ChannelKey? = nil, now: Date) async -> [(channel: ChannelKey, reply: Reply)] {
        guard let filer else { return [] }
        let desk = self.desk
        do {
            let work = try await store.read { tx -> [(Incident, PostmortemDraft)] in
                if let channel {
                    guard let incident = try tx.openIncident(in: channel) ?? tx.latestIncident(in: channel), let draft = try tx.postmortem(of: incident.id) else { return [] }
                    return [(incident, draft)]
                }
                let incidents = Dictionary(try tx.allIncidents().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                return try tx.allPostmortems().compactMap { draft in incidents[draft.incidentID].map { ($0, draft) } }
            }
            var out: [(ChannelKey, Reply)] = []
            for (incident, draft) in work where draft.actions.contains(where: { !$0.issues.isEmpty }) {
                let (closed, errors) = await filer.closedItems(draft)
                if !errors.isEmpty { logger.warning("tracker sync errors", metadata: ["incident": "\(incident.id)", "errors": "\(errors.map(\.description))"]) }
                if !closed.isEmpty {
                    let done = try await store.write { tx -> [String] in
                        guard var current = try tx.postmortem(of: incident.id) else { return [] }
                        var refs: [String] = []
                        for issue in closed {
                            guard let index = current.actions.firstIndex(where: { $0.number == issue.action }),
                                  current.actions[index].status == .open || current.actions[index].status == .inProgress else { continue }
                            current.actions[index].status = .done
                            current.actions[index].statusNote = "closed in \(issue.tracker): \(issue.url)"
                            refs.append(current.actions[index].reference)
                        }
                        if !refs.isEmpty { try tx.apply([.savePostmortem(current)]) }
                        return refs
                    }
                    if !done.isEmpty { out.append((incident.channel, Reply(.channel, desk.guide.render(.actionsSynced, ["refs": done.joined(separator: ", "), "id": incident.id.rawValue])))) }
                }
                if channel != nil, !errors.isEmpty {
                    out.append((incident.channel, Reply(.ephemeral, trackerErrorsText(errors))))
                }
            }
            return out
        } catch {
            logger.error("tracker sync failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// "N action items could not be filed…" with one line per tracker error, each saying what to fix.
    private func trackerErrorsText(_ errors: [TrackerError]) -> String {
        ([desk.guide.render(.issuesFailed, ["count": "\(errors.count)"])] + errors.map { "• \($0.description)" }).joined(separator: "\n")
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

/// Where capture stands in one open incident channel, read before a reconnect: a backfill fetches what came after.
public struct BackfillPoint: Sendable, Equatable {
    public var channel: ChannelKey
    /// The newest captured message's time (the incident's start when nothing is captured yet).
    public var since: Date
    /// That message's platform id, for cursor paging; nil when nothing is captured yet.
    public var lastMessageID: String?
    public var incidentStartedAt: Date
    /// Thread parents the incident's captured replies point at, so replies to old parents are fetched too.
    public var threadParentIDs: [String]

    public init(channel: ChannelKey, since: Date, lastMessageID: String? = nil, incidentStartedAt: Date, threadParentIDs: [String] = []) {
        self.channel = channel
        self.since = since
        self.lastMessageID = lastMessageID
        self.incidentStartedAt = incidentStartedAt
        self.threadParentIDs = threadParentIDs
    }
}
