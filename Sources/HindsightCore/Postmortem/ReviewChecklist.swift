import Foundation

/// The items `/postmortem review` checks, in the order they are shown.
public enum ReviewItem: String, CaseIterable, Codable, Sendable {
    case timeline, summary, impact, rootCause = "root_cause", factors, wentWell = "went_well", actions, blame
    case followUp = "follow_up"
}

/// One checked item: pass, warn or fail, with the values its texts are filled with.
public struct ReviewResult: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable { case pass, warn, fail }
    public var item: ReviewItem
    public var status: Status
    public var values: [String: String]
}

/// The review checklist from the post-mortem process, over an incident, its timeline and the draft. Pure.
public struct ReviewChecklist: Sendable {
    public var minimumWhyDepth: Int
    public var followUpWeeks: Int
    public var actionCheck: ActionCheck

    public init(minimumWhyDepth: Int, followUpWeeks: Int, actionCheck: ActionCheck) {
        self.minimumWhyDepth = minimumWhyDepth
        self.followUpWeeks = followUpWeeks
        self.actionCheck = actionCheck
    }

    /// True when nothing failed: warnings do not block.
    public static func isComplete(_ results: [ReviewResult]) -> Bool { !results.contains { $0.status == .fail } }

    public func evaluate(incident: Incident, events: [TimelineEvent], draft: PostmortemDraft, today: Date) -> [ReviewResult] {
        evaluate(incident: incident, visibleEvents: events.count { $0.deletedAt == nil }, draft: draft, today: today)
    }

    /// The same, from how many events are on the timeline (not deleted): all the timeline item reads of them.
    public func evaluate(incident: Incident, visibleEvents: Int, draft: PostmortemDraft, today: Date) -> [ReviewResult] {
        ReviewItem.allCases.map { item in
            let (status, values) = check(item, incident, visibleEvents, draft, today)
            return ReviewResult(item: item, status: status, values: values)
        }
    }

    private func check(
        _ item: ReviewItem, _ incident: Incident, _ visibleEvents: Int, _ draft: PostmortemDraft, _ today: Date
    ) -> (ReviewResult.Status, [String: String]) {
        switch item {
        case .timeline:
            let required: [MilestoneKind] = [.started, .detected, .resolved]
            let missing = required.filter { incident.milestones[$0] == nil }
            if !missing.isEmpty { return (.fail, ["missing": missing.map(\.rawValue).joined(separator: ", "), "milestone": missing[0].rawValue]) }
            let ordered = MilestoneKind.allCases.compactMap { incident.milestones[$0] }
            if ordered != ordered.sorted() { return (.fail, ["missing": "", "milestone": "detected"]) }
            return (visibleEvents >= 3 ? .pass : .warn, ["events": "\(visibleEvents)"])
        case .summary:
            return (draft.entries(in: .summary).isEmpty ? .fail : .pass, [:])
        case .impact:
            let filled = Set(draft.entries(in: .impact).compactMap(\.field))
            let count = draft.entries(in: .impact).isEmpty ? 0 : max(filled.count, 1)
            if count == 0 { return (.fail, ["count": "0"]) }
            return (filled.count >= 3 ? .pass : .warn, ["count": "\(filled.count)"])
        case .rootCause:
            let depth = draft.whyDepth
            let deepEnough = depth >= minimumWhyDepth || draft.whysStoppedEarly != nil
            if !deepEnough || draft.rootCause == nil {
                return (.fail, ["depth": "\(depth)", "minimum": "\(minimumWhyDepth)"])
            }
            return (depth >= minimumWhyDepth ? .pass : .warn, ["depth": "\(depth)", "minimum": "\(minimumWhyDepth)", "reason": draft.whysStoppedEarly ?? ""])
        case .factors:
            let count = draft.entries(in: .factor).count
            return (count >= 2 ? .pass : .fail, ["count": "\(count)"])
        case .wentWell:
            return (draft.entries(in: .wentWell).isEmpty ? .fail : .pass, [:])
        case .actions:
            let live = draft.actions.filter { $0.status != .wontDo }
            if live.isEmpty { return (.fail, ["refs": "", "count": "0"]) }
            let incomplete = live.filter { item in
                actionCheck.check(item, today: today).contains { [.missingOwner, .missingDue, .missingPriority].contains($0.kind) }
            }
            if !incomplete.isEmpty { return (.fail, ["refs": incomplete.map(\.reference).joined(separator: ", "), "count": "\(live.count)", "ref": incomplete[0].reference]) }
            let vagueOrLate = live.filter { actionCheck.check($0, today: today).contains { $0.kind == .vagueAction || $0.kind == .pastDue } }
            if !vagueOrLate.isEmpty { return (.warn, ["refs": vagueOrLate.map(\.reference).joined(separator: ", "), "count": "\(live.count)", "ref": vagueOrLate[0].reference]) }
            return (.pass, ["count": "\(live.count)", "refs": ""])
        case .blame:
            let open = draft.entries.filter(\.hasOpenFindings)
            if open.isEmpty { return (.pass, [:]) }
            return (.fail, ["refs": open.map(\.reference).joined(separator: ", "), "ref": open[0].reference])
        case .followUp:
            if let date = draft.followUpReview { return (.pass, ["date": UTCFormat.day(date)]) }
            let fallback = Calendar.utc.date(byAdding: .day, value: 7 * followUpWeeks, to: Calendar.utc.startOfDay(for: incident.startedAt))!
            return (.warn, ["date": UTCFormat.day(fallback)])
        }
    }
}

extension IncidentDesk {
    /// The review checklist with this desk's rules (why depth, follow-up weeks, action check).
    public var reviewChecklist: ReviewChecklist {
        ReviewChecklist(minimumWhyDepth: guide.minimumWhyDepth, followUpWeeks: guide.followUpWeeks, actionCheck: actionCheck)
    }
}
