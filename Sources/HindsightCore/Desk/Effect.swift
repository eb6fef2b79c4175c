import Foundation

/// Work outside the store that a decision asks for, because it needs the network (a tracker, Prometheus). The bot
/// performs it after the decision's changes are committed and hands what came of it back to the desk
/// (`IncidentDesk.resume`), whose second decision is committed the same way: the desk decides what happens and what
/// is said; the bot only does the work.
public struct Effect: Hashable, Sendable {
    public enum Work: Hashable, Sendable {
        /// File the incident's action items not yet filed, then publish the report (it links the issues).
        case fileActionItems(incident: IncidentID, force: Bool, channels: [String])
        /// Query a metric over a window; its peak and recovery go on the timeline.
        case queryMetric(query: String, threshold: Double?, start: Date, end: Date)
        /// Mark done the action items of the incident whose issues are closed.
        case syncActionItems(incident: IncidentID)
        /// Create the incident's own channel, invite the people, set its topic; the incident then starts there.
        case createChannel(IncidentChannelRequest)
    }

    public var work: Work
    /// The command that asked for it: the second decision answers the same person, in the same channel.
    public var invocation: CommandInvocation

    public init(_ work: Work, for invocation: CommandInvocation) {
        self.work = work
        self.invocation = invocation
    }
}

/// An action item's issue in a tracker.
public struct TrackedIssue: Hashable, Sendable {
    public var action: Int
    public var tracker: String
    public var url: String

    public init(action: Int, tracker: String, url: String) {
        self.action = action
        self.tracker = tracker
        self.url = url
    }
}

/// What performing an effect came to.
public enum EffectOutcome: Sendable {
    /// Issues filed, and what each tracker that failed says to fix.
    case filed([TrackedIssue], failures: [String])
    /// The metric's samples over the window, and a link to its graph.
    case metric(samples: [(at: Date, value: Double)], link: String)
    /// The metric could not be read.
    case metricFailed(reason: String)
    /// Issues found closed, and what each tracker that failed says to fix.
    case synced(closed: [TrackedIssue], failures: [String])
    /// The work could not start: what it needed could not be read from the store.
    case storeUnavailable(reason: String)
    /// The channel was created (`link` shows it in chat); `warnings` say what did not work (an invitation…).
    case channelCreated(ChannelKey, link: String, warnings: [String])
    /// The channel could not be created; `reason` says what to fix.
    case channelFailed(reason: String)
}

/// What the desk needs to know about the bot it decides for: which connections exist to do effects' work.
public struct Connections: Hashable, Sendable {
    /// An issue tracker is configured (GitHub, GitLab, Jira).
    public var trackers: Bool
    /// Prometheus is configured.
    public var metrics: Bool

    public init(trackers: Bool = false, metrics: Bool = false) {
        self.trackers = trackers
        self.metrics = metrics
    }
}

extension IncidentDesk {
    /// The second decision of a command whose first asked for `effect`: made from what performing it came to.
    public func resume(_ effect: Effect, with outcome: EffectOutcome, records: some IncidentRecords) throws -> Decision {
        let inv = effect.invocation
        switch (effect.work, outcome) {
        case let (.fileActionItems(id, force, channels), .filed(filed, failures)):
            guard let incident = try records.incident(id) else { return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))]) }
            var session = try session(incident, inv, records)
            session.similar = try similarIncidents(to: incident, records)
            session.filesBeforePublishing = false
            session.recordIssues(filed)
            let replies = session.run(.publish(force: force, to: channels))
            return session.decision(replies + filingReplies(filed, failures: failures, draft: session.draft))
        case let (.queryMetric(query, threshold, _, _), .metric(samples, link)):
            guard let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) else {
                return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
            }
            let summary = MetricSummary(samples: samples.map { ($0.at, $0.value) }, incidentStart: incident.startedAt, threshold: threshold)
            return try metricEvent(query: query, summary: summary, threshold: threshold, link: link, by: inv.user, channel: inv.channel, records: records)
        case let (.queryMetric, .metricFailed(reason)):
            return Decision(replies: [Reply(.ephemeral, guide.render(.metricFailed, ["reason": reason]))])
        case let (.createChannel(request), .channelCreated(channel, link, warnings)):
            return try channelCreated(request, channel: channel, link: link, warnings: warnings, inv, records)
        case let (.createChannel, .channelFailed(reason)):
            return Decision(replies: [Reply(.ephemeral, messages.render(.channelFailed, ["reason": reason]))])
        case let (_, .storeUnavailable(reason)):
            return Decision(replies: [Reply(.ephemeral, messages.render(.internalError, ["reason": reason]))])
        case let (.syncActionItems(id), .synced(closed, failures)):
            guard let incident = try records.incident(id) else { return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))]) }
            var decision = try actionItemsClosed(closed, in: incident, records: records)
            if !failures.isEmpty { decision.replies.append(Reply(.ephemeral, trackerFailures(failures))) }
            if decision.replies.isEmpty { decision.replies = [Reply(.ephemeral, guide.render(.actionsInSync))] }
            return decision
        case (.fileActionItems, _), (.queryMetric, _), (.syncActionItems, _), (.createChannel, _):
            preconditionFailure("an effect's outcome is of its own kind: \(effect.work) came back as \(outcome)")
        }
    }

    /// Marks done the open action items of `incident` whose issue is closed; the channel hears which.
    public func actionItemsClosed(_ closed: [TrackedIssue], in incident: Incident, records: some IncidentRecords) throws -> Decision {
        guard var draft = try records.postmortem(of: incident.id) else { return Decision() }
        var refs: [String] = []
        for issue in closed {
            guard let index = draft.actions.firstIndex(where: { $0.number == issue.action }),
                  draft.actions[index].isOpen else { continue }
            draft.actions[index].status = .done
            draft.actions[index].statusNote = "closed in \(issue.tracker): \(issue.url)"
            refs.append(draft.actions[index].reference)
        }
        guard !refs.isEmpty else { return Decision() }
        let text = guide.render(.actionsSynced, ["refs": refs.joined(separator: ", "), "id": incident.id.rawValue])
        return Decision(changes: [.savePostmortem(draft)], replies: [Reply(.channel, text)])
    }

    /// "N issues filed" with a link per item, then what failed with what to fix.
    private func filingReplies(_ filed: [TrackedIssue], failures: [String], draft: PostmortemDraft) -> [Reply] {
        var replies: [Reply] = []
        if !filed.isEmpty {
            let links = filed.map { issue in
                let ref = draft.actions.first { $0.number == issue.action }?.reference ?? ActionItem.reference(issue.action)
                return guide.render(.issueLink, ["ref": ref, "tracker": issue.tracker, "url": issue.url])
            }
            replies.append(Reply(.channel, ([guide.render(.issuesFiled, ["count": "\(filed.count)"])] + links).joined(separator: "\n")))
        }
        if !failures.isEmpty { replies.append(Reply(.channel, trackerFailures(failures))) }
        return replies
    }

    /// "N action items could not be filed…" with one line per tracker error, each saying what to fix.
    func trackerFailures(_ failures: [String]) -> String {
        ([guide.render(.issuesFailed, ["count": "\(failures.count)"])] + failures.map { "• \($0)" }).joined(separator: "\n")
    }
}
