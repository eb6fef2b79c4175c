import Foundation
import GRDB
import HindsightCore

/// Reads for the web archive: pages of incidents (filtered, or searched and ranked), an incident's key events and a
/// page of its transcript. None of them reads a whole 100,000-message timeline.
extension StoreTransaction {
    /// Incidents matching `filter`, newest first (or most relevant first when it searches), `limit` from `offset`.
    public func archivePage(_ filter: ArchiveFilter, offset: Int, limit: Int) throws -> ArchivePage {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        var with = ""
        var source = "incident"
        if filter.searches {
            // Title words weigh 8 times a message's: a match in the name of an incident says more than one in its
            // chatter. bm25() works only in the full-text query itself, so its rows are materialized before grouping.
            with = """
                WITH hits AS MATERIALIZED (
                    SELECT incident_id, bm25(archive_search, 8.0, 1.0) AS rank FROM archive_search WHERE archive_search MATCH ?
                ), found AS (SELECT incident_id, MIN(rank) AS score, COUNT(*) AS matches FROM hits GROUP BY incident_id)
                """
            source = "incident JOIN found ON found.incident_id = incident.id"
            arguments.append(SearchIndex.matchExpression(filter.words))
        }
        if !filter.severities.isEmpty {
            conditions.append("severity IN (\(filter.severities.map { _ in "?" }.joined(separator: ",")))")
            arguments += filter.severities.map(\.rawValue).sorted()
        }
        if let state = filter.state {
            conditions.append("state = ?")
            arguments.append(state.rawValue)
        }
        if let platform = filter.platform {
            conditions.append("platform = ?")
            arguments.append(platform.rawValue)
        }
        if let from = filter.from {
            conditions.append("started_at >= ?")
            arguments.append(RowCodec.micros(from))
        }
        if let until = filter.until {
            conditions.append("started_at < ?")
            arguments.append(RowCodec.micros(until))
        }
        if let tag = filter.tag {
            conditions.append("EXISTS (SELECT 1 FROM postmortem, json_each(postmortem.body, '$.tags') AS tag WHERE postmortem.incident_id = incident.id AND tag.value = ?)")
            arguments.append(tag)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "\(with) SELECT COUNT(*) FROM \(source) \(whereClause)", arguments: StatementArguments(arguments)) ?? 0
        let order = filter.searches ? "found.score, incident.started_at DESC, incident.id DESC" : "incident.started_at DESC, incident.id DESC"
        let columns = filter.searches ? "incident.*, found.matches AS matches" : "incident.*, NULL AS matches"
        let rows = try Row.fetchAll(
            db, sql: """
                \(with) SELECT \(columns), (SELECT json_extract(body, '$.tags') FROM postmortem WHERE postmortem.incident_id = incident.id) AS tags
                FROM \(source) \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
                """,
            arguments: StatementArguments(arguments + [limit, offset]))
        return ArchivePage(
            hits: rows.map { row in
                ArchivePage.Hit(incident: Self.incident(row), matches: row["matches"], tags: RowCodec.decode([String].self, row["tags"]) ?? [])
            },
            total: total)
    }

    /// Every tag any post-mortem carries, sorted, for the list's filter.
    public func archiveTags() throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT DISTINCT tag.value FROM postmortem, json_each(postmortem.body, '$.tags') AS tag WHERE tag.type = 'text' ORDER BY tag.value
            """)
    }

    /// The incident's key events and milestones that are not deleted, in timeline order.
    public func keyEvents(of incident: IncidentID) throws -> [TimelineEvent] {
        try Row.fetchAll(db, sql: """
            SELECT \(RowCodec.eventColumns) FROM event
            WHERE incident_id = ? AND (key_reasons != '' OR milestone IS NOT NULL) AND deleted_at IS NULL ORDER BY number
            """, arguments: [incident.rawValue]).map { Self.event($0, of: incident) }
    }

    /// How many events the incident's timeline holds, deleted ones included (they are shown as revisions).
    public func transcriptLength(of incident: IncidentID) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE incident_id = ?", arguments: [incident.rawValue]) ?? 0
    }

    /// `limit` events of the timeline from position `offset` (deleted ones included), each with its earlier texts.
    public func transcriptPage(of incident: IncidentID, offset: Int, limit: Int) throws -> [TimelineEvent] {
        var events = try Row.fetchAll(db, sql: """
            SELECT \(RowCodec.eventColumns) FROM event WHERE incident_id = ? ORDER BY number LIMIT ? OFFSET ?
            """, arguments: [incident.rawValue, limit, offset]).map { Self.event($0, of: incident) }
        guard let first = events.first?.number, let last = events.last?.number else { return [] }
        Self.attach(try Row.fetchAll(db, sql: """
            SELECT number, text, replaced_at FROM event_revision WHERE incident_id = ? AND number BETWEEN ? AND ? ORDER BY rowid
            """, arguments: [incident.rawValue, first, last]), to: &events)
        return events
    }
}
