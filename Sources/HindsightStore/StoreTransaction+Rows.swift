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
            channel: ChannelKey(platform: Platform(rawValue: row["platform"]) ?? .console, channelID: row["channel_id"]),
            title: row["title"], severity: Severity(rawValue: row["severity"]) ?? .sev3,
            state: IncidentState(rawValue: row["state"]) ?? .open,
            createdBy: Person(id: row["created_by_id"], name: row["created_by_name"]),
            createdAt: date(row["created_at"]), milestones: milestones)
    }

    static func event(_ row: Row) -> TimelineEvent {
        TimelineEvent(
            number: row["number"], incidentID: IncidentID(rawValue: row["incident_id"]),
            channel: ChannelKey(platform: Platform(rawValue: row["platform"]) ?? .console, channelID: row["channel_id"]),
            messageID: row["message_id"], author: Person(id: row["author_id"], name: row["author_name"]),
            occurredAt: date(row["occurred_at"]), text: row["text"], threadParentID: row["thread_parent_id"],
            attachments: decode([Attachment].self, row["attachments"]) ?? [],
            source: EventSource(rawValue: row["source"]) ?? .chat,
            keyReasons: Set(decode([KeyReason].self, row["key_reasons"]) ?? []),
            milestone: (row["milestone"] as String?).flatMap(MilestoneKind.init(rawValue:)),
            deletedAt: (row["deleted_at"] as Int64?).map(date))
    }

    static func encode(_ attachments: [Attachment]) -> String? {
        attachments.isEmpty ? nil : String(decoding: (try? JSONEncoder().encode(attachments)) ?? Data(), as: UTF8.self)
    }

    static func encode(_ reasons: Set<KeyReason>) -> String {
        reasons.isEmpty ? "" : String(decoding: (try? JSONEncoder().encode(reasons.map(\.rawValue).sorted())) ?? Data(), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text, !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
