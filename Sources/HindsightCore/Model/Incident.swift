import Foundation

/// A human-friendly, stable incident id such as `INC-2026-1122-001`: the start date (UTC) and a per-day number.
public struct IncidentID: Hashable, Codable, Sendable, Comparable, CustomStringConvertible, RawRepresentable {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The id for the `number`th incident started on `day` (UTC).
    public init(day: Date, number: Int) {
        let c = Calendar.utc.dateComponents([.year, .month, .day], from: day)
        rawValue = String(format: "INC-%04d-%02d%02d-%03d", c.year ?? 0, c.month ?? 0, c.day ?? 0, number)
    }

    /// The `INC-YYYY-MMDD-` prefix shared by every incident started on `day`.
    public static func dayPrefix(_ day: Date) -> String {
        String(IncidentID(day: day, number: 0).rawValue.dropLast(3))
    }

    public var description: String { rawValue }
    public static func < (a: IncidentID, b: IncidentID) -> Bool { a.rawValue < b.rawValue }
}

/// How bad an incident is; `sev1` is the worst.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case sev1, sev2, sev3, sev4

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
}

/// Whether responders are still working the incident.
public enum IncidentState: String, Codable, Sendable {
    case open
    case resolved
}

/// The points in an incident's life that the TTx figures are measured between.
/// `CodingKeyRepresentable` so `[MilestoneKind: Date]` encodes as a JSON object, not a flat array.
public enum MilestoneKind: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Comparable {
    case started, detected, acknowledged, mitigated, resolved

    /// The position in the incident's order (`started` 0 … `resolved` 4), without building `allCases`: capture
    /// compares milestones for every candidate.
    public var order: Int {
        switch self {
        case .started: 0
        case .detected: 1
        case .acknowledged: 2
        case .mitigated: 3
        case .resolved: 4
        }
    }

    public static func < (a: MilestoneKind, b: MilestoneKind) -> Bool { a.order < b.order }

    /// The figures measured from the start, by name: TTD, TTA, TTM, TTR.
    public static let timeTo: [(name: String, milestone: MilestoneKind)] = [
        ("TTD", .detected), ("TTA", .acknowledged), ("TTM", .mitigated), ("TTR", .resolved),
    ]

    // By the case, not its name: a raw-valued enum otherwise hashes its `rawValue` string, and capture looks milestones
    // up in `Incident.milestones` for every candidate.
    public func hash(into hasher: inout Hasher) { hasher.combine(order) }
}

/// Who does what while an incident is worked: the incident commander, the person talking to stakeholders, the one
/// keeping notes. `CodingKeyRepresentable` so `[IncidentRole: String]` encodes as a JSON object.
public enum IncidentRole: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable {
    case ic, comms, scribe
}

/// An incident bound to one channel, with its milestones (all UTC).
public struct Incident: Hashable, Codable, Sendable {
    public var id: IncidentID
    public var channel: ChannelKey
    public var title: String
    public var severity: Severity
    public var state: IncidentState
    public var createdBy: Person
    public var createdAt: Date
    public var milestones: [MilestoneKind: Date]
    /// Who holds each role, as a mention in the platform's own markup (`<@U123>` on Slack, `@dana` elsewhere).
    public var roles: [IncidentRole: String]

    public init(
        id: IncidentID, channel: ChannelKey, title: String, severity: Severity, state: IncidentState = .open,
        createdBy: Person, createdAt: Date, milestones: [MilestoneKind: Date], roles: [IncidentRole: String] = [:]
    ) {
        self.roles = roles
        self.id = id
        self.channel = channel
        self.title = title
        self.severity = severity
        self.state = state
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.milestones = milestones
    }

    /// When the incident started: the `started` milestone, which every incident has.
    public var startedAt: Date { milestones[.started] ?? createdAt }

    /// Time from the start to `milestone`, if that milestone is set.
    public func timeTo(_ milestone: MilestoneKind) -> TimeInterval? {
        milestones[milestone].map { $0.timeIntervalSince(startedAt) }
    }

    /// How long the incident has lasted: to resolution, or to `now` while open.
    public func duration(now: Date) -> TimeInterval {
        let end = state == .resolved ? (milestones[.resolved] ?? now) : now
        return max(0, end.timeIntervalSince(startedAt))
    }
}

extension Calendar {
    /// A Gregorian calendar fixed to UTC, so nothing in Hindsight depends on the machine's zone or DST.
    public static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        // The fixed-offset zone, not TimeZone(identifier: "UTC"): the latter is ICU-backed here, and its lock crashed
        // under concurrent use in swift-corelibs-foundation (seen in the concurrent-readers store test).
        calendar.timeZone = .gmt
        return calendar
    }()
}
