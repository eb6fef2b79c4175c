import Foundation

/// The incident desk: turns commands and captured channel activity into decisions (changes + replies).
/// Pure: everything it knows comes from `IncidentRecords` and its arguments.
public struct IncidentDesk: Sendable {
    public var messages: MessageCatalog
    public var parser: CommandParser
    public var classifier: MilestoneClassifier
    public var keyEmoji: Set<String>
    /// Applied to every text a command or a signal brings before it is stored (secret redaction); captured channel
    /// activity is redacted by `capturePipeline`, built with the same function.
    public var redact: @Sendable (String) -> String
    /// What every captured input passes through before the desk decides (`capture`): by default the bot's own
    /// messages dropped and secrets redacted.
    public var capturePipeline: CapturePipeline
    /// Events shown per page of `/postmortem timeline`; longer timelines also come as a file.
    public var timelinePageSize: Int
    /// The post-mortem's questions, texts and checks.
    public var guide: PostmortemGuide
    public var blameless: BlamelessCheck
    public var actionCheck: ActionCheck
    /// Renders the report model with the team's template (`Prompts/report.mustache`).
    public var renderReport: @Sendable (ReportModel) -> String
    /// Channels (ids on the incident's platform) that get every published report (`HINDSIGHT_STAKEHOLDER_CHANNELS`).
    public var stakeholderChannels: [String] = []
    /// The connections the bot has for effects (trackers, Prometheus); without one, the command that needs it says so.
    public var connections = Connections()
    /// How each platform writes mentions and links in message text (each adapter supplies its own); a platform
    /// without one has none (`PlainMarkup`).
    public var markups: [Platform: any ChatMarkup] = [:]
    /// Dedicated incident channels (`/postmortem start … --channel`); nil: off (`HINDSIGHT_INCIDENT_CHANNELS`).
    public var incidentChannels: IncidentChannels?

    /// The markup of text from `platform`.
    public func markup(for platform: Platform) -> any ChatMarkup { markups[platform] ?? PlainMarkup() }

    public init(
        messages: MessageCatalog, classifierRules: ClassifierRules, postmortem: PostmortemGuide, lint: LintRules, zone: TimeZone,
        redact: @escaping @Sendable (String) -> String, renderReport: @escaping @Sendable (ReportModel) -> String,
        timelinePageSize: Int = 30
    ) {
        self.renderReport = renderReport
        self.messages = messages
        self.guide = postmortem
        self.blameless = BlamelessCheck(rules: lint.blameless)
        self.actionCheck = ActionCheck(rules: lint.actions)
        self.parser = CommandParser(zone: zone)
        self.classifier = MilestoneClassifier(rules: classifierRules)
        self.keyEmoji = Set(classifierRules.keyEventEmoji)
        self.redact = redact
        self.capturePipeline = .standard(redact: redact)
        self.timelinePageSize = timelinePageSize
    }

    // MARK: Commands

    /// Decides what a `/postmortem` command does.
    public func handle(_ invocation: CommandInvocation, records: some IncidentRecords) throws -> Decision {
        switch parser.parse(invocation.text, now: invocation.receivedAt) {
        case let .failure(error):
            if let form = form(for: error, invocation) {
                return Decision(replies: [Reply(.ephemeral, form.title, form: form)])
            }
            return Decision(replies: [Reply(.ephemeral, explain(error))])
        case let .success(command):
            return try handle(command, invocation, records)
        }
    }

    func handle(_ command: PostmortemCommand, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> Decision {
        if case .help = command { return Decision(replies: [Reply(.ephemeral, help())]) }
        if case let .start(title, severity, at) = command {
            return try start(title: title, severity: severity, at: at, inv, records)
        }
        if case let .declare(title, severity, at, invite) = command {
            guard let request = channelRequest(title: title, severity: severity, at: at, invite: invite, now: inv.receivedAt) else {
                return Decision(replies: [Reply(.ephemeral, messages.render(.channelsOff))])
            }
            return declare(request, inv)
        }
        if case .reopen = command { return try reopen(inv, records) }
        if case let .postmortem(request) = command { return try postmortem(request, inv, records) }
        if case .status = command, let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) {
            return Decision(replies: [try card(incident, records: records, now: inv.receivedAt).reply(.ephemeral)])
        }
        if case let .timeline(filter, page) = command, let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) {
            return Decision(replies: [try timeline(incident, filter: filter, page: page, records: records)])
        }
        guard let incident = try records.openIncident(in: inv.channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        switch command {
        case let .severity(level):
            var updated = incident
            updated.severity = level
            return Decision(changes: [.updateIncident(updated)], replies: [Reply(.channel, messages.render(.severityChanged, ["id": incident.id.rawValue, "from": incident.severity.rawValue, "to": level.rawValue, "user": inv.user.name]))])
        case let .milestone(kind, at, note):
            return try setMilestone(kind, at: at ?? inv.receivedAt, note: note, by: inv.user, incident, records)
        case let .note(text, at):
            let event = TimelineEvent(
                number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: incident.channel,
                messageID: nil, author: inv.user, occurredAt: at ?? inv.receivedAt, text: redact(text), source: .command, keyReasons: [.note])
            return Decision(changes: [.appendEvent(event)], replies: [Reply(.ephemeral, messages.render(.noteAdded, ["ref": event.reference, "time": UTCFormat.dateTime(event.occurredAt)]))])
        case let .pin(number, on):
            guard let event = try records.events(of: incident.id).first(where: { $0.number == number }) else {
                return Decision(replies: [Reply(.ephemeral, messages.render(.eventUnknown, ["ref": "E\(number)"]))])
            }
            return pin(event, on: on)
        case let .confirm(number), let .dismiss(number):
            let confirm = if case .confirm = command { true } else { false }
            return try decide(suggestion: number, confirm: confirm, by: inv.user, incident, records)
        case let .role(role, person):
            return try setRole(role, person, inv, incident, records)
        case .postmortem:
            return Decision() // handled above
        case .help, .start, .declare, .reopen, .status, .timeline:
            return Decision() // handled above
        }
    }

    func start(title: String, severity: Severity?, at: Date?, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> Decision {
        if let open = try records.openIncident(in: inv.channel) {
            return Decision(replies: [Reply(.ephemeral, messages.render(.incidentAlreadyOpen, ["id": open.id.rawValue, "title": open.title]))])
        }
        let startedAt = at ?? inv.receivedAt
        let prefix = IncidentID.dayPrefix(startedAt)
        let id = IncidentID(day: startedAt, number: try records.incidentCount(idPrefix: prefix) + 1)
        let incident = Incident(
            id: id, channel: inv.channel, title: redact(title), severity: severity ?? .sev3, createdBy: inv.user,
            createdAt: inv.receivedAt, milestones: [.started: startedAt])
        let event = TimelineEvent(
            number: 1, incidentID: id, channel: inv.channel, messageID: nil, author: inv.user, occurredAt: startedAt,
            text: messages.render(.eventIncidentStarted, values(incident, user: inv.user)), source: .command, milestone: .started)
        return Decision(changes: [.createIncident(incident), .appendEvent(event)],
                        replies: [Reply(.channel, messages.render(.incidentStarted, values(incident, user: inv.user)))])
    }

    private func reopen(_ inv: CommandInvocation, _ records: some IncidentRecords) throws -> Decision {
        if let open = try records.openIncident(in: inv.channel) {
            return Decision(replies: [Reply(.ephemeral, messages.render(.reopenChannelBusy, ["id": open.id.rawValue]))])
        }
        guard var incident = try records.latestIncident(in: inv.channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        guard incident.state == .resolved else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.reopenNotResolved, ["id": incident.id.rawValue]))])
        }
        incident.state = .open
        incident.milestones[.resolved] = nil
        let text = messages.render(.incidentReopened, values(incident, user: inv.user))
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: incident.channel,
            messageID: nil, author: inv.user, occurredAt: inv.receivedAt, text: text, source: .command, keyReasons: [.note])
        return Decision(changes: [.updateIncident(incident), .appendEvent(event)], replies: [Reply(.channel, text)])
    }

    /// Sets `kind` at `at` on the incident and records it on the timeline. A suggestion of the same milestone still
    /// waiting for an answer is dismissed: the responder has said when it was (`confirming` is the one being confirmed).
    func setMilestone(
        _ kind: MilestoneKind, at: Date, note: String?, by user: Person, _ incident: Incident, _ records: some IncidentRecords,
        eventNumber: Int? = nil, confirming: Int? = nil
    ) throws -> Decision {
        if kind != .started, at < incident.startedAt {
            return Decision(replies: [Reply(.ephemeral, messages.render(.milestoneBeforeStart, [
                "milestone": kind.rawValue, "time": UTCFormat.dateTime(at), "start": UTCFormat.dateTime(incident.startedAt),
            ]))])
        }
        var updated = incident
        updated.milestones[kind] = at
        if kind == .resolved { updated.state = .resolved }
        var vals = values(updated, user: user)
        vals["milestone"] = kind.rawValue
        vals["time"] = UTCFormat.dateTime(at)
        vals["since_start"] = UTCFormat.duration(at.timeIntervalSince(updated.startedAt))
        vals["note"] = note.map(redact) ?? ""
        let text = messages.render(kind == .resolved ? .incidentResolved : .milestoneSet, vals).trimmingCharacters(in: .whitespaces)
        var changes: [Change] = [.updateIncident(updated)]
        // Answered by the time given, not refused: their messages stay key ("milestone suggested"), as the signal that
        // came first; only a responder's dismissal takes that back.
        for var open in try records.suggestions(of: incident.id) where open.status == .pending && open.milestone == kind && open.number != confirming {
            open.status = .dismissed
            changes.append(.updateSuggestion(open))
        }
        if let eventNumber {
            var reasons = try records.event(of: incident.id, number: eventNumber)?.keyReasons ?? []
            reasons.insert(.milestone)
            changes.append(.setKeyReasons(incidentID: incident.id, number: eventNumber, reasons: reasons))
        }
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: incident.channel,
            messageID: nil, author: user, occurredAt: at, text: note.map { "\(kind.rawValue): \(redact($0))" } ?? kind.rawValue,
            source: .command, milestone: kind)
        changes.append(.appendEvent(event))
        return Decision(changes: changes, replies: [Reply(.channel, text)])
    }

    private func decide(suggestion number: Int, confirm: Bool, by user: Person, _ incident: Incident, _ records: some IncidentRecords) throws -> Decision {
        let suggestions = try records.suggestions(of: incident.id)
        guard var suggestion = suggestions.first(where: { $0.number == number }) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.suggestionUnknown, ["ref": "S\(number)"]))])
        }
        guard suggestion.status == .pending else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.suggestionAlreadyDecided, ["ref": suggestion.reference, "status": suggestion.status.rawValue]))])
        }
        suggestion.status = confirm ? .confirmed : .dismissed
        guard confirm else {
            var changes: [Change] = [.updateSuggestion(suggestion)]
            let reasons = try records.event(of: incident.id, number: suggestion.eventNumber)?.keyReasons
            if let change = Self.withdrawingCandidate(of: suggestion, from: reasons, among: suggestions) { changes.append(change) }
            return Decision(changes: changes, replies: [Reply(.ephemeral, messages.render(.suggestionDismissed, ["ref": suggestion.reference, "milestone": suggestion.milestone.rawValue]))])
        }
        var decision = try setMilestone(
            suggestion.milestone, at: suggestion.at, note: nil, by: user, incident, records, eventNumber: suggestion.eventNumber, confirming: suggestion.number)
        guard decision.changes.isEmpty == false else { return decision }
        decision.changes.insert(.updateSuggestion(suggestion), at: 0)
        return decision
    }

    /// A suggestion a responder dismissed no longer makes its message key: "milestone suggested" is taken off it,
    /// unless another suggestion still waits on or was confirmed for the same message. Whatever else made it key (a
    /// rule's reason, the learned model, a 📌) stays.
    static func withdrawingCandidate(
        of dismissed: MilestoneSuggestion, from reasons: Set<KeyReason>?, among suggestions: [MilestoneSuggestion]
    ) -> Change? {
        guard var reasons, reasons.contains(.candidate) else { return nil }
        if suggestions.contains(where: { $0.eventNumber == dismissed.eventNumber && $0.number != dismissed.number && $0.status != .dismissed }) {
            return nil
        }
        reasons.remove(.candidate)
        return .setKeyReasons(incidentID: dismissed.incidentID, number: dismissed.eventNumber, reasons: reasons)
    }

    /// Marks `event` key as pinned (or no longer), saying so to the person who asked.
    func pin(_ event: TimelineEvent, on: Bool) -> Decision {
        var reasons = event.keyReasons
        if on { reasons.insert(.pin) } else { reasons.remove(.pin) }
        let key: MessageKey = on ? .eventPinned : .eventUnpinned
        return Decision(changes: [.setKeyReasons(incidentID: event.incidentID, number: event.number, reasons: reasons)],
                        replies: [Reply(.ephemeral, messages.render(key, ["ref": event.reference]))])
    }

    func values(_ incident: Incident, user: Person) -> [String: String] {
        [
            "id": incident.id.rawValue, "title": incident.title, "severity": incident.severity.rawValue,
            "user": user.name, "start": UTCFormat.dateTime(incident.startedAt),
        ]
    }
}
