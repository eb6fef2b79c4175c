import Foundation
import GRDB
import HindsightCore

/// Row ↔ value mapping. Times are stored as integer microseconds since the Unix epoch (UTC): exact for Slack's
/// `ts` (microseconds) and Mattermost's milliseconds, where a Double would round.
extension StoreTransaction {
    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    static func milestoneColumns(_ incident: Incident) -> [(any DatabaseValueConvertible)?] {
        [MilestoneKind.started, .detected, .acknowledged, .mitigated, .resolved].map { kind in
            kind == .started ? micros(incident.startedAt) : incident.milestones[kind].map(micros)
        }
    }

    static func incident(_ row: Row) -> Incident {
        var milestones: [MilestoneKind: Date] = [:]
        for kind in MilestoneKind.allCases {
            if let value = row["\(kind.rawValue)_at"] as Int64? { milestones[kind] = date(value) }
        }
        return Incident(
            id: IncidentID(rawValue: row["id"]),
            channel: ChannelKey(platform: Platform(rawValue: row["platform"]), channelID: row["channel_id"]),
            title: row["title"], severity: Severity(rawValue: row["severity"]) ?? .sev3,
            state: IncidentState(rawValue: row["state"]) ?? .open,
            createdBy: Person(id: row["created_by_id"], name: row["created_by_name"]),
            createdAt: date(row["created_at"]), milestones: milestones, roles: decode([IncidentRole: String].self, row["roles"]) ?? [:])
    }

    /// The roles as a JSON object, '' for none.
    static func encodeRoles(_ roles: [IncidentRole: String]) throws -> String {
        roles.isEmpty ? "" : try encode(roles)
    }

    /// The event columns `event(_:)` reads, in its order: select them with this list, not `*`.
    static let eventColumns = """
        incident_id, number, platform, channel_id, message_id, author_id, author_name, occurred_at, text, \
        thread_parent_id, attachments, source, key_reasons, milestone, deleted_at
        """

    /// An event from a row selected with `eventColumns`, read by position: GRDB's lookup by name compares names
    /// case-insensitively for every column of every row, which adds up over a 100,000-event timeline.
    /// - Parameter incident: the incident every row belongs to, when the caller knows it (a timeline read reuses one
    ///   id rather than building 100,000 copies of it).
    static func event(_ row: Row, of incident: IncidentID? = nil) -> TimelineEvent {
        TimelineEvent(
            number: row[1], incidentID: incident ?? IncidentID(rawValue: row[0]),
            channel: ChannelKey(platform: Platform(rawValue: row[2]), channelID: row[3]),
            messageID: row[4], author: Person(id: row[5], name: row[6]),
            occurredAt: date(row[7]), text: row[8], threadParentID: row[9],
            attachments: decode([Attachment].self, row[10]) ?? [],
            source: EventSource(rawValue: row[11]) ?? .chat,
            keyReasons: reasons(row[12]),
            milestone: (row[13] as String?).flatMap(MilestoneKind.init(rawValue:)),
            deletedAt: (row[14] as Int64?).map(date))
    }

    /// Adds each revision row (`number, text, replaced_at`, oldest first) to its event among `events`.
    static func attach(_ revisions: [Row], to events: inout [TimelineEvent]) {
        guard !revisions.isEmpty else { return }
        var index: [Int: Int] = [:]
        for (i, event) in events.enumerated() { index[event.number] = i }
        for row in revisions {
            if let i = index[row["number"]] {
                events[i].revisions.append(EventRevision(text: row["text"], replacedAt: date(row["replaced_at"])))
            }
        }
    }

    /// An incident as reading it back gives it: times to the microsecond.
    static func asStored(_ incident: Incident) -> Incident {
        var incident = incident
        incident.createdAt = date(micros(incident.createdAt))
        incident.milestones = incident.milestones.mapValues { date(micros($0)) }
        return incident
    }

    /// An event as reading it back from the file gives it: times to the microsecond, no revisions.
    static func asStored(_ event: TimelineEvent) -> TimelineEvent {
        var event = event
        event.occurredAt = date(micros(event.occurredAt))
        event.deletedAt = event.deletedAt.map { date(micros($0)) }
        event.revisions = []
        return event
    }

    static func encode(_ attachments: [Attachment]) -> String? {
        attachments.isEmpty ? nil : String(decoding: (try? JSONEncoder().encode(attachments)) ?? Data(), as: UTF8.self)
    }

    /// The reasons as a JSON array of their names, sorted (`["alert","finding"]`), written by hand: the names are
    /// plain lower-case words, and capture writes one for every key event.
    static func encode(_ reasons: Set<KeyReason>) -> String {
        switch reasons.count {
        case 0: ""
        case 1: "[\"" + reasons.first!.rawValue + "\"]"  // most key events have one reason: no array, no sort
        default: "[" + reasons.map { "\"\($0.rawValue)\"" }.sorted().joined(separator: ",") + "]"
        }
    }

    /// The reasons `encode(_: Set<KeyReason>)` wrote, read back by hand as they were written: a timeline read decodes
    /// one list per key event, and a JSON decoder for each costs more than the rest of the row. Names it does not know
    /// (a newer version's) are left out.
    static func reasons(_ text: String?) -> Set<KeyReason> {
        guard let text, !text.isEmpty else { return [] }
        var out: Set<KeyReason> = []
        for (index, part) in text.split(separator: "\"", omittingEmptySubsequences: false).enumerated() where index % 2 == 1 {
            if let reason = KeyReason(rawValue: String(part)) { out.insert(reason) }
        }
        return out
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text, !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
