import Foundation

extension IncidentDesk {
    /// Handles a post-mortem writing command on the channel's open incident, else its latest one.
    func postmortem(_ request: PostmortemRequest, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> Decision {
        if case let .stats(since) = request {
            return Decision(replies: [Reply(.ephemeral, try statsText(since: since ?? inv.receivedAt.addingTimeInterval(-90 * 86_400), now: inv.receivedAt, records))])
        }
        if case .statsChart = request {
            let months = StatsChart.months(try records.allIncidents(), now: inv.receivedAt)
            let svg = StatsChart.svg(months, title: guide.render(.chartTitle))
            return Decision(replies: [Reply(.channel, guide.render(.chartPosted), file: Reply.File(name: "incidents-\(UTCFormat.day(inv.receivedAt)).svg", contents: svg))])
        }
        guard let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        if case .patterns = request { return Decision(replies: [Reply(.ephemeral, try patternsText(incident, records))]) }
        if let reply = formReply(for: request, inv, draft: try records.postmortem(of: incident.id)) { return Decision(replies: [reply]) }
        if let effect = effect(for: request, incident, inv) { return Decision(effects: [effect]) }
        var session = try session(incident, inv, records)
        if case .publish = request { session.similar = try similarIncidents(to: incident, records) }
        let replies = session.run(request)
        var decision = session.decision(replies)
        decision.effects = session.work.map { Effect($0, for: inv) }
        return decision
    }

    /// Several writing steps (a submitted form) on the channel's open incident, else its latest one, as one decision.
    /// `offeringNextWhy`: a why that does not end the chain is followed by the next level's question with a button.
    func postmortem(_ requests: [PostmortemRequest], _ inv: CommandInvocation, _ records: some IncidentRecords, offeringNextWhy: Bool = false) throws -> Decision {
        guard let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        var session = try session(incident, inv, records)
        session.offersNextWhy = offeringNextWhy
        let replies = requests.flatMap { session.run($0) }
        return session.decision(replies)
    }

    /// The work outside the store a request is, where the bot has the connection for it: metrics from Prometheus over
    /// the incident's window (15 minutes either side unless given), and the state of filed issues. Without the
    /// connection the session answers it. (Filing before a publication is the session's to ask: it needs the review.)
    private func effect(for request: PostmortemRequest, _ incident: Incident, _ inv: CommandInvocation) -> Effect? {
        switch request {
        case let .metrics(query, threshold, from, to) where connections.metrics:
            let start = from ?? incident.startedAt.addingTimeInterval(-15 * 60)
            let resolvedEnd = incident.milestones[.resolved].map { $0.addingTimeInterval(15 * 60) }
            let end = max(to ?? resolvedEnd ?? inv.receivedAt, start.addingTimeInterval(60))
            return Effect(.queryMetric(query: query, threshold: threshold, start: start, end: end), for: inv)
        case .actionsSync where connections.trackers:
            return Effect(.syncActionItems(incident: incident.id), for: inv)
        default:
            return nil
        }
    }

    func session(_ incident: Incident, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> PostmortemSession {
        PostmortemSession(
            desk: self, incident: incident, draft: try records.postmortem(of: incident.id) ?? PostmortemDraft(incidentID: incident.id),
            conversation: try records.conversation(of: inv.user.id, in: inv.channel).flatMap { $0.incidentID == incident.id ? $0 : nil },
            events: try records.events(of: incident.id), user: inv.user, channel: inv.channel, now: inv.receivedAt
        )
    }

    /// If `message` answers a question the bot asked its author, the decision that stores the answer: a question about
    /// the channel's open incident (or, with none open, its latest), asked within the answer window.
    /// `open` is the channel's open incident, already looked up by the caller (capture's hot path).
    func answer(_ message: ChannelMessage, open: Incident?, records: some IncidentRecords) throws -> (CaptureOutcome, Decision)? {
        guard !message.isFromThisBot,
              let conversation = try records.conversation(of: message.author.id, in: message.channel),
              message.sentAt.timeIntervalSince(conversation.askedAt) <= TimeInterval(guide.answerWindowMinutes * 60),
              let incident = try open ?? records.latestIncident(in: message.channel), incident.id == conversation.incidentID
        else { return nil }
        // Asked in a thread: only a reply there answers; the person's other messages are the channel's timeline.
        if let thread = conversation.threadID, message.threadParentID != thread { return nil }
        if conversation.lastMessageID == message.messageID { return (.duplicate, Decision()) }
        var session = PostmortemSession(
            desk: self, incident: incident, draft: try records.postmortem(of: incident.id) ?? PostmortemDraft(incidentID: incident.id),
            conversation: conversation, events: try records.events(of: incident.id), user: message.author, channel: message.channel,
            now: message.sentAt
        )
        let replies = session.answer(message.text, conversation: conversation, messageID: message.messageID)
        return (.answered, session.decision(replies))
    }
}

extension IncidentDesk {
    /// The bot's question to `personID` was posted as `messageID`, the first of a thread: the conversation's answers
    /// are taken from that thread from now on.
    public func conversationThreadStarted(in channel: ChannelKey, personID: String, messageID: String, records: some IncidentRecords) throws -> Decision {
        guard var conversation = try records.conversation(of: personID, in: channel), conversation.threadID == nil else { return Decision() }
        conversation.threadID = messageID
        return Decision(changes: [.saveConversation(conversation)])
    }

    /// Earlier incidents whose analysis or tags resemble this one's, most similar first.
    func similarIncidents(to incident: Incident, _ records: some IncidentRecords) throws -> [SimilarIncident] {
        RecurrenceFinder.similar(to: incident, incidents: try records.allIncidents(), drafts: try records.allPostmortems())
    }

    private func patternsText(_ incident: Incident, _ records: some IncidentRecords) throws -> String {
        let similar = try similarIncidents(to: incident, records)
        guard !similar.isEmpty else { return guide.render(.patternsNone, ["id": incident.id.rawValue]) }
        let earliest = similar.map(\.startedAt).min() ?? incident.startedAt
        let months = max(1, Int((incident.startedAt.timeIntervalSince(earliest) / (30 * 86_400)).rounded(.up)))
        var lines = [guide.render(.patternsHeader, ["id": incident.id.rawValue, "title": incident.title, "count": "\(similar.count)", "months": "\(months)"])]
        for match in similar.prefix(10) {
            guard let other = try records.incident(match.id) else { continue }
            lines.append(guide.render(.patternsLine, [
                "id": match.id.rawValue, "title": match.title, "date": UTCFormat.day(match.startedAt), "score": "\(Int((match.score * 100).rounded()))",
                "shared": (match.sharedTags.sorted().map { "#\($0)" } + match.sharedTerms.prefix(4)).joined(separator: ", "),
                "path": ReportSlug.path(for: other),
            ]))
        }
        return lines.joined(separator: "\n")
    }

    private func statsText(since: Date, now: Date, _ records: some IncidentRecords) throws -> String {
        let incidents = try records.allIncidents()
        let window = DateInterval(start: min(since, now), end: now)
        let stats = IncidentStatistics(incidents: incidents, window: window)
        let follow = FollowThrough(incidents: incidents, drafts: try records.allPostmortems(), window: window, now: now)
        let (duration, percent) = (FigureText.duration, FigureText.percent)
        return guide.render(.stats, [
            "from": UTCFormat.day(window.start), "to": UTCFormat.day(now), "count": "\(stats.count)", "open": "\(stats.open)",
            "by_severity": stats.bySeverity.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            "by_month": stats.byMonth.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
            "mttd": duration(stats.timeToDetect.mean), "mtta": duration(stats.timeToAcknowledge.mean),
            "mttm": duration(stats.timeToMitigate.mean), "mttr": duration(stats.timeToResolve.mean),
            "mttr_median": duration(stats.timeToResolve.median), "mtbf": duration(stats.meanTimeBetweenFailures),
            "published": "\(follow.published)", "resolved": "\(follow.resolved)", "completion": percent(follow.completionRate),
            "ttp": duration(follow.timeToPublish.mean), "done": "\(follow.actionsDone)", "actions": "\(follow.actions)",
            "action_rate": percent(follow.actionCompletionRate), "overdue": "\(follow.overdue)",
        ])
    }
}
