import Foundation
import Testing
import HindsightCore

@Suite("Incident statistics")
struct IncidentStatisticsTests {
    let t0 = Fixtures.t0  // 2026-11-22 14:00 UTC

    func incident(_ n: Int, startOffsetHours: Double, severity: Severity, ttd: Double? = nil, ttr: Double? = nil, ttm: Double? = nil) -> Incident {
        let start = t0.addingTimeInterval(startOffsetHours * 3600)
        var milestones: [MilestoneKind: Date] = [.started: start]
        if let ttd { milestones[.detected] = start.addingTimeInterval(ttd * 60) }
        if let ttm { milestones[.mitigated] = start.addingTimeInterval(ttm * 60) }
        if let ttr { milestones[.resolved] = start.addingTimeInterval(ttr * 60) }
        return Incident(id: IncidentID(day: start, number: n), channel: Fixtures.channel, title: "i\(n)", severity: severity,
                        state: ttr == nil ? .open : .resolved, createdBy: Fixtures.alice, createdAt: start, milestones: milestones)
    }

    @Test("hand-computed fixture: counts, means, medians and MTBF")
    func handComputed() {
        // Starts at -30 days, -10 days, -1 day (Oct 23, Nov 12, Nov 21), and one outside the window (-100 days).
        let incidents = [
            incident(1, startOffsetHours: -720, severity: .sev2, ttd: 10, ttr: 60, ttm: 30),
            incident(2, startOffsetHours: -240, severity: .sev1, ttd: 4, ttr: 120),
            incident(3, startOffsetHours: -24, severity: .sev2, ttd: 7),
            incident(4, startOffsetHours: -2400, severity: .sev3, ttd: 1, ttr: 5),
        ]
        let stats = IncidentStatistics(incidents: incidents, window: DateInterval(start: t0.addingTimeInterval(-90 * 86_400), end: t0))
        #expect(stats.count == 3)
        #expect(stats.bySeverity == ["sev1": 1, "sev2": 2])
        #expect(stats.byMonth == ["2026-10": 1, "2026-11": 2])
        #expect(stats.timeToDetect == DurationSummary([600, 240, 420]))
        #expect(stats.timeToDetect.mean == 420)
        #expect(stats.timeToDetect.median == 420)
        #expect(stats.timeToResolve.count == 2)
        #expect(stats.timeToResolve.mean == 5400)     // (60 + 120) / 2 minutes
        #expect(stats.timeToResolve.median == 5400)
        #expect(stats.timeToMitigate.mean == 1800)
        #expect(stats.open == 1)
        // Gaps: incident 1 resolved at -720h+1h → incident 2 at -240h: 479h; incident 2 resolved at -238h → incident 3 at -24h: 214h.
        #expect(stats.meanTimeBetweenFailures == 346.5 * 3600)
    }

    @Test("an empty window has counts of zero and no averages")
    func empty() {
        let stats = IncidentStatistics(incidents: [], window: DateInterval(start: t0, duration: 86_400))
        #expect(stats.count == 0)
        #expect(stats.timeToResolve.mean == nil)
        #expect(stats.meanTimeBetweenFailures == nil)
    }

    @Test("median of an even count is the mean of the middle two")
    func evenMedian() {
        #expect(DurationSummary([1, 9, 3, 7]).median == 5)
        #expect(DurationSummary([2]).median == 2)
    }
}
