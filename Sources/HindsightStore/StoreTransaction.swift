import Foundation
import GRDB
import HindsightCore

/// The store as the desk sees it inside one transaction: `IncidentRecords` reads plus `apply(_:)` for its changes.
public struct StoreTransaction: IncidentLedger {
    let db: Database
    /// The look-back capture reads for every message, in a write transaction (nil in reads, which go to the file).
    let cache: LookBackCache?

    init(db: Database, cache: LookBackCache? = nil) {
        self.db = db
        self.cache = cache
    }

    // MARK: Reads

    public func openIncident(in channel: ChannelKey) throws -> Incident? {
        guard let cache else { return try fileOpenIncident(in: channel) }
        return try cache.openIncident(channel) { try fileOpenIncident(in: channel) }
    }

    private func fileOpenIncident(in channel: ChannelKey) throws -> Incident? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM incident WHERE platform = ? AND channel_id = ? AND state = 'open'"),
                         arguments: [channel.platform.rawValue, channel.channelID]).map(Self.incident)
    }

    public func latestIncident(in channel: ChannelKey) throws -> Incident? {
        try Row.fetchOne(db, sql: "SELECT * FROM incident WHERE platform = ? AND channel_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
                         arguments: [channel.platform.rawValue, channel.channelID]).map(Self.incident)
    }

    public func incidentCount(idPrefix: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incident WHERE id LIKE ? ESCAPE '\\'", arguments: [idPrefix + "%"]) ?? 0
    }

    /// One incident by id.
    public func incident(_ id: IncidentID) throws -> Incident? {
        try Row.fetchOne(db, sql: "SELECT * FROM incident WHERE id = ?", arguments: [id.rawValue]).map(Self.incident)
    }

    public func openIncidents() throws -> [Incident] {
        try Row.fetchAll(db, sql: "SELECT * FROM incident WHERE state = 'open' ORDER BY started_at").map(Self.incident)
    }

    /// Every incident, oldest first.
    public func allIncidents() throws -> [Incident] {
        try Row.fetchAll(db, sql: "SELECT * FROM incident ORDER BY started_at, id").map(Self.incident)
    }

    /// Every open incident with the time of its newest captured message, for backfill after a disconnect.
    public func openIncidentsWithLastCapture(platform: Platform) throws -> [(incident: Incident, lastCapturedAt: Date?)] {
        try Row.fetchAll(db, sql: """
            SELECT incident.*, (SELECT MAX(occurred_at) FROM event WHERE event.incident_id = incident.id AND event.message_id IS NOT NULL) AS last_capture
            FROM incident WHERE state = 'open' AND platform = ?
            """, arguments: [platform.rawValue]).map { row in
            (Self.incident(row), (row["last_capture"] as Int64?).map(RowCodec.date))
        }
    }

    /// Every open incident on `platform` with its newest captured chat message (time and platform id): where a backfill
    /// starts, and the post a cursor can page after.
    public func openIncidentsWithLastMessage(platform: Platform) throws -> [(incident: Incident, lastCapturedAt: Date?, lastMessageID: String?)] {
        try Row.fetchAll(db, sql: """
            SELECT incident.*, last.occurred_at AS last_capture, last.message_id AS last_message
            FROM incident LEFT JOIN event AS last ON last.incident_id = incident.id AND last.number = (
                SELECT number FROM event WHERE event.incident_id = incident.id AND event.message_id IS NOT NULL AND event.source = 'chat'
                ORDER BY occurred_at DESC, number DESC LIMIT 1)
            WHERE incident.state = 'open' AND incident.platform = ?
            """, arguments: [platform.rawValue]).map { row in
            (Self.incident(row), (row["last_capture"] as Int64?).map(RowCodec.date), row["last_message"] as String?)
        }
    }

    /// The distinct thread parents the incident's captured replies point at (threads it has seen).
    public func threadParentIDs(of incident: IncidentID) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT thread_parent_id FROM event WHERE incident_id = ? AND thread_parent_id IS NOT NULL",
                            arguments: [incident.rawValue])
    }

    public func event(of incident: IncidentID, channel: ChannelKey, messageID: String) throws -> TimelineEvent? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(RowCodec.eventColumns) FROM event INDEXED BY event_by_message
            WHERE platform = ? AND channel_id = ? AND message_id = ? AND incident_id = ?
            """), arguments: [channel.platform.rawValue, channel.channelID, messageID, incident.rawValue]) else { return nil }
        return try withRevisions(Self.event(row))
    }

    public func event(of incident: IncidentID, number: Int) throws -> TimelineEvent? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(RowCodec.eventColumns) FROM event WHERE incident_id = ? AND number = ?"),
                                         arguments: [incident.rawValue, number]) else { return nil }
        return try withRevisions(Self.event(row))
    }

    /// Whether a platform message is stored under any incident (the exactly-once key, the unique index's). In a write
    /// transaction an id the channel's filter has never seen is answered from memory; any other asks the index.
    public func containsMessage(channel: ChannelKey, messageID: String) throws -> Bool {
        if let cache, try !cache.mayContainMessage(channel, messageID, fill: {
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT message_id FROM event INDEXED BY event_by_message WHERE platform = ? AND channel_id = ? AND message_id IS NOT NULL
                """), arguments: [channel.platform.rawValue, channel.channelID])
        }) { return false }
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS(SELECT 1 FROM event INDEXED BY event_by_message WHERE platform = ? AND channel_id = ? AND message_id = ?)
            """), arguments: [channel.platform.rawValue, channel.channelID, messageID]) ?? false
    }

    public func events(of incident: IncidentID) throws -> [TimelineEvent] {
        // A cursor reads each row straight from the statement; fetchAll would first copy 100,000 rows into Row values.
        var events: [TimelineEvent] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT \(RowCodec.eventColumns) FROM event WHERE incident_id = ? ORDER BY number", arguments: [incident.rawValue])
        while let row = try rows.next() { events.append(Self.event(row, of: incident)) }
        Self.attach(try Row.fetchAll(db, sql: "SELECT number, text, replaced_at FROM event_revision WHERE incident_id = ? ORDER BY rowid",
                                     arguments: [incident.rawValue]), to: &events)
        return events
    }

    public func recentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent] {
        if let newest = try lookBack(incident)?.newest(limit) { return Array(newest) }
        return try storedRecentEvents(of: incident, limit: limit)
    }

    package func storedRecentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(RowCodec.eventColumns) FROM event WHERE incident_id = ? ORDER BY number DESC LIMIT ?"),
                         arguments: [incident.rawValue, limit]).map { Self.event($0, of: incident) }.reversed()
    }

    public func keyEventCount(of incident: IncidentID, amongLast limit: Int) throws -> Int {
        if let newest = try lookBack(incident)?.newest(limit) { return newest.count { $0.isKey && !$0.isDeleted } }
        return try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM (SELECT key_reasons, milestone, deleted_at FROM event WHERE incident_id = ? ORDER BY number DESC LIMIT ?)
            WHERE (key_reasons != '' OR milestone IS NOT NULL) AND deleted_at IS NULL
            """), arguments: [incident.rawValue, limit]) ?? 0
    }

    public func eventCounts(of incident: IncidentID) throws -> (visible: Int, key: Int) {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*), COALESCE(SUM(key_reasons != '' OR milestone IS NOT NULL), 0) FROM event
            WHERE incident_id = ? AND deleted_at IS NULL
            """), arguments: [incident.rawValue])
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    public func lastPersonPost(of incident: IncidentID) throws -> Date? {
        if let entry = try lookBack(incident) { return entry.lastPersonPost?.at }
        return try storedLastPersonPost(of: incident)?.at
    }

    public func lastMessage(of incident: IncidentID) throws -> (message: TimelineEvent, previousAt: Date?)? {
        // From the newest events kept, unless they hold too few messages.
        if let known = try lookBack(incident)?.lastMessage { return known }
        let messages = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(RowCodec.eventColumns) FROM event WHERE incident_id = ? AND message_id IS NOT NULL ORDER BY number DESC LIMIT 2
            """), arguments: [incident.rawValue]).map { Self.event($0, of: incident) }
        return messages.first.map { ($0, messages.dropFirst().first?.occurredAt) }
    }

    package func storedLastPersonPost(of incident: IncidentID) throws -> (number: Int, at: Date)? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT number, occurred_at FROM event WHERE incident_id = ? AND source = 'chat' AND message_id IS NOT NULL ORDER BY number DESC LIMIT 1
            """), arguments: [incident.rawValue]).map { ($0[0], RowCodec.date($0[1])) }
    }

    public func replyCount(of incident: IncidentID, parentMessageID: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM event INDEXED BY event_by_thread WHERE incident_id = ? AND thread_parent_id = ?"),
                         arguments: [incident.rawValue, parentMessageID]) ?? 0
    }

    public func reactions(of incident: IncidentID, number: Int) throws -> Set<Reaction> {
        Set(try Row.fetchAll(db.cachedStatement(sql: "SELECT emoji, person_id FROM reaction WHERE incident_id = ? AND number = ?"),
                             arguments: [incident.rawValue, number]).map { Reaction(emoji: $0[0], personID: $0[1]) })
    }

    public func lastEventNumber(of incident: IncidentID) throws -> Int {
        if let entry = try lookBack(incident) { return entry.lastNumber }
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(number) FROM event WHERE incident_id = ?"), arguments: [incident.rawValue]) ?? 0
    }

    public func suggestions(of incident: IncidentID) throws -> [MilestoneSuggestion] {
        if let entry = try lookBack(incident) { return entry.suggestions }
        return try storedSuggestions(of: incident)
    }

    package func storedSuggestions(of incident: IncidentID) throws -> [MilestoneSuggestion] {
        // Capture reads them for every message that could be a milestone: a cached statement, columns by position.
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT number, event_number, milestone, at, phrase, status, score FROM suggestion WHERE incident_id = ? ORDER BY number
            """), arguments: [incident.rawValue]).map { row in
            MilestoneSuggestion(
                number: row[0], incidentID: incident, eventNumber: row[1],
                milestone: MilestoneKind(rawValue: row[2]) ?? .detected, at: RowCodec.date(row[3]), phrase: row[4],
                status: MilestoneSuggestion.Status(rawValue: row[5]) ?? .pending, score: (row[6] as Double?) ?? 0)
        }
    }

    /// The incident's post-mortem draft, if anyone has written one.
    public func postmortem(of incident: IncidentID) throws -> PostmortemDraft? {
        guard let cache else { return try filePostmortem(of: incident) }
        return try cache.draft(incident) { try filePostmortem(of: incident) }
    }

    /// The question `personID` was asked in `channel` and has not answered yet.
    public func conversation(of personID: String, in channel: ChannelKey) throws -> Conversation? {
        guard let cache else { return try fileConversation(of: personID, in: channel) }
        return try cache.conversation(channel, personID) { try fileConversation(of: personID, in: channel) }
    }

    private func fileConversation(of personID: String, in channel: ChannelKey) throws -> Conversation? {
        guard let body = try String.fetchOne(db.cachedStatement(sql: """
            SELECT body FROM conversation WHERE platform = ? AND channel_id = ? AND person_id = ?
            """), arguments: [channel.platform.rawValue, channel.channelID, personID])
        else { return nil }
        return try JSONDecoder().decode(Conversation.self, from: Data(body.utf8))
    }


    private func filePostmortem(of incident: IncidentID) throws -> PostmortemDraft? {
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM postmortem WHERE incident_id = ?", arguments: [incident.rawValue]) else {
            return nil
        }
        return try JSONDecoder().decode(PostmortemDraft.self, from: Data(body.utf8))
    }

    /// Whether the reminder with this key was already posted.
    public func reminderSent(_ key: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM reminder_sent WHERE key = ?", arguments: [key]) ?? false
    }

    /// The installation secret called `name`, created with `generate()` the first time it is asked for (in this
    /// transaction, so two processes starting at once agree on one value).
    public func installationSecret(_ name: String, generate: () -> String) throws -> String {
        if let value = try String.fetchOne(db, sql: "SELECT value FROM installation_secret WHERE name = ?", arguments: [name]) {
            return value
        }
        let value = generate()
        try db.execute(sql: "INSERT INTO installation_secret (name, value) VALUES (?, ?)", arguments: [name, value])
        return value
    }

    /// The message the incident's live card was last posted as, if it has one.
    public func cardMessage(of incident: IncidentID) throws -> String? {
        try String.fetchOne(db, sql: "SELECT message_id FROM incident_card WHERE incident_id = ?", arguments: [incident.rawValue])
    }

    /// Records the message the incident's live card was posted as, replacing the one before.
    public func setCardMessage(_ messageID: String, of incident: IncidentID) throws {
        try db.execute(sql: """
            INSERT INTO incident_card (incident_id, message_id) VALUES (?, ?)
            ON CONFLICT(incident_id) DO UPDATE SET message_id = excluded.message_id
            """, arguments: [incident.rawValue, messageID])
    }

    /// Marks a single-use callback token used; false when it already was. Expired marks are dropped on the way, since
    /// an expired token is refused anyway.
    public func useCallback(nonce: String, expiresAt: Date, now: Date) throws -> Bool {
        try db.execute(sql: "DELETE FROM callback_used WHERE expires_at < ?", arguments: [RowCodec.micros(now)])
        try db.execute(sql: "INSERT OR IGNORE INTO callback_used (nonce, expires_at) VALUES (?, ?)", arguments: [nonce, RowCodec.micros(expiresAt)])
        return db.changesCount == 1
    }

    /// Records that a backfill of `channel` from `since` has begun; an earlier unfinished one keeps its earlier start.
    public func beginBackfill(_ channel: ChannelKey, since: Date) throws {
        try db.execute(sql: """
            INSERT INTO backfill_pending (platform, channel_id, since) VALUES (?, ?, ?)
            ON CONFLICT (platform, channel_id) DO UPDATE SET since = MIN(since, excluded.since)
            """, arguments: [channel.platform.rawValue, channel.channelID, RowCodec.micros(since)])
    }

    /// Records that the backfill of `channel` has stored everything it fetched.
    public func endBackfill(_ channel: ChannelKey) throws {
        try db.execute(sql: "DELETE FROM backfill_pending WHERE platform = ? AND channel_id = ?", arguments: [channel.platform.rawValue, channel.channelID])
    }

    /// Where unfinished backfills on `platform` started, by channel id.
    public func pendingBackfills(platform: Platform) throws -> [String: Date] {
        Dictionary(try Row.fetchAll(db, sql: "SELECT channel_id, since FROM backfill_pending WHERE platform = ?", arguments: [platform.rawValue])
            .map { (($0["channel_id"] as String), RowCodec.date($0["since"])) }, uniquingKeysWith: min)
    }

    public func hold(_ replies: [HeldReply]) throws {
        for held in replies {
            try db.execute(sql: """
                INSERT OR IGNORE INTO reply_outbox (key, platform, channel_id, user_id, body, held_at, tried_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    held.key, held.channel.platform.rawValue, held.channel.channelID, held.userID, try RowCodec.encode(held.reply),
                    RowCodec.micros(held.heldAt), RowCodec.micros(held.heldAt),
                ])
        }
    }

    public func release(heldReply key: String) throws {
        try db.execute(sql: "DELETE FROM reply_outbox WHERE key = ?", arguments: [key])
    }

    public func claimHeldReplies(triedBefore: Date, expiredBefore: Date, now: Date, excluding: Set<String>, limit: Int) throws -> [HeldReply] {
        try db.execute(sql: "DELETE FROM reply_outbox WHERE held_at < ?", arguments: [RowCodec.micros(expiredBefore)])
        let claimed = try Row.fetchAll(db, sql: """
            SELECT key, platform, channel_id, user_id, body, held_at FROM reply_outbox WHERE tried_at < ? ORDER BY held_at, key LIMIT ?
            """, arguments: [RowCodec.micros(triedBefore), limit + excluding.count]).lazy
            .filter { !excluding.contains($0["key"]) }.prefix(limit)
            .compactMap { RowCodec.heldReply(key: $0["key"], platform: $0["platform"], channelID: $0["channel_id"], userID: $0["user_id"], body: $0["body"], heldAt: $0["held_at"]) }
        for held in claimed {
            try db.execute(sql: "UPDATE reply_outbox SET tried_at = ? WHERE key = ?", arguments: [RowCodec.micros(now), held.key])
        }
        return Array(claimed)
    }

    /// Whether a single-use callback token was already used.
    public func callbackUsed(nonce: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM callback_used WHERE nonce = ?", arguments: [nonce]) ?? false
    }

    /// Every post-mortem draft.
    public func allPostmortems() throws -> [PostmortemDraft] {
        try String.fetchAll(db, sql: "SELECT body FROM postmortem ORDER BY incident_id").map {
            try JSONDecoder().decode(PostmortemDraft.self, from: Data($0.utf8))
        }
    }

    /// How many timeline events are stored in all.
    public func eventCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
    }

    /// The cached look-back of `incident` in a write transaction, read from the file the first time.
    private func lookBack(_ incident: IncidentID) throws -> LookBackCache.Entry? {
        try cache?.entry(incident, from: self)
    }

    private func withRevisions(_ event: TimelineEvent) throws -> TimelineEvent {
        var event = event
        event.revisions = try Row.fetchAll(db.cachedStatement(sql: "SELECT text, replaced_at FROM event_revision WHERE incident_id = ? AND number = ? ORDER BY rowid"),
                                           arguments: [event.incidentID.rawValue, event.number])
            .map { EventRevision(text: $0["text"], replacedAt: RowCodec.date($0["replaced_at"])) }
        return event
    }

    // MARK: Writes

    /// Applies one decision's changes, all or none. An event whose message is already stored (the unique index
    /// `event_by_message`) throws `ChangeConflict.messageAlreadyStored`: the rest of that decision (suggestions, key
    /// reasons) would be about an event never inserted. A decision of several changes runs in a savepoint, so a
    /// conflict or any other error rolls back what it had applied and the transaction goes on without it; the
    /// look-back cache then starts again from the file.
    public func apply(_ changes: [Change]) throws {
        guard changes.count > 1 else { return try applyEach(changes) }
        do {
            try db.inSavepoint {
                try applyEach(changes)
                return .commit
            }
        } catch {
            cache?.forgetAll()
            throw error
        }
    }

    /// Runs one statement of a change, compiled once per connection: changes are applied for every captured message.
    private func execute(_ sql: String, arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    private func applyEach(_ changes: [Change]) throws {
        for change in changes {
            switch change {
            case let .createIncident(incident):
                try execute("""
                    INSERT INTO incident (id, platform, channel_id, title, severity, state, created_by_id, created_by_name, created_at,
                        roles, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: StatementArguments([
                        incident.id.rawValue, incident.channel.platform.rawValue, incident.channel.channelID, incident.title,
                        incident.severity.rawValue, incident.state.rawValue, incident.createdBy.id, incident.createdBy.name,
                        RowCodec.micros(incident.createdAt), try RowCodec.encodeRoles(incident.roles),
                    ] + Self.milestoneColumns(incident)))
            case let .updateIncident(incident):
                try execute("""
                    UPDATE incident SET title = ?, severity = ?, state = ?, roles = ?, started_at = ?, detected_at = ?,
                        acknowledged_at = ?, mitigated_at = ?, resolved_at = ? WHERE id = ?
                    """, arguments: StatementArguments([incident.title, incident.severity.rawValue, incident.state.rawValue, try RowCodec.encodeRoles(incident.roles)]
                        + Self.milestoneColumns(incident) + [incident.id.rawValue]))
            case let .appendEvent(event):
                // A message stored before (the unique index event_by_message) inserts nothing: the exactly-once key. Only
                // that index: a number taken (the primary key) fails the transaction, where OR IGNORE would have passed
                // it off as a duplicate and had it acknowledged unstored.
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO event (incident_id, number, platform, channel_id, message_id, author_id, author_name, occurred_at,
                        text, thread_parent_id, attachments, source, key_reasons, milestone, deleted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (platform, channel_id, message_id) WHERE message_id IS NOT NULL DO NOTHING
                    """)
                do {
                    try statement.execute(arguments: [
                        event.incidentID.rawValue, event.number, event.channel.platform.rawValue, event.channel.channelID, event.messageID,
                        event.author.id, event.author.name, RowCodec.micros(event.occurredAt), event.text, event.threadParentID,
                        RowCodec.encode(event.attachments), event.source.rawValue, RowCodec.encode(event.keyReasons), event.milestone?.rawValue,
                        event.deletedAt.map(RowCodec.micros),
                    ])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    // SQLite checks the primary key before the message index: a message stored before, decided again
                    // with the number it already has, is still the duplicate it is. Any other taken number is an error.
                    if let id = event.messageID, try containsMessage(channel: event.channel, messageID: id) {
                        throw ChangeConflict.messageAlreadyStored(channel: event.channel, messageID: id)
                    }
                    throw error
                }
                guard db.changesCount > 0 else {
                    throw ChangeConflict.messageAlreadyStored(channel: event.channel, messageID: event.messageID ?? "")
                }
            case let .reviseEvent(incidentID, number, newText, revision):
                try execute("INSERT INTO event_revision (incident_id, number, text, replaced_at) VALUES (?, ?, ?, ?)",
                               arguments: [incidentID.rawValue, number, revision.text, RowCodec.micros(revision.replacedAt)])
                try execute("UPDATE event SET text = ? WHERE incident_id = ? AND number = ?", arguments: [newText, incidentID.rawValue, number])
            case let .markDeleted(incidentID, number, at):
                try execute("UPDATE event SET deleted_at = ? WHERE incident_id = ? AND number = ?", arguments: [RowCodec.micros(at), incidentID.rawValue, number])
            case let .setKeyReasons(incidentID, number, reasons):
                try execute("UPDATE event SET key_reasons = ? WHERE incident_id = ? AND number = ?", arguments: [RowCodec.encode(reasons), incidentID.rawValue, number])
            case let .setReaction(incidentID, number, reaction, added):
                try execute(added ? "INSERT OR IGNORE INTO reaction (incident_id, number, emoji, person_id) VALUES (?, ?, ?, ?)"
                                          : "DELETE FROM reaction WHERE incident_id = ? AND number = ? AND emoji = ? AND person_id = ?",
                               arguments: [incidentID.rawValue, number, reaction.emoji, reaction.personID])
            case let .addSuggestion(s), let .updateSuggestion(s):
                try execute("""
                    INSERT INTO suggestion (incident_id, number, event_number, milestone, at, phrase, status, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (incident_id, number) DO UPDATE SET status = excluded.status, event_number = excluded.event_number,
                        at = excluded.at, phrase = excluded.phrase, score = excluded.score
                    """, arguments: [s.incidentID.rawValue, s.number, s.eventNumber, s.milestone.rawValue, RowCodec.micros(s.at), s.phrase, s.status.rawValue, s.score])
            case let .markReminderSent(key, at):
                try execute("INSERT OR IGNORE INTO reminder_sent (key, sent_at) VALUES (?, ?)", arguments: [key, RowCodec.micros(at)])
            case let .savePostmortem(draft):
                let body = try RowCodec.encode(draft)
                try execute("""
                    INSERT INTO postmortem (incident_id, body, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (incident_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                    """, arguments: [draft.incidentID.rawValue, body, RowCodec.micros(Date())])
            case let .saveConversation(conversation):
                let body = try RowCodec.encode(conversation)
                try execute("""
                    INSERT INTO conversation (platform, channel_id, person_id, incident_id, body) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (platform, channel_id, person_id) DO UPDATE SET incident_id = excluded.incident_id, body = excluded.body
                    """, arguments: [
                        conversation.channel.platform.rawValue, conversation.channel.channelID, conversation.person.id,
                        conversation.incidentID.rawValue, body,
                    ])
            case let .endConversation(channel, personID):
                try execute("DELETE FROM conversation WHERE platform = ? AND channel_id = ? AND person_id = ?",
                               arguments: [channel.platform.rawValue, channel.channelID, personID])
            }
            try cache?.applied(change)
        }
    }
}
