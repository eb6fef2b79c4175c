import Foundation
import GRDB
import HindsightCore

/// Row ↔ value mapping for SQLite's rows (GRDB); the values themselves are written as `RowCodec` says.
extension StoreTransaction {
    static func milestoneColumns(_ incident: Incident) -> [(any DatabaseValueConvertible)?] {
        RowCodec.milestoneMicros(incident).map { $0 }
    }

    static func incident(_ row: Row) -> Incident {
        var milestones: [MilestoneKind: Date] = [:]
        for kind in MilestoneKind.allCases {
            if let value = row["\(kind.rawValue)_at"] as Int64? { milestones[kind] = RowCodec.date(value) }
        }
        return Incident(
            id: IncidentID(rawValue: row["id"]),
            channel: ChannelKey(platform: Platform(rawValue: row["platform"]), channelID: row["channel_id"]),
            title: row["title"], severity: Severity(rawValue: row["severity"]) ?? .sev3,
            state: IncidentState(rawValue: row["state"]) ?? .open,
            createdBy: Person(id: row["created_by_id"], name: row["created_by_name"]),
            createdAt: RowCodec.date(row["created_at"]), milestones: milestones, roles: RowCodec.decode([IncidentRole: String].self, row["roles"]) ?? [:])
    }

    /// An event from a row selected with `RowCodec.eventColumns`, read by position: GRDB's lookup by name compares names
    /// case-insensitively for every column of every row, which adds up over a 100,000-event timeline.
    /// - Parameter incident: the incident every row belongs to, when the caller knows it (a timeline read reuses one
    ///   id rather than building 100,000 copies of it).
    static func event(_ row: Row, of incident: IncidentID? = nil) -> TimelineEvent {
        TimelineEvent(
            number: row[1], incidentID: incident ?? IncidentID(rawValue: row[0]),
            channel: ChannelKey(platform: Platform(rawValue: row[2]), channelID: row[3]),
            messageID: row[4], author: Person(id: row[5], name: row[6]),
            occurredAt: RowCodec.date(row[7]), text: row[8], threadParentID: row[9],
            attachments: RowCodec.decode([Attachment].self, row[10]) ?? [],
            source: EventSource(rawValue: row[11]) ?? .chat,
            keyReasons: RowCodec.reasons(row[12]),
            milestone: (row[13] as String?).flatMap(MilestoneKind.init(rawValue:)),
            deletedAt: (row[14] as Int64?).map(RowCodec.date))
    }

    /// Adds each revision row (`number, text, replaced_at`, oldest first) to its event among `events`.
    static func attach(_ revisions: [Row], to events: inout [TimelineEvent]) {
        guard !revisions.isEmpty else { return }
        var index: [Int: Int] = [:]
        for (i, event) in events.enumerated() { index[event.number] = i }
        for row in revisions {
            if let i = index[row["number"]] {
                events[i].revisions.append(EventRevision(text: row["text"], replacedAt: RowCodec.date(row["replaced_at"])))
            }
        }
    }

}
