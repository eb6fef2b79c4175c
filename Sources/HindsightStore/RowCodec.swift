import Foundation
import HindsightCore

/// How values are written to a store's columns and read back, the same for every store (SQLite and PostgreSQL).
/// Times are integer microseconds since the Unix epoch (UTC): exact for Slack's `ts` (microseconds) and Mattermost's
/// milliseconds, where a Double would round.
package enum RowCodec {
    /// The event columns each store's row reader takes, in this order: select them with `eventColumns`, not `*`.
    package static let eventColumnNames = [
        "incident_id", "number", "platform", "channel_id", "message_id", "author_id", "author_name", "occurred_at", "text",
        "thread_parent_id", "attachments", "source", "key_reasons", "milestone", "deleted_at",
    ]
    package static let eventColumns = eventColumnNames.joined(separator: ", ")

    /// The incident columns, ending with the milestones in `milestoneMicros`'s order (PostgreSQL's row reader takes
    /// this order; SQLite's reads incidents by name).
    package static let incidentColumnNames = [
        "id", "platform", "channel_id", "title", "severity", "state", "created_by_id", "created_by_name", "created_at", "roles",
        "started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at",
    ]
    package static let incidentColumns = incidentColumnNames.joined(separator: ", ")

    /// The incident's `started_at`, `detected_at`, `acknowledged_at`, `mitigated_at` and `resolved_at` as stored
    /// (microseconds, or none), in that order.
    package static func milestoneMicros(_ incident: Incident) -> [Int64?] {
        [MilestoneKind.started, .detected, .acknowledged, .mitigated, .resolved].map { kind in
            kind == .started ? micros(incident.startedAt) : incident.milestones[kind].map(micros)
        }
    }

    package static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    package static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    /// The roles as a JSON object, '' for none.
    package static func encodeRoles(_ roles: [IncidentRole: String]) throws -> String {
        roles.isEmpty ? "" : try encode(roles)
    }

    /// How drafts and conversations are stored: JSON with sorted keys.
    package static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// An incident as reading it back gives it: times to the microsecond.
    package static func asStored(_ incident: Incident) -> Incident {
        var incident = incident
        incident.createdAt = date(micros(incident.createdAt))
        incident.milestones = incident.milestones.mapValues { date(micros($0)) }
        return incident
    }

    /// An event as reading it back from the file gives it: times to the microsecond, no revisions.
    package static func asStored(_ event: TimelineEvent) -> TimelineEvent {
        var event = event
        event.occurredAt = date(micros(event.occurredAt))
        event.deletedAt = event.deletedAt.map { date(micros($0)) }
        event.revisions = []
        return event
    }

    package static func encode(_ attachments: [Attachment]) -> String? {
        attachments.isEmpty ? nil : String(decoding: (try? JSONEncoder().encode(attachments)) ?? Data(), as: UTF8.self)
    }

    /// The reasons as a JSON array of their names, sorted (`["alert","finding"]`), written by hand: the names are
    /// plain lower-case words, and capture writes one for every key event.
    package static func encode(_ reasons: Set<KeyReason>) -> String {
        switch reasons.count {
        case 0: ""
        case 1: "[\"" + reasons.first!.rawValue + "\"]"  // most key events have one reason: no array, no sort
        default: "[" + reasons.map { "\"\($0.rawValue)\"" }.sorted().joined(separator: ",") + "]"
        }
    }

    /// The reasons `encode(_: Set<KeyReason>)` wrote, read back by hand as they were written: a timeline read decodes
    /// one list per key event, and a JSON decoder for each costs more than the rest of the row. Names it does not know
    /// (a newer version's) are left out.
    package static func reasons(_ text: String?) -> Set<KeyReason> {
        guard let text, !text.isEmpty else { return [] }
        var out: Set<KeyReason> = []
        for (index, part) in text.split(separator: "\"", omittingEmptySubsequences: false).enumerated() where index % 2 == 1 {
            if let reason = KeyReason(rawValue: String(part)) { out.insert(reason) }
        }
        return out
    }

    /// A held reply's row (`reply_outbox`) read back; nil when its body is not one this version can read.
    package static func heldReply(key: String, platform: String, channelID: String, userID: String?, body: String, heldAt: Int64) -> HeldReply? {
        guard let reply = decode(Reply.self, body) else { return nil }
        return HeldReply(
            key: key, channel: ChannelKey(platform: Platform(rawValue: platform), channelID: channelID), userID: userID, reply: reply, heldAt: date(heldAt)
        )
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text, !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
