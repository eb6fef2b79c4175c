import Foundation
import GRDB
import HindsightCore

/// The archive's full-text index (`archive_search`, SQLite FTS5), brought up to date before a search rather than on
/// every capture: a message costs capture nothing extra, and a search first indexes what arrived since the last one,
/// a bounded batch per transaction so capture never waits long behind it.
enum SearchIndex {
    /// How many messages one catch-up transaction indexes at most.
    static let batch = 5_000

    /// An FTS5 query that finds documents holding every word, the last also as the start of a longer one. The words
    /// are letters and digits only (`ArchiveFilter.words`), so quoting each keeps FTS5's operators out of reach.
    static func matchExpression(_ words: [String]) -> String {
        words.enumerated().map { index, word in
            "\"\(word)\"" + (index == words.count - 1 ? "*" : "")
        }.joined(separator: " ")
    }

    /// One incident as the index last saw it.
    struct Entry {
        var id: String
        var title: String
        var version: String
        var indexedVersion: String?
        var headerRowID: Int64?
        var eventsUpTo: Int
        var lastEvent: Int

        var isCurrent: Bool { version == indexedVersion && eventsUpTo >= lastEvent }
    }

    static func entries(_ db: Database) throws -> [Entry] {
        try Row.fetchAll(db, sql: """
            SELECT incident.id, incident.title, postmortem.updated_at,
                   state.header_version, state.header_rowid, COALESCE(state.events_upto, 0) AS upto,
                   COALESCE((SELECT MAX(number) FROM event WHERE event.incident_id = incident.id), 0) AS last
            FROM incident LEFT JOIN postmortem ON postmortem.incident_id = incident.id
            LEFT JOIN archive_search_state AS state ON state.incident_id = incident.id
            """).map { row in
            let title: String = row[1]
            return Entry(
                id: row[0], title: title, version: "\(title)\u{1F}\((row[2] as Int64?) ?? 0)",
                indexedVersion: row[3], headerRowID: row[4], eventsUpTo: row[5], lastEvent: row[6])
        }
    }

    /// Whether anything is waiting to be indexed (a read: no writer needed when the index is current).
    static func isCurrent(_ db: Database) throws -> Bool {
        let revisions = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM event_revision") ?? 0
        let seen = try Int64.fetchOne(db, sql: "SELECT value FROM archive_search_progress WHERE name = 'revisions'") ?? 0
        guard revisions <= seen else { return false }
        return try entries(db).allSatisfy(\.isCurrent)
    }

    /// Indexes up to `batch` messages (and every changed title or post-mortem); returns whether work remains.
    static func catchUp(_ db: Database) throws -> Bool {
        var budget = batch
        for entry in try entries(db) where !entry.isCurrent {
            var headerRowID = entry.headerRowID
            if entry.version != entry.indexedVersion {
                if let old = entry.headerRowID { try db.execute(sql: "DELETE FROM archive_search WHERE rowid = ?", arguments: [old]) }
                let body = try String.fetchOne(db, sql: "SELECT body FROM postmortem WHERE incident_id = ?", arguments: [entry.id])
                try db.execute(sql: "INSERT INTO archive_search (title, body, incident_id, number) VALUES (?, ?, ?, 0)",
                               arguments: [entry.title, postmortemText(body), entry.id])
                headerRowID = db.lastInsertedRowID
            }
            let upTo = min(entry.lastEvent, entry.eventsUpTo + max(budget, 0))
            if upTo > entry.eventsUpTo {
                try db.execute(sql: """
                    INSERT INTO archive_search (title, body, incident_id, number)
                    SELECT '', text, incident_id, number FROM event WHERE incident_id = ? AND number > ? AND number <= ?
                    """, arguments: [entry.id, entry.eventsUpTo, upTo])
                budget -= upTo - entry.eventsUpTo
            }
            try db.execute(sql: """
                INSERT INTO archive_search_state (incident_id, events_upto, header_rowid, header_version) VALUES (?, ?, ?, ?)
                ON CONFLICT (incident_id) DO UPDATE SET events_upto = excluded.events_upto, header_rowid = excluded.header_rowid,
                    header_version = excluded.header_version
                """, arguments: [entry.id, upTo, headerRowID, entry.version])
            if budget <= 0 { return true }
        }
        // An edit's new text is a document of its own (the earlier texts stay findable, as the page shows them);
        // messages not indexed yet get their newest text when their turn comes.
        let seen = try Int64.fetchOne(db, sql: "SELECT value FROM archive_search_progress WHERE name = 'revisions'") ?? 0
        let newest = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM event_revision") ?? 0
        if newest > seen {
            try db.execute(sql: """
                INSERT INTO archive_search (title, body, incident_id, number)
                SELECT '', event.text, event.incident_id, event.number FROM event_revision AS revision
                JOIN event ON event.incident_id = revision.incident_id AND event.number = revision.number
                JOIN archive_search_state AS state ON state.incident_id = revision.incident_id
                WHERE revision.rowid > ? AND revision.rowid <= ? AND revision.number <= state.events_upto
                """, arguments: [seen, newest])
            try db.execute(sql: """
                INSERT INTO archive_search_progress (name, value) VALUES ('revisions', ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, arguments: [newest])
        }
        return false
    }

    /// What of a post-mortem is searched: every entry, the root cause, the action items and the tags.
    static func postmortemText(_ body: String?) -> String {
        guard let draft = RowCodec.decode(PostmortemDraft.self, body) else { return "" }
        return ([draft.rootCause?.text ?? ""] + draft.entries.map(\.text) + draft.actions.map(\.text) + draft.tags).joined(separator: "\n")
    }
}

extension Store {
    /// Brings the archive's search index up to date: nothing to do costs one read; otherwise batches of
    /// `SearchIndex.batch` messages, one write transaction each, until it is current.
    public func refreshSearchIndex() async throws(StoreError) {
        guard try await !read({ tx in try SearchIndex.isCurrent(tx.db) }) else { return }
        while try await write({ tx in try SearchIndex.catchUp(tx.db) }) {}
    }
}
