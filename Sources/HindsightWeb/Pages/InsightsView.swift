import Foundation
import HindsightCore

/// The insights page: the figures `/postmortem stats` gives for the same window (default the last 90 days), and over
/// the last 12 months the monthly MTTD/MTTA/MTTR trend, incidents per month by severity, and the action items still
/// open past their due date. Each chart has its numbers beside it in a table.
public struct InsightsView: Codable, Sendable {
    public struct Figure: Codable, Sendable {
        public var name: String
        public var mean: String
        public var median: String
        public var count: Int
    }

    public struct Month: Codable, Sendable {
        public var month: String
        public var total: Int
        public var bySeverity: [Int]
        public var mttd: String
        public var mtta: String
        public var mttr: String
    }

    public struct Overdue: Codable, Sendable {
        public var incident: String
        public var href: String
        public var reference: String
        public var text: String
        public var owner: String
        public var due: String
    }

    public var from: String
    public var to: String
    public var days: Int
    public var count: Int
    public var open: Int
    public var bySeverity: [IncidentView.Pair]
    public var figures: [Figure]
    public var mtbf: String
    public var published: Int
    public var resolved: Int
    public var completion: String
    public var actions: Int
    public var actionsDone: Int
    public var actionCompletion: String
    public var overdueCount: Int
    public var overdue: [Overdue]
    public var hasOverdue: Bool
    public var severities: [String]
    public var months: [Month]
    public var bars: MonthlyBars
    public var trend: TrendLines
    /// The figures exactly as `hindsight stats --format json` gives them, for scripts.
    public var statistics: IncidentStatistics
    public var followThrough: FollowThrough

    public init(incidents: [Incident], drafts: [PostmortemDraft], days: Int, now: Date) {
        let window = DateInterval(start: now.addingTimeInterval(-Double(days) * 86_400), end: now)
        let stats = IncidentStatistics(incidents: incidents, window: window)
        let follow = FollowThrough(incidents: incidents, drafts: drafts, window: window, now: now)
        func duration(_ value: TimeInterval?) -> String { value.map(UTCFormat.duration) ?? "—" }
        func percent(_ value: Double?) -> String { value.map { "\(Int(($0 * 100).rounded()))%" } ?? "—" }
        from = UTCFormat.day(window.start)
        to = UTCFormat.day(now)
        self.days = days
        count = stats.count
        open = stats.open
        bySeverity = Severity.allCases.map { IncidentView.Pair(name: $0.rawValue, value: "\(stats.bySeverity[$0.rawValue] ?? 0)") }
        figures = [("MTTD", stats.timeToDetect), ("MTTA", stats.timeToAcknowledge), ("MTTM", stats.timeToMitigate), ("MTTR", stats.timeToResolve)].map {
            Figure(name: $0.0, mean: duration($0.1.mean), median: duration($0.1.median), count: $0.1.count)
        }
        mtbf = duration(stats.meanTimeBetweenFailures)
        published = follow.published
        resolved = follow.resolved
        completion = percent(follow.completionRate)
        actions = follow.actions
        actionsDone = follow.actionsDone
        actionCompletion = percent(follow.actionCompletionRate)
        overdueCount = follow.overdue
        statistics = stats
        followThrough = follow

        // Open items past due, oldest due first, from the incidents in the window (the same ones FollowThrough counts).
        let inWindow = Set(incidents.filter { window.contains($0.startedAt) }.map(\.id))
        overdue = drafts.filter { inWindow.contains($0.incidentID) }.flatMap { draft in
            draft.actions.filter { $0.isOverdue(at: now) }.map { item in
                Overdue(incident: draft.incidentID.rawValue, href: "/incidents/\(draft.incidentID.rawValue)", reference: item.reference, text: item.text,
                        owner: item.owner ?? "—", due: item.due.map(UTCFormat.day) ?? "—")
            }
        }.sorted { ($0.due, $0.incident) < ($1.due, $1.incident) }
        hasOverdue = !overdue.isEmpty

        // The last 12 calendar months, oldest first.
        let labels = Self.months(ending: now, count: 12)
        var counts: [String: [Severity: Int]] = [:]
        var times: [String: [MilestoneKind: [TimeInterval]]] = [:]
        for incident in incidents {
            let month = String(UTCFormat.day(incident.startedAt).prefix(7))
            guard labels.contains(month) else { continue }
            counts[month, default: [:]][incident.severity, default: 0] += 1
            for kind in [MilestoneKind.detected, .acknowledged, .resolved] {
                if let value = incident.timeTo(kind) { times[month, default: [:]][kind, default: []].append(value) }
            }
        }
        func mean(_ month: String, _ kind: MilestoneKind) -> TimeInterval? {
            guard let values = times[month]?[kind], !values.isEmpty else { return nil }
            return values.reduce(0, +) / Double(values.count)
        }
        severities = Severity.allCases.map(\.rawValue)
        months = labels.map { month in
            Month(month: month, total: counts[month]?.values.reduce(0, +) ?? 0, bySeverity: Severity.allCases.map { counts[month]?[$0] ?? 0 },
                  mttd: duration(mean(month, .detected)), mtta: duration(mean(month, .acknowledged)), mttr: duration(mean(month, .resolved)))
        }
        bars = MonthlyBars(months: labels, counts: counts)
        trend = TrendLines(months: labels, series: [("MTTD", MilestoneKind.detected), ("MTTA", .acknowledged), ("MTTR", .resolved)].map { name, kind in
            (name, Dictionary(uniqueKeysWithValues: labels.compactMap { month in mean(month, kind).map { (month, $0) } }))
        })
    }

    /// `count` month labels (`YYYY-MM`, UTC) ending with the month of `now`, oldest first.
    static func months(ending now: Date, count: Int) -> [String] {
        let parts = UTCFormat.day(now).split(separator: "-").compactMap { Int($0) }
        var (year, month) = (parts[0], parts[1])
        var labels: [String] = []
        for _ in 0..<count {
            labels.append(String(format: "%04d-%02d", year, month))
            month -= 1
            if month == 0 { (year, month) = (year - 1, 12) }
        }
        return labels.reversed()
    }
}
