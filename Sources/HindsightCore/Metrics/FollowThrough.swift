import Foundation

/// How well post-mortems are followed through: published reports and done action items.
public struct FollowThrough: Hashable, Sendable, Codable {
    /// Resolved incidents in the window, and how many of them have a published post-mortem.
    public var resolved: Int
    public var published: Int
    /// Published / resolved (nil with no resolved incident).
    public var completionRate: Double?
    /// From resolution to first publication.
    public var timeToPublish: DurationSummary
    /// Action items that count (all but won't-do), done, and open past their due date.
    public var actions: Int
    public var actionsDone: Int
    public var actionCompletionRate: Double?
    public var overdue: Int

    public init(incidents: [Incident], drafts: [PostmortemDraft], window: DateInterval, now: Date) {
        let selected = incidents.filter { window.contains($0.startedAt) }
        let byID = Dictionary(drafts.map { ($0.incidentID, $0) }, uniquingKeysWith: { first, _ in first })
        let resolvedIncidents = selected.filter { $0.state == .resolved }
        resolved = resolvedIncidents.count
        let publishedIncidents = resolvedIncidents.filter { (byID[$0.id]?.publications ?? 0) > 0 }
        published = publishedIncidents.count
        completionRate = resolved == 0 ? nil : Double(published) / Double(resolved)
        timeToPublish = DurationSummary(publishedIncidents.compactMap { incident in
            guard let resolvedAt = incident.milestones[.resolved], let first = byID[incident.id]?.firstPublishedAt else { return nil }
            return max(0, first.timeIntervalSince(resolvedAt))
        })
        let items = selected.flatMap { byID[$0.id]?.actions ?? [] }.filter { $0.status != .wontDo }
        actions = items.count
        actionsDone = items.filter { $0.status == .done }.count
        actionCompletionRate = actions == 0 ? nil : Double(actionsDone) / Double(actions)
        overdue = items.filter { $0.isOverdue(at: now) }.count
    }
}
