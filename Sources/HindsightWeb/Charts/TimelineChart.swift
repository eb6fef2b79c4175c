import Foundation
import HindsightCore

/// The incident page's picture of its timeline, as numbers an inline SVG template draws: milestones as diamonds on
/// the upper lane, key events as dots on the lower one, on a time axis from the start to the last point (hours or
/// days), each mark linking to its row in the key-event table.
public struct TimelineChart: Codable, Sendable, Equatable {
    public struct Mark: Codable, Sendable, Equatable {
        public var x: String
        public var y: String
        /// The diamond's outline (milestones), empty for a dot.
        public var diamond: String
        public var isMilestone: Bool
        public var href: String
        /// The tooltip: time and what happened.
        public var label: String
        /// The milestone's name, drawn above its diamond; empty for key events.
        public var name: String
        public var nameY: String
    }

    public var width: Int
    public var height: Int
    public var axisY: String
    public var ticks: [TimeAxis.Tick]
    public var marks: [Mark]

    public static let width = 960
    public static let height = 150

    /// The chart of `entries` (key events with milestones folded in), `anchor` naming each one's row.
    public init(entries: [KeyTimeline.Entry], start: Date, anchor: (TimelineEvent) -> String) {
        width = Self.width
        height = Self.height
        let end = entries.map(\.event.occurredAt).max() ?? start
        let axis = TimeAxis(start: min(start, entries.map(\.event.occurredAt).min() ?? start), end: end, left: 110, right: Double(Self.width - 20))
        axisY = "120"
        ticks = axis.ticks()
        var milestonesSeen = 0
        marks = entries.map { entry in
            let x = axis.x(entry.event.occurredAt)
            let stamp = UTCFormat.stamp(entry.event.occurredAt)
            let text = entry.event.text.count > 140 ? String(entry.event.text.prefix(139)) + "…" : entry.event.text
            if let milestone = entry.milestone {
                // Names alternate between two heights so neighbouring milestones do not write over each other.
                milestonesSeen += 1
                let d = 7.0, y = 52.0
                return Mark(
                    x: TimeAxis.coordinate(x), y: TimeAxis.coordinate(y),
                    diamond: [(x, y - d), (x + d, y), (x, y + d), (x - d, y)].map { "\(TimeAxis.coordinate($0.0)),\(TimeAxis.coordinate($0.1))" }.joined(separator: " "),
                    isMilestone: true, href: "#" + anchor(entry.event), label: "\(stamp.day) \(stamp.time) \(milestone.rawValue): \(text)",
                    name: milestone.rawValue, nameY: milestonesSeen % 2 == 1 ? "34" : "22")
            }
            return Mark(
                x: TimeAxis.coordinate(x), y: "92", diamond: "", isMilestone: false, href: "#" + anchor(entry.event),
                label: "\(stamp.day) \(stamp.time) \(entry.event.author.name): \(text)", name: "", nameY: "")
        }
    }
}
