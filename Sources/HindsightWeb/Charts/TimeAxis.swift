import Foundation
import HindsightCore

/// A time axis for a span of minutes or of days: ticks at round UTC instants (every 5 minutes … every week), at most
/// `maxTicks` of them, labelled with the time, the day, or both, as the span needs.
public struct TimeAxis: Sendable, Equatable {
    public struct Tick: Codable, Sendable, Equatable {
        public var x: String
        public var label: String
    }

    public let start: Date
    public let end: Date
    /// Drawing coordinates of `start` and `end`.
    public let left: Double
    public let right: Double

    static let steps: [TimeInterval] = [60, 300, 900, 1_800, 3_600, 3 * 3_600, 6 * 3_600, 12 * 3_600, 86_400, 2 * 86_400, 7 * 86_400, 30 * 86_400]

    /// An axis from `start` to `end` (a zero span is widened to a minute each side) drawn between `left` and `right`.
    public init(start: Date, end: Date, left: Double, right: Double) {
        if end.timeIntervalSince(start) < 60 {
            self.start = start.addingTimeInterval(-60)
            self.end = end.addingTimeInterval(60)
        } else {
            self.start = start
            self.end = end
        }
        self.left = left
        self.right = right
    }

    public var span: TimeInterval { end.timeIntervalSince(start) }

    /// The x coordinate of `date`.
    public func x(_ date: Date) -> Double {
        left + (right - left) * date.timeIntervalSince(start) / span
    }

    /// Round instants inside the span, labelled.
    public func ticks(maxTicks: Int = 8) -> [Tick] {
        let step = Self.steps.first { span / $0 <= Double(maxTicks) } ?? span / Double(maxTicks)
        let multiDay = UTCFormat.day(start) != UTCFormat.day(end)
        var ticks: [Tick] = []
        var t = (start.timeIntervalSince1970 / step).rounded(.up) * step
        while t <= end.timeIntervalSince1970 {
            let date = Date(timeIntervalSince1970: t)
            let time = String(UTCFormat.time(date).prefix(5))
            let day = String(UTCFormat.day(date).dropFirst(5))
            let label = step >= 86_400 ? day : (multiDay ? "\(day) \(time)" : time)
            ticks.append(Tick(x: Self.coordinate(x(date)), label: label))
            t += step
        }
        return ticks
    }

    /// A coordinate as SVG reads it, one decimal.
    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
