import GRDB

/// Versioned migrations. Never edit a shipped migration: add the next one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-incidents-and-timeline") { db in
            try db.execute(sql: """
                CREATE TABLE incident (
                    id TEXT PRIMARY KEY,
                    platform TEXT NOT NULL,
                    channel_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    state TEXT NOT NULL,
                    created_by_id TEXT NOT NULL,
                    created_by_name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    started_at INTEGER NOT NULL,
                    detected_at INTEGER,
                    acknowledged_at INTEGER,
                    mitigated_at INTEGER,
                    resolved_at INTEGER
                );
                -- One open incident per channel, enforced by the database itself.
                CREATE UNIQUE INDEX incident_open_per_channel ON incident(platform, channel_id) WHERE state = 'open';
                CREATE INDEX incident_by_channel ON incident(platform, channel_id, created_at);

                CREATE TABLE event (
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    number INTEGER NOT NULL,
                    platform TEXT NOT NULL,
                    channel_id TEXT NOT NULL,
                    message_id TEXT,
                    author_id TEXT NOT NULL,
                    author_name TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    thread_parent_id TEXT,
                    attachments TEXT,
                    source TEXT NOT NULL,
                    key_reasons TEXT NOT NULL DEFAULT '',
                    milestone TEXT,
                    deleted_at INTEGER,
                    PRIMARY KEY (incident_id, number)
                ) WITHOUT ROWID;
                -- Exactly-once capture: a platform message is stored once, however often it is delivered.
                CREATE UNIQUE INDEX event_by_message ON event(platform, channel_id, message_id) WHERE message_id IS NOT NULL;
                -- The desk looks messages up within an incident on every capture: without this it scans the timeline.
                -- Queries name it with INDEXED BY, because without statistics the planner prefers the primary key.
                CREATE INDEX event_by_incident_message ON event(incident_id, message_id);

                CREATE TABLE event_revision (
                    incident_id TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    replaced_at INTEGER NOT NULL
                );
                CREATE INDEX event_revision_by_event ON event_revision(incident_id, number);

                CREATE TABLE suggestion (
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    number INTEGER NOT NULL,
                    event_number INTEGER NOT NULL,
                    milestone TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    phrase TEXT NOT NULL,
                    status TEXT NOT NULL,
                    PRIMARY KEY (incident_id, number)
                );
                """)
        }
        migrator.registerMigration("v2-postmortem-drafts") { db in
            // The draft is one JSON document per incident: entries, actions and open conversations change together,
            // always inside the single writer's transaction, so two responders never overwrite each other.
            try db.execute(sql: """
                CREATE TABLE postmortem (
                    incident_id TEXT PRIMARY KEY REFERENCES incident(id),
                    body TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-reminders-sent") { db in
            // One row per reminder ever posted: the scheduler marks a reminder in the same transaction that decides
            // it is due, so a restart (or two ticks racing) never posts it twice.
            try db.execute(sql: "CREATE TABLE reminder_sent (key TEXT PRIMARY KEY, sent_at INTEGER NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v4-callback-auth") { db in
            // The installation's generated secrets (the callback signing key when HINDSIGHT_CALLBACK_SECRET is not
            // set), so restarts and replicas sign and verify alike; and the single-use callback tokens already used.
            try db.execute(sql: """
                CREATE TABLE installation_secret (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE callback_used (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5-suggestion-score") { db in
            // The classifier's score, so a stronger later candidate can replace an unanswered suggestion in place.
            try db.execute(sql: "ALTER TABLE suggestion ADD COLUMN score REAL NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v6-backfill-pending") { db in
            // Where an unfinished backfill started, per channel: the newest captured message is no lower bound while
            // a backfill is still filling the gap before it (live messages land first), so a restart starts here.
            try db.execute(sql: """
                CREATE TABLE backfill_pending (
                    platform TEXT NOT NULL, channel_id TEXT NOT NULL, since INTEGER NOT NULL,
                    PRIMARY KEY (platform, channel_id)
                ) WITHOUT ROWID
                """)
        }
        migrator.registerMigration("v7-reactions-and-threads") { db in
            // Who reacted to what, once per person and emoji (a redelivered reaction is stored once), so attention
            // (reactions from many people) is counted across restarts; replies are counted by their thread.
            try db.execute(sql: """
                CREATE TABLE reaction (
                    incident_id TEXT NOT NULL, number INTEGER NOT NULL, emoji TEXT NOT NULL, person_id TEXT NOT NULL,
                    PRIMARY KEY (incident_id, number, emoji, person_id)
                ) WITHOUT ROWID;
                CREATE INDEX event_by_thread ON event(incident_id, thread_parent_id) WHERE thread_parent_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v8-conversations") { db in
            // Open questions, one per person and channel, on their own: capture asks for every message whether its
            // author was asked something, which no longer means reading the incident's whole draft. The drafts' own
            // lists move here (each with the incident whose draft held it) and leave the drafts.
            try db.execute(sql: """
                CREATE TABLE conversation (
                    platform TEXT NOT NULL, channel_id TEXT NOT NULL, person_id TEXT NOT NULL,
                    incident_id TEXT NOT NULL REFERENCES incident(id), body TEXT NOT NULL,
                    PRIMARY KEY (platform, channel_id, person_id)
                ) WITHOUT ROWID
                """)
            try ConversationMigration.moveOutOfDrafts(db)
        }
        migrator.registerMigration("v9-incident-card") { db in
            // The message each incident's live card was posted as, so a restart edits that card instead of posting
            // another.
            try db.execute(sql: """
                CREATE TABLE incident_card (
                    incident_id TEXT PRIMARY KEY REFERENCES incident(id), message_id TEXT NOT NULL
                ) WITHOUT ROWID
                """)
        }
        migrator.registerMigration("v10-incident-roles") { db in
            // Who holds each role (IC, comms, scribe), a small JSON object; '' for none.
            try db.execute(sql: "ALTER TABLE incident ADD COLUMN roles TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v11-archive-search") { db in
            // The web archive's full-text index. Capture never writes it: `SearchIndex` catches up before a search
            // (events by number, edits by revision rowid, title and post-mortem when they changed), so capture pays
            // nothing for it. Nor is there an index of key events: a page reads its incident's rows for them (about
            // 30 ms at 100,000), where such an index cost every key event's capture a microsecond. An incident's
            // title and post-mortem are one document (`title`, `body`); each message and each edit's new text is
            // another (`body` only).
            try db.execute(sql: """
                CREATE VIRTUAL TABLE archive_search USING fts5(
                    title, body, incident_id UNINDEXED, number UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
                );
                CREATE TABLE archive_search_state (
                    incident_id TEXT PRIMARY KEY,
                    events_upto INTEGER NOT NULL,
                    header_rowid INTEGER,
                    header_version TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE archive_search_progress (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v12-reply-outbox") { db in
            // Replies decided in a capture's transaction and due reminders, held until an adapter has posted them: a
            // process killed between storing and posting leaves them here, and the scheduler's process posts them.
            // Empty but for the replies in flight (a few at a time): a posted reply's row is deleted.
            try db.execute(sql: """
                CREATE TABLE reply_outbox (
                    key TEXT PRIMARY KEY, platform TEXT NOT NULL, channel_id TEXT NOT NULL, user_id TEXT, body TEXT NOT NULL,
                    held_at INTEGER NOT NULL, tried_at INTEGER NOT NULL
                ) WITHOUT ROWID
                """)
        }
        // (v13 is PostgreSQL's own: the writer generation.)
        migrator.registerMigration("v14-one-message-index") { db in
            // Every captured message went into three B-trees: the timeline, the exactly-once index and this one, which
            // found a message within an incident. The exactly-once index finds it as well given the channel, which
            // every caller knows. At saturation a batch over 100 incidents dirtied more pages than the writer's page
            // cache holds, and SQLite spilled and re-read them: 2.4 reads and 3.3 writes per message, 1.5 and 2.3 after.
            try db.execute(sql: "DROP INDEX event_by_incident_message")
        }
        return migrator
    }
}
