import Foundation

/// An SVG chart of incidents per month (bars) and the MTTR trend (line), for `/postmortem stats chart`.
public enum StatsChart {
    public struct Month: Hashable, Sendable {
        public var label: String
        public var count: Int
        public var bySeverity: [Severity: Int]
        /// Mean time from the start to each milestone, over the month's incidents that have it (negative spans,
        /// from milestones set before the start, left out as `IncidentStatistics` leaves them out).
        public var meanTimeTo: [MilestoneKind: TimeInterval]
        public var meanTimeToResolve: TimeInterval? { meanTimeTo[.resolved] }
    }

    /// The last `months` calendar months (UTC) ending with the one containing `now`, oldest first.
    public static func months(_ incidents: [Incident], now: Date, months: Int = 12) -> [Month] {
        let calendar = Calendar.utc
        let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? now
        return (0..<months).reversed().map { back in
            let start = calendar.date(byAdding: .month, value: -back, to: thisMonth) ?? thisMonth
            let end = calendar.date(byAdding: .month, value: 1, to: start) ?? start
            let inMonth = incidents.filter { $0.startedAt >= start && $0.startedAt < end }
            var means: [MilestoneKind: TimeInterval] = [:]
            for kind in MilestoneKind.allCases where kind != .started {
                let spans = inMonth.compactMap { $0.timeTo(kind) }.filter { $0 >= 0 }
                if !spans.isEmpty { means[kind] = spans.reduce(0, +) / Double(spans.count) }
            }
            return Month(label: String(UTCFormat.day(start).prefix(7)), count: inMonth.count,
                         bySeverity: Dictionary(grouping: inMonth, by: \.severity).mapValues(\.count), meanTimeTo: means)
        }
    }

    /// A self-contained SVG (no scripts, no external references), `title` escaped.
    public static func svg(_ months: [Month], title: String) -> String {
        let width = 640.0, height = 320.0, left = 48.0, right = 48.0, top = 40.0, bottom = 48.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maxCount = max(1, months.map(\.count).max() ?? 1)
        let maxTTR = max(60, months.compactMap(\.meanTimeToResolve).max() ?? 60)
        let slot = plotW / Double(max(1, months.count))
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = [
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="sans-serif" font-size="11">"##,
            ##"<rect width="100%" height="100%" fill="#ffffff"/>"##,
            ##"<text x="\##(f(left))" y="22" font-size="14" font-weight="bold">\##(esc(title))</text>"##,
            ##"<line x1="\##(f(left))" y1="\##(f(top + plotH))" x2="\##(f(left + plotW))" y2="\##(f(top + plotH))" stroke="#888"/>"##,
            ##"<text x="\##(f(left - 6))" y="\##(f(top + 4))" text-anchor="end" fill="#3465a4">\##(maxCount)</text>"##,
            ##"<text x="\##(f(left + plotW + 6))" y="\##(f(top + 4))" fill="#cc0000">\##(esc(UTCFormat.duration(maxTTR)))</text>"##,
        ]
        var points: [String] = []
        for (i, month) in months.enumerated() {
            let x = left + Double(i) * slot
            let h = plotH * Double(month.count) / Double(maxCount)
            svg.append(##"<rect class="bar" x="\##(f(x + slot * 0.15))" y="\##(f(top + plotH - h))" width="\##(f(slot * 0.7))" height="\##(f(h))" fill="#729fcf"><title>\##(esc(month.label)): \##(month.count)</title></rect>"##)
            svg.append(##"<text x="\##(f(x + slot / 2))" y="\##(f(top + plotH + 14))" text-anchor="middle">\##(esc(String(month.label.suffix(5))))</text>"##)
            if let ttr = month.meanTimeToResolve {
                points.append("\(f(x + slot / 2)),\(f(top + plotH - plotH * ttr / maxTTR))")
            }
        }
        if !points.isEmpty {
            svg.append(##"<polyline class="mttr" points="\##(points.joined(separator: " "))" fill="none" stroke="#cc0000" stroke-width="2"/>"##)
        }
        svg.append(##"<text x="\##(f(left))" y="\##(f(height - 10))" fill="#3465a4">■ incidents per month</text>"##)
        svg.append(##"<text x="\##(f(left + 160))" y="\##(f(height - 10))" fill="#cc0000">— mean time to resolve</text>"##)
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }
}
