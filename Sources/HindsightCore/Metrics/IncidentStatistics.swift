import Foundation

/// Mean and median of a set of durations, with how many incidents contributed.
public struct DurationSummary: Hashable, Sendable, Codable {
    public var count: Int
    public var mean: TimeInterval?
    public var median: TimeInterval?

    public init(_ values: [TimeInterval]) {
        count = values.count
        guard !values.isEmpty else { return }
        mean = values.reduce(0, +) / Double(values.count)
        let sorted = values.sorted()
        let mid = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// Incident figures a reliability lead reports on: counts by severity and month, the mean/median time to
/// detect, acknowledge, mitigate and resolve, and the mean time between failures.
public struct IncidentStatistics: Hashable, Sendable, Codable {
    /// Incidents started inside the window.
    public var count: Int
    public var bySeverity: [String: Int]
    /// Keyed `YYYY-MM` (UTC).
    public var byMonth: [String: Int]
    public var timeToDetect: DurationSummary
    public var timeToAcknowledge: DurationSummary
    public var timeToMitigate: DurationSummary
    public var timeToResolve: DurationSummary
    /// Mean time between failures: the mean gap from one incident's resolution to the next incident's start,
    /// over consecutive incidents in the window (nil with fewer than two resolved incidents).
    public var meanTimeBetweenFailures: TimeInterval?
    public var open: Int

    /// Computes the figures for incidents that started within `window`.
    public init(incidents: [Incident], window: DateInterval) {
        let selected = incidents.filter { window.contains($0.startedAt) }.sorted { $0.startedAt < $1.startedAt }
        count = selected.count
        bySeverity = Dictionary(grouping: selected, by: \.severity.rawValue).mapValues(\.count)
        byMonth = Dictionary(grouping: selected) { String(UTCFormat.day($0.startedAt).prefix(7)) }.mapValues(\.count)
        func summary(_ kind: MilestoneKind) -> DurationSummary {
            DurationSummary(selected.compactMap { $0.timeTo(kind) }.filter { $0 >= 0 })
        }
        timeToDetect = summary(.detected)
        timeToAcknowledge = summary(.acknowledged)
        timeToMitigate = summary(.mitigated)
        timeToResolve = summary(.resolved)
        open = selected.filter { $0.state == .open }.count
        var gaps: [TimeInterval] = []
        for (previous, next) in zip(selected, selected.dropFirst()) {
            if let resolved = previous.milestones[.resolved] { gaps.append(max(0, next.startedAt.timeIntervalSince(resolved))) }
        }
        meanTimeBetweenFailures = gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
    }
}
