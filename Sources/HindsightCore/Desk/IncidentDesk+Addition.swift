import Foundation

extension IncidentDesk {
    /// The small form "Add to timeline" opens first where the platform has forms: an optional note on why the message
    /// matters. The message travels in the form's context; submitting it adds the message (`add`).
    public func additionForm(_ message: ChannelMessage, link: String? = nil) -> Form {
        let carried = TimelineAddition.CarriedMessage(message, link: link)
        let context = (try? JSONEncoder().encode(carried)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return Form(id: Self.additionFormID, title: messages.render(.formAdditionTitle), submitLabel: messages.render(.formAdditionSubmit), fields: [
            Form.Field(name: "note", label: messages.render(.formFieldAdditionNote), kind: .multiline, optional: true),
        ], context: context)
    }

    static let additionFormID = "add_to_timeline"

    /// The message an "Add to timeline" form carries, with its link; nil when its context is not one.
    func additionMessage(_ context: String) -> (message: ChannelMessage, link: String?)? {
        (try? SafeJSON.decode(TimelineAddition.CarriedMessage.self, from: Data(context.utf8))).map { ($0.message, $0.link) }
    }

    /// Puts a message on a timeline as a key event (pinned): the incident open in the message's channel, else the one
    /// open where the person asked, else the only one open on the platform. A message already on that timeline is
    /// pinned; one stored under another incident is left there, with a reply saying so.
    public func add(_ addition: TimelineAddition, records: some IncidentRecords) throws -> Decision {
        let message = addition.message
        let sole = addition.ownChannelOnly ? [] : try records.openIncidents().filter { $0.channel.platform == message.channel.platform }
        let elsewhere = addition.ownChannelOnly ? nil : try records.openIncident(in: addition.askedIn) ?? (sole.count == 1 ? sole.first : nil)
        guard let incident = try records.openIncident(in: message.channel) ?? elsewhere else {
            if addition.ownChannelOnly { return Decision() }
            return Decision(replies: [Reply(.ephemeral, messages.render(.additionNoIncident, ["count": "\(sole.count)"]))])
        }
        if let event = try records.event(of: incident.id, channel: message.channel, messageID: message.messageID) {
            return pin(event, on: true)
        }
        if try records.containsMessage(channel: message.channel, messageID: message.messageID) {
            return Decision(replies: [Reply(.ephemeral, messages.render(.additionElsewhere, [:]))])
        }
        let note = addition.note.map { redact($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: message.channel,
            messageID: message.messageID, author: message.author, occurredAt: message.sentAt,
            text: redact(message.text) + (note.map { " — " + messages.render(.additionNote, ["note": $0, "user": addition.by.name]) } ?? ""),
            threadParentID: message.threadParentID,
            // From another channel: the link to the message goes with it, so a reader can open it where it was said.
            attachments: message.attachments
                + (message.channel != incident.channel ? addition.link.map { [Attachment(name: messages.render(.additionLink), url: $0)] } ?? [] : []),
            source: message.isFromIntegration ? .integration : .chat, keyReasons: [.pin])
        let key: MessageKey = message.channel == incident.channel ? .additionAdded : .additionAddedFromElsewhere
        return Decision(changes: [.appendEvent(event)], replies: [Reply(.ephemeral, messages.render(key, [
            "ref": event.reference, "id": incident.id.rawValue, "time": UTCFormat.dateTime(event.occurredAt),
        ]))])
    }
}
