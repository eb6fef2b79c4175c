import Foundation
@testable import HindsightCore
import HindsightStore

/// Incidents written straight into a store, as capture would have left them.
enum Seed {
    static let base = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 09:46:40 UTC

    struct Message {
        var text: String
        var key: Set<KeyReason> = []
        var milestone: MilestoneKind? = nil
        var deleted = false
        var editedFrom: String? = nil
    }

    /// Writes incident number `number` (started `day` days after `base`) with `messages` a minute apart.
    @discardableResult
    static func incident(
        _ store: Store, number: Int, title: String, severity: Severity = .sev2, state: IncidentState = .resolved, platform: Platform = .slack,
        day: Int = 0, messages: [Message] = [], tags: [String] = [], actions: [ActionItem] = [], resolvedAfter: TimeInterval = 1_800
    ) async throws -> Incident {
        let start = base.addingTimeInterval(Double(day) * 86_400)
        let id = IncidentID(rawValue: String(format: "INC-2026-1118-%03d", number))
        var milestones: [MilestoneKind: Date] = [.started: start, .detected: start.addingTimeInterval(120)]
        if state == .resolved { milestones[.resolved] = start.addingTimeInterval(resolvedAfter) }
        let incident = Incident(
            id: id, channel: ChannelKey(platform: platform, channelID: "C\(number)"), title: title, severity: severity, state: state,
            createdBy: Person(id: "U1", name: "Ana"), createdAt: start, milestones: milestones)
        var changes: [Change] = [.createIncident(incident)]
        for (index, message) in messages.enumerated() {
            let at = start.addingTimeInterval(Double(index + 1) * 60)
            let event = TimelineEvent(
                number: index + 1, incidentID: id, channel: incident.channel, messageID: "m\(number)-\(index)", author: Person(id: "U\(index % 3)", name: ["Ana", "Bo", "Cy"][index % 3]),
                occurredAt: at, text: message.editedFrom ?? message.text, source: .chat, keyReasons: message.key, milestone: message.milestone)
            changes.append(.appendEvent(event))
            if let old = message.editedFrom {
                changes.append(.reviseEvent(incidentID: id, number: index + 1, newText: message.text, revision: EventRevision(text: old, replacedAt: at.addingTimeInterval(30))))
            }
            if message.deleted { changes.append(.markDeleted(incidentID: id, number: index + 1, at: at.addingTimeInterval(45))) }
        }
        if !tags.isEmpty || !actions.isEmpty {
            var draft = PostmortemDraft(incidentID: id)
            draft.tags = tags
            draft.actions = actions
            changes.append(.savePostmortem(draft))
        }
        let all = changes
        try await store.write { tx in try tx.apply(all) }
        return incident
    }
}
