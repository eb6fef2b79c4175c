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
        let (duration, percent) = (FigureText.duration, FigureText.percent)
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

        // The last 12 calendar months, oldest first, as `/postmortem stats chart` counts them.
        let calendar = StatsChart.months(incidents, now: now)
        let labels = calendar.map(\.label)
        severities = Severity.allCases.map(\.rawValue)
        months = calendar.map { month in
            Month(month: month.label, total: month.count, bySeverity: Severity.allCases.map { month.bySeverity[$0] ?? 0 },
                  mttd: duration(month.meanTimeTo[.detected]), mtta: duration(month.meanTimeTo[.acknowledged]), mttr: duration(month.meanTimeTo[.resolved]))
        }
        bars = MonthlyBars(months: labels, counts: Dictionary(uniqueKeysWithValues: calendar.map { ($0.label, $0.bySeverity) }))
        trend = TrendLines(months: labels, series: [("MTTD", MilestoneKind.detected), ("MTTA", .acknowledged), ("MTTR", .resolved)].map { name, kind in
            (name, Dictionary(uniqueKeysWithValues: calendar.compactMap { month in month.meanTimeTo[kind].map { (month.label, $0) } }))
        })
    }
}
