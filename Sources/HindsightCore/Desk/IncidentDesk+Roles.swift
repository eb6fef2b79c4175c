import Foundation

extension IncidentDesk {
    /// `/postmortem role ic|comms|scribe @person|me|none`: sets, hands over or clears a role. The change is said in
    /// the channel and is a key event on the timeline, at the time it was made.
    func setRole(_ role: IncidentRole, _ person: String?, _ inv: CommandInvocation, _ incident: Incident, _ records: some IncidentRecords) throws -> Decision {
        let markup = markup(for: incident.channel.platform)
        let holder = person.map { $0.lowercased() == "me" ? markup.mention(handle: markup.mentionsByID ? inv.user.id : inv.user.name) : $0 }
        let previous = incident.roles[role]
        var vals = ["id": incident.id.rawValue, "role": roleName(role), "user": inv.user.name, "person": holder ?? "", "previous": previous ?? ""]
        guard holder != previous else {
            vals["person"] = previous ?? "—"
            return Decision(replies: [Reply(.ephemeral, messages.render(.roleUnchanged, vals))])
        }
        var updated = incident
        updated.roles[role] = holder
        let key: MessageKey = holder == nil ? .roleCleared : (previous == nil ? .roleSet : .roleHandedOver)
        let text = messages.render(key, vals)
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: incident.channel, messageID: nil,
            author: inv.user, occurredAt: inv.receivedAt, text: text, source: .command, keyReasons: [.note])
        return Decision(changes: [.updateIncident(updated), .appendEvent(event)], replies: [Reply(.channel, text)])
    }

    /// The role's name as the team calls it (`Prompts/messages.yaml`).
    public func roleName(_ role: IncidentRole) -> String {
        switch role {
        case .ic: messages.render(.roleIC)
        case .comms: messages.render(.roleComms)
        case .scribe: messages.render(.roleScribe)
        }
    }

    /// "IC <@U1> · Comms @lee": every role held, in the roles' order; nil when none is.
    public func rolesLine(_ incident: Incident) -> String? {
        let held = IncidentRole.allCases.compactMap { role in incident.roles[role].map { "\(roleName(role)) \($0)" } }
        return held.isEmpty ? nil : held.joined(separator: " · ")
    }
}
