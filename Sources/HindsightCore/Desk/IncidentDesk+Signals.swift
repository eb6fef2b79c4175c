import Foundation

extension IncidentDesk {
    /// Puts an external signal on the timeline of the incident it belongs to: by the incident id or channel it names,
    /// else by the first matching route. Stored once per delivery id; suggested milestones await confirmation.
    /// The replies are addressed to the returned channel.
    public func ingest(_ signal: ExternalSignal, routes: [SignalRoute], records: some IncidentRecords)
        throws -> (outcome: SignalOutcome, channel: ChannelKey?, decision: Decision)
    {
        let channel = try target(of: signal, routes: routes, records: records)
        guard let channel, let incident = try records.openIncident(in: channel) else {
            guard signal.isTrouble, let channel else { return (.noIncident(channel: nil), nil, Decision()) }
            let values = ["title": signal.title, "source": signal.source.rawValue]
            let reply = Reply(.channel, messages.render(.signalSuggestsIncident, values), actions: [
                Reply.Action(label: messages.render(.signalStartIncident, values), command: "start \(signal.title)"),
            ])
            return (.noIncident(channel: channel), channel, Decision(replies: [reply]))
        }
        if try records.event(of: incident.id, channel: incident.channel, messageID: signal.deliveryID) != nil {
            return (.duplicate(incident.id), channel, Decision())
        }
        let author = Person(id: "signal:\(signal.source.rawValue)", name: messages.render(.signalAuthor, ["source": signal.source.rawValue]))
        let text = redact(signal.link.map { "\(signal.title) (\($0))" } ?? signal.title)
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: incident.channel,
            messageID: signal.deliveryID, author: author, occurredAt: signal.occurredAt, text: text,
            attachments: signal.link.map { [Attachment(name: signal.source.rawValue, url: $0)] } ?? [], source: signal.source)
        var decision = Decision(changes: [.appendEvent(event)])
        if let milestone = signal.suggestedMilestone, incident.milestones[milestone] == nil {
            let existing = try records.suggestions(of: incident.id)
            if !existing.contains(where: { $0.milestone == milestone && $0.status == .pending }) {
                let suggestion = MilestoneSuggestion(
                    number: (existing.map(\.number).max() ?? 0) + 1, incidentID: incident.id, eventNumber: event.number,
                    milestone: milestone, at: signal.occurredAt, phrase: signal.title)
                decision.changes.append(.addSuggestion(suggestion))
                decision.replies.append(proposal(suggestion, author: author))
            }
        }
        return (.stored(incident.id), channel, decision)
    }

    private func target(of signal: ExternalSignal, routes: [SignalRoute], records: some IncidentRecords) throws -> ChannelKey? {
        switch signal.route {
        case let .incident(id):
            return try records.incident(IncidentID(rawValue: id))?.channel
        case let .channel(id):
            return try records.openIncidents().first { $0.channel.channelID == id }?.channel
                ?? routes.first { $0.channel.channelID == id }?.channel
        case .unrouted:
            return routes.first { $0.matches(signal.labels) }?.channel
        }
    }
}
