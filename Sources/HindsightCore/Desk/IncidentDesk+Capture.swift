import Foundation

extension IncidentDesk {
    /// Decides how a piece of channel activity lands on the timeline.
    public func capture(_ input: CaptureInput, records: some IncidentRecords) throws -> (CaptureOutcome, Decision) {
        let open = try records.openIncident(in: input.channel)
        // A message that answers the bot's post-mortem question goes to the draft, not the timeline.
        if case let .message(message) = input, let answered = try answer(message, open: open, records: records) { return answered }
        guard let incident = open else { return (.ignored(.noOpenIncident), Decision()) }
        switch input {
        case let .message(message):
            return try capture(message, incident, records)
        case let .edit(_, messageID, newText, editedAt):
            guard let event = try records.event(of: incident.id, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
            let text = redact(newText)
            guard text != event.text else { return (.duplicate, Decision()) }
            return (.updated, Decision(changes: [.reviseEvent(incidentID: incident.id, number: event.number, newText: text, revision: EventRevision(text: event.text, replacedAt: editedAt))]))
        case let .deletion(_, messageID, deletedAt):
            guard let event = try records.event(of: incident.id, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
            guard event.deletedAt == nil else { return (.duplicate, Decision()) }
            return (.updated, Decision(changes: [.markDeleted(incidentID: incident.id, number: event.number, at: deletedAt)]))
        case let .reaction(_, messageID, emoji, _, added):
            guard keyEmoji.contains(emoji) else { return (.ignored(.notAKeyEmoji), Decision()) }
            return try toggle(.reaction, on: added, messageID: messageID, incident, records)
        case let .pin(_, messageID, _, added):
            return try toggle(.pin, on: added, messageID: messageID, incident, records)
        }
    }

    private func capture(_ message: ChannelMessage, _ incident: Incident, _ records: some IncidentRecords) throws -> (CaptureOutcome, Decision) {
        if message.isFromThisBot { return (.ignored(.fromThisBot), Decision()) }
        if try records.event(of: incident.id, messageID: message.messageID) != nil { return (.duplicate, Decision()) }
        let text = redact(message.text)
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: message.channel,
            messageID: message.messageID, author: message.author, occurredAt: message.sentAt, text: text,
            threadParentID: message.threadParentID,
            attachments: message.attachments.map { Attachment(name: redact($0.name), url: redact($0.url)) }, source: .chat)
        var decision = Decision(changes: [.appendEvent(event)])
        if let (milestone, phrase) = classifier.classify(text), incident.milestones[milestone] == nil || milestone == .resolved && incident.state == .open {
            let pending = try records.suggestions(of: incident.id)
            if !pending.contains(where: { $0.milestone == milestone && $0.status == .pending }) {
                let suggestion = MilestoneSuggestion(
                    number: (pending.map(\.number).max() ?? 0) + 1, incidentID: incident.id, eventNumber: event.number,
                    milestone: milestone, at: message.sentAt, phrase: phrase)
                decision.changes.append(.addSuggestion(suggestion))
                decision.replies.append(proposal(suggestion, author: message.author))
            }
        }
        return (.stored, decision)
    }

    func proposal(_ s: MilestoneSuggestion, author: Person) -> Reply {
        let values = ["ref": s.reference, "milestone": s.milestone.rawValue, "time": UTCFormat.dateTime(s.at), "phrase": s.phrase, "author": author.name]
        return Reply(.channel, messages.render(.suggestionProposed, values), actions: [
            Reply.Action(label: messages.render(.suggestionConfirm, values), command: "confirm \(s.reference)"),
            Reply.Action(label: messages.render(.suggestionDismiss, values), command: "dismiss \(s.reference)"),
        ])
    }

    private func toggle(_ reason: KeyReason, on: Bool, messageID: String, _ incident: Incident, _ records: some IncidentRecords) throws -> (CaptureOutcome, Decision) {
        guard let event = try records.event(of: incident.id, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
        var reasons = event.keyReasons
        if on { reasons.insert(reason) } else { reasons.remove(reason) }
        guard reasons != event.keyReasons else { return (.duplicate, Decision()) }
        return (.updated, Decision(changes: [.setKeyReasons(incidentID: incident.id, number: event.number, reasons: reasons)]))
    }
}
