import Foundation
import HindsightCore

/// Incidents per month, one bar per month stacked by severity, as numbers an inline SVG template draws.
public struct MonthlyBars: Codable, Sendable, Equatable {
    public struct Segment: Codable, Sendable, Equatable {
        public var x: String
        public var y: String
        public var width: String
        public var height: String
        public var severity: String
        public var label: String
    }

    public struct Column: Codable, Sendable, Equatable {
        public var month: String
        /// The month as the axis shows it (`26-11`).
        public var label: String
        public var x: String
        public var total: Int
        public var segments: [Segment]
    }

    public var width: Int
    public var height: Int
    public var baseY: String
    public var columns: [Column]
    public var maximum: Int

    /// Bars for `months` (labels `YYYY-MM`, oldest first) from `counts[month][severity]`.
    public init(months: [String], counts: [String: [Severity: Int]], width: Int = 640, height: Int = 200) {
        self.width = width
        self.height = height
        let base = Double(height - 24)
        baseY = TimeAxis.coordinate(base)
        maximum = max(1, months.map { counts[$0]?.values.reduce(0, +) ?? 0 }.max() ?? 1)
        let slot = Double(width - 20) / Double(max(months.count, 1))
        let scale = (base - 10) / Double(maximum)
        columns = months.enumerated().map { index, month in
            let x = 10 + slot * Double(index) + slot * 0.15
            var top = base
            var segments: [Segment] = []
            for severity in Severity.allCases {
                let count = counts[month]?[severity] ?? 0
                guard count > 0 else { continue }
                let h = Double(count) * scale
                top -= h
                segments.append(Segment(
                    x: TimeAxis.coordinate(x), y: TimeAxis.coordinate(top), width: TimeAxis.coordinate(slot * 0.7), height: TimeAxis.coordinate(h),
                    severity: severity.rawValue, label: "\(month) \(severity.rawValue): \(count)"))
            }
            return Column(month: month, label: String(month.dropFirst(2)), x: TimeAxis.coordinate(x + slot * 0.35), total: counts[month]?.values.reduce(0, +) ?? 0, segments: segments)
        }
    }
}

/// Monthly means of MTTD, MTTA and MTTR as three lines, as numbers an inline SVG template draws.
public struct TrendLines: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var name: String
        public var points: String
        public var dots: [Dot]
    }

    public struct Dot: Codable, Sendable, Equatable {
        public var x: String
        public var y: String
        public var label: String
    }

    public var width: Int
    public var height: Int
    public var baseY: String
    public var lines: [Line]
    public var months: [TimeAxis.Tick]
    /// The largest value drawn, as a duration (the top of the scale).
    public var top: String

    /// Lines for each named series of `values[month]` (seconds; nil where the month has none).
    public init(months: [String], series: [(name: String, values: [String: TimeInterval])], width: Int = 640, height: Int = 200) {
        self.width = width
        self.height = height
        let base = Double(height - 24)
        baseY = TimeAxis.coordinate(base)
        let largest = max(60, series.flatMap { $0.values.values }.max() ?? 60)
        top = UTCFormat.duration(largest)
        let slot = Double(width - 20) / Double(max(months.count, 1))
        let x: (Int) -> Double = { 10 + slot * (Double($0) + 0.5) }
        self.months = months.enumerated().map { TimeAxis.Tick(x: TimeAxis.coordinate(x($0.offset)), label: String($0.element.dropFirst(2))) }
        lines = series.map { name, values in
            let dots = months.enumerated().compactMap { index, month -> Dot? in
                guard let value = values[month] else { return nil }
                return Dot(x: TimeAxis.coordinate(x(index)), y: TimeAxis.coordinate(base - (base - 10) * value / largest),
                           label: "\(month) \(name): \(UTCFormat.duration(value))")
            }
            return Line(name: name, points: dots.map { "\($0.x),\($0.y)" }.joined(separator: " "), dots: dots)
        }
    }
}
