import Foundation
import HindsightCore

/// The incident page's picture of its timeline, as numbers an inline SVG template draws: milestones as diamonds on
/// the upper lane, key events as dots on the lower one, on a time axis from the start to the last point (hours or
/// days), each mark linking to its row in the key-event table. Milestone names take the first of four label rows
/// where they do not run into the previous name; a name with no room is left to the mark's tooltip.
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
        /// The milestone's name drawn above its diamond, when there is room; empty otherwise.
        public var name: String
        public var hasName: Bool
        public var nameY: String
        /// SVG `text-anchor` of the name: `end` near the right edge, so it is not cut off.
        public var nameAnchor: String
    }

    public var width: Int
    public var height: Int
    public var milestoneY: String
    public var keyY: String
    public var axisY: String
    public var tickLabelY: String
    public var ticks: [TimeAxis.Tick]
    public var marks: [Mark]

    public static let width = 960
    public static let height = 160
    static let left = 110.0
    static let labelRows = [48.0, 36.0, 24.0, 12.0]
    /// Roughly how wide a character of a milestone's name is drawn (12px sans-serif).
    static let characterWidth = 7.0

    /// The chart of `entries` (key events with milestones folded in), `anchor` naming each one's row.
    public init(entries: [KeyTimeline.Entry], start: Date, anchor: (TimelineEvent) -> String) {
        width = Self.width
        height = Self.height
        let (milestoneLane, keyLane, axisLine) = (64.0, 100.0, 128.0)
        milestoneY = TimeAxis.coordinate(milestoneLane)
        keyY = TimeAxis.coordinate(keyLane)
        axisY = TimeAxis.coordinate(axisLine)
        tickLabelY = TimeAxis.coordinate(axisLine + 18)
        let times = entries.map(\.event.occurredAt)
        let axis = TimeAxis(start: min(start, times.min() ?? start), end: times.max() ?? start, left: Self.left, right: Double(Self.width - 20))
        ticks = axis.ticks()
        var rowEnds = Array(repeating: -Double.infinity, count: Self.labelRows.count)
        marks = entries.sorted { ($0.event.occurredAt, $0.event.number) < ($1.event.occurredAt, $1.event.number) }.map { entry in
            let x = axis.x(entry.event.occurredAt)
            let stamp = UTCFormat.stamp(entry.event.occurredAt)
            let text = entry.event.text.count > 140 ? String(entry.event.text.prefix(139)) + "…" : entry.event.text
            guard let milestone = entry.milestone else {
                return Mark(
                    x: TimeAxis.coordinate(x), y: TimeAxis.coordinate(keyLane), diamond: "", isMilestone: false, href: "#" + anchor(entry.event),
                    label: "\(stamp.day) \(stamp.time) \(entry.event.author.name): \(text)", name: "", hasName: false, nameY: "", nameAnchor: "middle")
            }
            let length = Double(milestone.rawValue.count) * Self.characterWidth
            let textAnchor = x + length / 2 > Double(Self.width) ? "end" : "middle"
            let (from, to) = textAnchor == "end" ? (x - length, x) : (x - length / 2, x + length / 2)
            let row = rowEnds.firstIndex { $0 + 4 < from }
            if let row { rowEnds[row] = to }
            let d = 7.0
            return Mark(
                x: TimeAxis.coordinate(x), y: TimeAxis.coordinate(milestoneLane),
                diamond: [(x, milestoneLane - d), (x + d, milestoneLane), (x, milestoneLane + d), (x - d, milestoneLane)]
                    .map { "\(TimeAxis.coordinate($0.0)),\(TimeAxis.coordinate($0.1))" }.joined(separator: " "),
                isMilestone: true, href: "#" + anchor(entry.event), label: "\(stamp.day) \(stamp.time) \(milestone.rawValue): \(text)",
                name: row == nil ? "" : milestone.rawValue, hasName: row != nil, nameY: row.map { TimeAxis.coordinate(Self.labelRows[$0]) } ?? "", nameAnchor: textAnchor)
        }
    }
}
