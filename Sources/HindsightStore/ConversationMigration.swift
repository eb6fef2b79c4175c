import Foundation
import GRDB
import HindsightCore

/// Moves the open conversations that drafts written before `v8-conversations` carried in their JSON into the
/// `conversation` table, and rewrites those drafts without them.
enum ConversationMigration {
    /// A conversation as drafts stored it: the incident was the draft's.
    private struct Legacy: Decodable {
        var person: Person
        var channel: ChannelKey
        var step: Conversation.Step
        var askedAt: Date
        var lastMessageID: String?
    }

    private struct LegacyDraft: Decodable {
        var conversations: [Legacy]?
    }

    static func moveOutOfDrafts(_ db: Database) throws {
        // Oldest incident first (ids grow with the day): where one person had questions open in two incidents of a
        // channel, the latest incident's is kept, the one an answer went to before.
        let rows = try Row.fetchAll(db, sql: "SELECT incident_id, body FROM postmortem WHERE body LIKE '%\"conversations\"%' ORDER BY incident_id")
        let decoder = JSONDecoder()
        for row in rows {
            let incidentID: String = row["incident_id"]
            let body: String = row["body"]
            let legacy = try decoder.decode(LegacyDraft.self, from: Data(body.utf8))
            for old in legacy.conversations ?? [] {
                let conversation = Conversation(
                    person: old.person, channel: old.channel, incidentID: IncidentID(rawValue: incidentID), step: old.step,
                    askedAt: old.askedAt, lastMessageID: old.lastMessageID
                )
                try StoreTransaction(db: db).apply([.saveConversation(conversation)])
            }
            let draft = try decoder.decode(PostmortemDraft.self, from: Data(body.utf8))
            try db.execute(sql: "UPDATE postmortem SET body = ? WHERE incident_id = ?", arguments: [try RowCodec.encode(draft), incidentID])
        }
    }
}
