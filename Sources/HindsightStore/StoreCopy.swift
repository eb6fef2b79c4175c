import GRDB

/// What `hindsight store copy` moves from one store to another: every table of the records, in an order that respects
/// their references, each with its columns as both stores name them. (The web archive's search index is left behind:
/// it is rebuilt from these on the first search.)
package enum StoreCopy {
    /// One column's value, as both stores hold it.
    package enum Value: Sendable, Hashable {
        case integer(Int64), real(Double), text(String), null
    }

    /// The tables, parents first; `event_revision` rows in the order they were written (SQLite's rowid).
    package static let tables: [(name: String, columns: [String])] = [
        ("incident", RowCodec.incidentColumnNames),
        ("event", RowCodec.eventColumnNames),
        ("event_revision", ["incident_id", "number", "text", "replaced_at"]),
        ("suggestion", ["incident_id", "number", "event_number", "milestone", "at", "phrase", "status", "score"]),
        ("postmortem", ["incident_id", "body", "updated_at"]),
        ("reminder_sent", ["key", "sent_at"]),
        ("installation_secret", ["name", "value"]),
        ("callback_used", ["nonce", "expires_at"]),
        ("backfill_pending", ["platform", "channel_id", "since"]),
        ("reaction", ["incident_id", "number", "emoji", "person_id"]),
        ("conversation", ["platform", "channel_id", "person_id", "incident_id", "body"]),
        ("incident_card", ["incident_id", "message_id"]),
        ("reply_outbox", ["key", "platform", "channel_id", "user_id", "body", "held_at", "tried_at"]),
    ]
}

extension Store {
    /// Every row of `table`, its columns as `StoreCopy.tables` names them; revisions in the order they were written
    /// (the other tables are keyed, and `WITHOUT ROWID`).
    package func rows(of table: String, columns: [String]) throws(StoreError) -> [[StoreCopy.Value]] {
        let order = table == "event_revision" ? " ORDER BY rowid" : ""
        return try readNow { tx in
            try Row.fetchAll(tx.db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table)\(order)").map { row in
                (0..<columns.count).map { index -> StoreCopy.Value in
                    switch (row[index] as DatabaseValue).storage {
                    case let .int64(number): .integer(number)
                    case let .double(number): .real(number)
                    case let .string(text): .text(text)
                    case let .blob(data): .text(String(decoding: data, as: UTF8.self))
                    case .null: .null
                    }
                }
            }
        }
    }
}
