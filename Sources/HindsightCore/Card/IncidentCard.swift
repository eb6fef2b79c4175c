import Foundation

/// The incident's state at a glance, as the live card in its channel shows it and `/postmortem status` answers:
/// title, severity and state, each milestone with its UTC time, TTD/TTA/TTM/TTR so far, the milestone suggestions
/// still waiting (with confirm and dismiss buttons), how many key events the timeline has, how far the post-mortem's
/// review checklist is, and the report and tracker links once they exist.
///
/// Nothing on it moves with the clock alone (no "lasted 12 minutes" while open), so the card is edited only when the
/// incident changes.
public struct IncidentCard: Hashable, Sendable {
    public var incident: IncidentID
    public var channel: ChannelKey
    /// Markdown, every line from `Prompts/messages.yaml`.
    public var text: String
    /// Confirm and dismiss for each suggestion waiting for an answer.
    public var actions: [Reply.Action]
    /// What the card's menu offers (taking a role): an overflow menu where the platform has one, more buttons elsewhere.
    public var menu: [Reply.Action]

    public init(incident: IncidentID, channel: ChannelKey, text: String, actions: [Reply.Action], menu: [Reply.Action] = []) {
        self.incident = incident
        self.channel = channel
        self.text = text
        self.actions = actions
        self.menu = menu
    }

    /// The card as a reply, for platforms without menus: its buttons, then the menu's items as buttons too.
    public func reply(_ visibility: Reply.Visibility) -> Reply { Reply(visibility, text, actions: actions + menu) }
}

extension IncidentDesk {
    /// The card of `incident` as its records stand; `now` is the day the action items' due dates are checked against.
    public func card(_ incident: Incident, records: some IncidentRecords, now: Date) throws -> IncidentCard {
        var vals = values(incident, user: incident.createdBy)
        vals["state"] = incident.state.rawValue
        vals["duration"] = incident.state == .resolved ? UTCFormat.duration(incident.duration(now: now)) : ""
        var lines = [messages.render(incident.state == .resolved ? .cardHeaderResolved : .cardHeader, vals)]
        lines.append(rolesLine(incident).map { messages.render(.cardRoles, ["roles": $0]) } ?? messages.render(.cardNoRoles))
        for kind in MilestoneKind.allCases {
            if let at = incident.milestones[kind] {
                lines.append(messages.render(.statusMilestoneSet, ["milestone": kind.rawValue, "time": UTCFormat.dateTime(at)]))
            } else {
                lines.append(messages.render(.statusMilestoneUnset, ["milestone": kind.rawValue]))
            }
        }
        lines.append(MilestoneKind.timeTo.map { name, kind in
            messages.render(.statusTimeTo, ["name": name, "value": FigureText.duration(incident.timeTo(kind))])
        }.joined(separator: "  "))

        var actions: [Reply.Action] = []
        for suggestion in try records.suggestions(of: incident.id) where suggestion.status == .pending {
            let vals = [
                "ref": suggestion.reference, "milestone": suggestion.milestone.rawValue, "time": UTCFormat.dateTime(suggestion.at),
                "phrase": suggestion.phrase.isEmpty ? "…" : suggestion.phrase,
            ]
            lines.append(messages.render(.cardSuggestion, vals))
            actions.append(Reply.Action(label: messages.render(.cardConfirm, vals), command: "confirm \(suggestion.reference)"))
            actions.append(Reply.Action(label: messages.render(.cardDismiss, vals), command: "dismiss \(suggestion.reference)"))
        }

        let counts = try records.eventCounts(of: incident.id)
        lines.append(messages.render(.cardKeyEvents, ["count": "\(counts.key)"]))
        let draft = try records.postmortem(of: incident.id)
        let results = reviewChecklist.evaluate(
            incident: incident, visibleEvents: counts.visible, draft: draft ?? PostmortemDraft(incidentID: incident.id), today: now)
        let tally = Dictionary(grouping: results, by: \.status).mapValues(\.count)
        lines.append(messages.render(.cardReview, [
            "passed": "\(tally[.pass] ?? 0)", "warnings": "\(tally[.warn] ?? 0)", "failures": "\(tally[.fail] ?? 0)", "total": "\(results.count)",
        ]))
        if let draft, draft.publications > 0 {
            lines.append(messages.render(.cardReport, ["path": ReportSlug.path(for: incident), "revision": "\(draft.publications)"]))
        }
        let issues = (draft?.actions ?? []).flatMap { action in
            action.issues.sorted { $0.key < $1.key }.map { tracker, url in
                messages.render(.cardIssue, ["ref": action.reference, "tracker": tracker, "url": url])
            }
        }
        if !issues.isEmpty { lines.append(messages.render(.cardIssues, ["issues": issues.joined(separator: ", ")])) }
        let menu = IncidentRole.allCases.map { role in
            Reply.Action(label: messages.render(.cardTakeRole, ["role": roleName(role)]), command: "role \(role.rawValue) me")
        }
        return IncidentCard(incident: incident.id, channel: incident.channel, text: lines.joined(separator: "\n"), actions: actions, menu: menu)
    }
}

extension Change {
    /// The incident whose card this change may alter; nil for changes the card does not show (an ordinary message,
    /// an edit, a reaction, a conversation, a reminder mark).
    public var cardIncident: IncidentID? {
        switch self {
        case let .createIncident(incident), let .updateIncident(incident): incident.id
        case let .appendEvent(event): event.isKey ? event.incidentID : nil
        case let .markDeleted(id, _, _), let .setKeyReasons(id, _, _): id
        case let .addSuggestion(suggestion), let .updateSuggestion(suggestion): suggestion.incidentID
        case let .savePostmortem(draft): draft.incidentID
        case .reviseEvent, .setReaction, .saveConversation, .endConversation, .markReminderSent: nil
        }
    }
}

extension Sequence<Change> {
    /// The incidents whose cards these changes may alter.
    public var cardIncidents: Set<IncidentID> { Set(compactMap(\.cardIncident)) }
}
