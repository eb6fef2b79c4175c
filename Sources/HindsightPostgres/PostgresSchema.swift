/// The SQLite store's migrations (`HindsightStore/Schema.swift`) in PostgreSQL's dialect, under the same names, so
/// `hindsight doctor` reads one list for either store. Never edit a shipped migration: add the next one, to both.
///
/// What differs: times and numbers are `BIGINT`; revisions keep their order in an identity column where SQLite reads its
/// `rowid`; v8 only creates the table, since no PostgreSQL store ever held the conversations inside drafts that SQLite's
/// v8 moves out. The web archive's search index (SQLite's v11, FTS5) has no PostgreSQL form yet.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1-incidents-and-timeline", """
            CREATE TABLE incident (
                id TEXT PRIMARY KEY,
                platform TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                title TEXT NOT NULL,
                severity TEXT NOT NULL,
                state TEXT NOT NULL,
                created_by_id TEXT NOT NULL,
                created_by_name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                started_at BIGINT NOT NULL,
                detected_at BIGINT,
                acknowledged_at BIGINT,
                mitigated_at BIGINT,
                resolved_at BIGINT
            );
            CREATE UNIQUE INDEX incident_open_per_channel ON incident(platform, channel_id) WHERE state = 'open';
            CREATE INDEX incident_by_channel ON incident(platform, channel_id, created_at);

            CREATE TABLE event (
                incident_id TEXT NOT NULL REFERENCES incident(id),
                number BIGINT NOT NULL,
                platform TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                message_id TEXT,
                author_id TEXT NOT NULL,
                author_name TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                text TEXT NOT NULL,
                thread_parent_id TEXT,
                attachments TEXT,
                source TEXT NOT NULL,
                key_reasons TEXT NOT NULL DEFAULT '',
                milestone TEXT,
                deleted_at BIGINT,
                PRIMARY KEY (incident_id, number)
            );
            CREATE UNIQUE INDEX event_by_message ON event(platform, channel_id, message_id) WHERE message_id IS NOT NULL;
            CREATE INDEX event_by_incident_message ON event(incident_id, message_id);

            CREATE TABLE event_revision (
                revision BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                incident_id TEXT NOT NULL,
                number BIGINT NOT NULL,
                text TEXT NOT NULL,
                replaced_at BIGINT NOT NULL
            );
            CREATE INDEX event_revision_by_event ON event_revision(incident_id, number);

            CREATE TABLE suggestion (
                incident_id TEXT NOT NULL REFERENCES incident(id),
                number BIGINT NOT NULL,
                event_number BIGINT NOT NULL,
                milestone TEXT NOT NULL,
                at BIGINT NOT NULL,
                phrase TEXT NOT NULL,
                status TEXT NOT NULL,
                PRIMARY KEY (incident_id, number)
            );
            """),
        ("v2-postmortem-drafts", """
            CREATE TABLE postmortem (
                incident_id TEXT PRIMARY KEY REFERENCES incident(id),
                body TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            """),
        ("v3-reminders-sent", "CREATE TABLE reminder_sent (key TEXT PRIMARY KEY, sent_at BIGINT NOT NULL);"),
        ("v4-callback-auth", """
            CREATE TABLE installation_secret (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE callback_used (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
            """),
        ("v5-suggestion-score", "ALTER TABLE suggestion ADD COLUMN score DOUBLE PRECISION NOT NULL DEFAULT 0;"),
        ("v6-backfill-pending", """
            CREATE TABLE backfill_pending (
                platform TEXT NOT NULL, channel_id TEXT NOT NULL, since BIGINT NOT NULL,
                PRIMARY KEY (platform, channel_id)
            );
            """),
        ("v7-reactions-and-threads", """
            CREATE TABLE reaction (
                incident_id TEXT NOT NULL, number BIGINT NOT NULL, emoji TEXT NOT NULL, person_id TEXT NOT NULL,
                PRIMARY KEY (incident_id, number, emoji, person_id)
            );
            CREATE INDEX event_by_thread ON event(incident_id, thread_parent_id) WHERE thread_parent_id IS NOT NULL;
            """),
        ("v8-conversations", """
            CREATE TABLE conversation (
                platform TEXT NOT NULL, channel_id TEXT NOT NULL, person_id TEXT NOT NULL,
                incident_id TEXT NOT NULL REFERENCES incident(id), body TEXT NOT NULL,
                PRIMARY KEY (platform, channel_id, person_id)
            );
            """),
        ("v9-incident-card", """
            CREATE TABLE incident_card (incident_id TEXT PRIMARY KEY REFERENCES incident(id), message_id TEXT NOT NULL);
            """),
        ("v10-incident-roles", "ALTER TABLE incident ADD COLUMN roles TEXT NOT NULL DEFAULT '';"),
        // (v11 is SQLite's archive search index, which has no PostgreSQL form yet.)
        ("v12-reply-outbox", """
            CREATE TABLE reply_outbox (
                key TEXT PRIMARY KEY, platform TEXT NOT NULL, channel_id TEXT NOT NULL, user_id TEXT, body TEXT NOT NULL,
                held_at BIGINT NOT NULL, tried_at BIGINT NOT NULL
            );
            """),
        // PostgreSQL's own: one row whose lock every write transaction takes first (writes are one at a time across
        // processes) and whose generation it moves, and on each incident the generation of the last write that changed
        // it, so a process can tell what other processes wrote since its own last write (and drop only that from its
        // look-back cache).
        ("v13-writer-generation", """
            CREATE TABLE hindsight_writer (id INT PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL);
            INSERT INTO hindsight_writer (id, generation) VALUES (1, 0);
            ALTER TABLE incident ADD COLUMN written_at BIGINT NOT NULL DEFAULT 0;
            CREATE INDEX incident_by_write ON incident(written_at);
            """),
        // A message within an incident is found through event_by_message, by its channel.
        ("v14-one-message-index", "DROP INDEX event_by_incident_message;"),
    ]

    /// The table that records which migrations ran, and the advisory lock a process holds while it migrates, so two
    /// replicas starting at once never migrate together (the second waits, then finds nothing to do).
    static let ledger = """
        CREATE TABLE IF NOT EXISTS hindsight_migration (
            position BIGINT GENERATED ALWAYS AS IDENTITY, name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    static let migrationLock: Int64 = 0x4869_6E64_7369_6701  // "Hindsig" + 1
}
