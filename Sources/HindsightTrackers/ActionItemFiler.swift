import Foundation
import HindsightCore

/// Files a post-mortem's action items in every configured tracker, skipping those already filed there, so
/// publishing again files only what is missing.
public struct ActionItemFiler: Sendable {
    public var trackers: [any IssueTracker]
    /// Chat owner (as typed, e.g. `@alice`, case-insensitive) → tracker user name.
    public var assignees: [String: String]

    public init(trackers: [any IssueTracker], assignees: [String: String] = [:]) {
        self.trackers = trackers
        self.assignees = Dictionary(assignees.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// One filed issue.
    public struct Filed: Sendable, Hashable {
        public var action: Int
        public var tracker: String
        public var url: String
    }

    /// Files what is missing. A tracker that refuses the credentials, cannot find the project or rate-limits stops
    /// being asked for the rest of this round; other errors skip only their item.
    public func file(_ draft: PostmortemDraft, incident: Incident, reportPath: String) async -> (filed: [Filed], errors: [TrackerError]) {
        var filed: [Filed] = []
        var errors: [TrackerError] = []
        for tracker in trackers {
            for item in draft.actions where item.status != .wontDo && item.issues[tracker.name] == nil {
                do {
                    let url = try await tracker.file(issue(for: item, incident: incident, reportPath: reportPath))
                    filed.append(Filed(action: item.number, tracker: tracker.name, url: url))
                } catch {
                    errors.append(error)
                    if error.stopsTracker { break }
                }
            }
        }
        return (filed, errors)
    }

    /// Action items whose issue was closed in a tracker (to mark done), and the errors met asking.
    public func closedItems(_ draft: PostmortemDraft) async -> (closed: [Filed], errors: [TrackerError]) {
        var closed: [Filed] = []
        var errors: [TrackerError] = []
        for tracker in trackers {
            for item in draft.actions where item.status == .open || item.status == .inProgress {
                guard let url = item.issues[tracker.name] else { continue }
                do {
                    if try await tracker.isClosed(url) { closed.append(Filed(action: item.number, tracker: tracker.name, url: url)) }
                } catch {
                    errors.append(error)
                    if error.stopsTracker { break }
                }
            }
        }
        return (closed, errors)
    }

    /// The tracker account for an action item's owner, from `assignees` (keys compared without case): a typed owner
    /// by `@name`; one picked in a Slack form (`<@U123>`, or `<@U123|name>`) by the user id `U123` or by `@name`.
    public func assignee(for owner: String) -> String? {
        var candidates = [owner, "@" + owner]
        if owner.hasPrefix("<@"), owner.hasSuffix(">") {
            let parts = owner.dropFirst(2).dropLast().split(separator: "|", maxSplits: 1).map(String.init)
            candidates = parts.isEmpty ? [] : [parts[0], "@" + parts[0]] + (parts.count == 2 ? ["@" + parts[1]] : [])
        }
        return candidates.lazy.compactMap { self.assignees[$0.lowercased()] }.first
    }

    func issue(for item: ActionItem, incident: Incident, reportPath: String) -> TrackerIssue {
        let assignee = item.owner.flatMap(assignee(for:))
        var lines = [
            "Action item \(item.reference) from the post-mortem of \(incident.id.rawValue) “\(incident.title)”.",
            "",
            "Owner: \(item.owner ?? "not set")\(item.owner != nil && assignee == nil ? " (no tracker account mapped; assign by hand)" : "")",
            "Due: \(item.due.map(UTCFormat.day) ?? "not set")",
            "Priority: \(item.priority?.rawValue ?? "not set")",
        ]
        if let kind = item.kind { lines.append("Type: \(kind.rawValue)") }
        lines += ["Report: \(reportPath)", "", "Filed by Hindsight."]
        var labels = ["post-mortem"]
        if let priority = item.priority { labels.append(priority.rawValue) }
        return TrackerIssue(title: "\(item.reference): \(item.text)", body: lines.joined(separator: "\n"), labels: labels, assignee: assignee, due: item.due)
    }
}

extension ActionItemFiler.Filed {
    /// The same issue as the desk sees it.
    public var tracked: TrackedIssue { TrackedIssue(action: action, tracker: tracker, url: url) }
}
