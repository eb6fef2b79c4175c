import Foundation
import HindsightCore
import HindsightStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The PostgreSQL store as the desk and the bot see it inside one transaction (`BotRecords`: the desk's reads and
/// `apply(_:)`, and the bot's own records), with the SQLite store's answers (`RecordsContractTests` and
/// `BotRecordsContractTests` run the same cases on both). Each call waits for its query's answer; it runs only on
/// `PostgresStore`'s own thread.
public struct PostgresTransaction: BotRecords, LookBackFill {
    let connection: PostgresConnection
    let logger: Logger
    /// What capture reads for every message, kept in memory between write transactions (nil in reads and
    /// migrations), as on SQLite: coherent because writes are one at a time across processes and the writer
    /// generation tells when another process wrote (`PostgresStore`).
    var cache: LookBackCache? = nil
    /// Whether the cache was kept from this process's last write (no other process wrote since): only then is a
    /// channel's message filter filled, which reads every message id of the channel, too much to do again after every
    /// other replica's write.
    var cacheKept = false
    /// The incidents this transaction changed (stamped with its generation before it commits).
    let touched = Touched()

    /// Incident ids, gathered while changes are applied on the store's thread.
    final class Touched: Sendable {
        let ids = Mutex<Set<String>>([])
    }

    // MARK: Queries

    /// The rows a query returns, read by column position.
    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try connection.query(query, logger: logger).wait().rows.map { $0.makeRandomAccess() }
    }

    /// Runs a statement; how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try connection.query(query, logger: logger).wait().metadata.rows ?? 0
    }

    private func one<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T? {
        try rows(query).first.map { try $0[0].decode(T.self) }
    }

    private func incidents(_ where_: String, _ binds: PostgresBindings = PostgresBindings()) throws -> [Incident] {
        try rows(PostgresQuery(unsafeSQL: "SELECT \(RowCodec.incidentColumns) FROM incident " + where_, binds: binds)).map(Self.incident)
    }

    /// `RowCodec.incidentColumns` named by their table, for a query that joins another.
    static let incidentColumnsOfJoin = RowCodec.incidentColumnNames.map { "incident." + $0 }.joined(separator: ", ")

    /// An incident from a row selected with `RowCodec.incidentColumns`, read by position.
    static func incident(_ row: PostgresRandomAccessRow) throws -> Incident {
        var milestones: [MilestoneKind: Date] = [:]
        for (offset, kind) in [MilestoneKind.started, .detected, .acknowledged, .mitigated, .resolved].enumerated() {
            if let value = try row[10 + offset].decode(Int64?.self) { milestones[kind] = RowCodec.date(value) }
        }
        return Incident(
            id: IncidentID(rawValue: try row[0].decode(String.self)),
            channel: ChannelKey(platform: Platform(rawValue: try row[1].decode(String.self)), channelID: try row[2].decode(String.self)),
            title: try row[3].decode(String.self), severity: Severity(rawValue: try row[4].decode(String.self)) ?? .sev3,
            state: IncidentState(rawValue: try row[5].decode(String.self)) ?? .open,
            createdBy: Person(id: try row[6].decode(String.self), name: try row[7].decode(String.self)),
            createdAt: RowCodec.date(try row[8].decode(Int64.self)), milestones: milestones,
            roles: RowCodec.decode([IncidentRole: String].self, try row[9].decode(String.self)) ?? [:])
    }

    /// An event from a row selected with `RowCodec.eventColumns`, read by position.
    static func event(_ row: PostgresRandomAccessRow) throws -> TimelineEvent {
        TimelineEvent(
            number: try row[1].decode(Int.self), incidentID: IncidentID(rawValue: try row[0].decode(String.self)),
            channel: ChannelKey(platform: Platform(rawValue: try row[2].decode(String.self)), channelID: try row[3].decode(String.self)),
            messageID: try row[4].decode(String?.self), author: Person(id: try row[5].decode(String.self), name: try row[6].decode(String.self)),
            occurredAt: RowCodec.date(try row[7].decode(Int64.self)), text: try row[8].decode(String.self),
            threadParentID: try row[9].decode(String?.self),
            attachments: RowCodec.decode([Attachment].self, try row[10].decode(String?.self)) ?? [],
            source: EventSource(rawValue: try row[11].decode(String.self)) ?? .chat,
            keyReasons: RowCodec.reasons(try row[12].decode(String.self)),
            milestone: try row[13].decode(String?.self).flatMap(MilestoneKind.init(rawValue:)),
            deletedAt: try row[14].decode(Int64?.self).map(RowCodec.date))
    }

    private func events(_ sql: String, _ binds: PostgresBindings) throws -> [TimelineEvent] {
        try rows(PostgresQuery(unsafeSQL: "SELECT \(RowCodec.eventColumns) FROM event " + sql, binds: binds)).map(Self.event)
    }

    /// Adds each event's revisions, oldest first.
    private func withRevisions(_ events: [TimelineEvent], of incident: IncidentID, only number: Int? = nil) throws -> [TimelineEvent] {
        guard !events.isEmpty else { return events }
        var events = events
        var index: [Int: Int] = [:]
        for (i, event) in events.enumerated() { index[event.number] = i }
        let revisions = if let number {
            try rows("SELECT number, text, replaced_at FROM event_revision WHERE incident_id = \(incident.rawValue) AND number = \(number) ORDER BY revision")
        } else {
            try rows("SELECT number, text, replaced_at FROM event_revision WHERE incident_id = \(incident.rawValue) ORDER BY revision")
        }
        for row in revisions {
            if let i = index[try row[0].decode(Int.self)] {
                events[i].revisions.append(EventRevision(text: try row[1].decode(String.self), replacedAt: RowCodec.date(try row[2].decode(Int64.self))))
            }
        }
        return events
    }

    private static func binds(_ values: [any PostgresEncodable]) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { try binds.append(value) }
        return binds
    }

    // MARK: Reads

    public func openIncident(in channel: ChannelKey) throws -> Incident? {
        guard let cache else { return try storedOpenIncident(in: channel) }
        return try cache.openIncident(channel) { try storedOpenIncident(in: channel) }
    }

    private func storedOpenIncident(in channel: ChannelKey) throws -> Incident? {
        try incidents("WHERE platform = $1 AND channel_id = $2 AND state = 'open'", try Self.binds([channel.platform.rawValue, channel.channelID])).first
    }

    public func latestIncident(in channel: ChannelKey) throws -> Incident? {
        try incidents("WHERE platform = $1 AND channel_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
                      try Self.binds([channel.platform.rawValue, channel.channelID])).first
    }

    public func incident(_ id: IncidentID) throws -> Incident? {
        try incidents("WHERE id = $1", try Self.binds([id.rawValue])).first
    }

    public func openIncidents() throws -> [Incident] {
        try incidents("WHERE state = 'open' ORDER BY started_at, id")
    }

    public func allIncidents() throws -> [Incident] {
        try incidents("ORDER BY started_at, id")
    }

    public func incidentCount(idPrefix: String) throws -> Int {
        // starts_with, not LIKE: an id's characters are never patterns.
        try one("SELECT COUNT(*) FROM incident WHERE starts_with(id, \(idPrefix))") ?? 0
    }

    public func event(of incident: IncidentID, channel: ChannelKey, messageID: String) throws -> TimelineEvent? {
        try withRevisions(events("WHERE platform = $1 AND channel_id = $2 AND message_id = $3 AND incident_id = $4",
                                 try Self.binds([channel.platform.rawValue, channel.channelID, messageID, incident.rawValue])),
                          of: incident).first
    }

    public func event(of incident: IncidentID, number: Int) throws -> TimelineEvent? {
        try withRevisions(events("WHERE incident_id = $1 AND number = $2", try Self.binds([incident.rawValue, number])), of: incident).first
    }

    /// In a write transaction an id the channel's filter has never seen is answered from memory (when the filter is at
    /// hand: `cacheKept`); any other asks the index.
    public func containsMessage(channel: ChannelKey, messageID: String) throws -> Bool {
        if let cache {
            let maybe = try cacheKept ? cache.mayContainMessage(channel, messageID, fill: {
                try rows("""
                    SELECT message_id FROM event WHERE platform = \(channel.platform.rawValue) AND channel_id = \(channel.channelID) AND message_id IS NOT NULL
                    """).map { try $0[0].decode(String.self) }
            }) : cache.mayContainMessage(channel, messageID)
            if maybe == false { return false }
        }
        return try one("""
            SELECT EXISTS(SELECT 1 FROM event WHERE platform = \(channel.platform.rawValue) AND channel_id = \(channel.channelID)
                AND message_id = \(messageID))
            """) ?? false
    }

    public func events(of incident: IncidentID) throws -> [TimelineEvent] {
        try withRevisions(events("WHERE incident_id = $1 ORDER BY number", try Self.binds([incident.rawValue])), of: incident)
    }

    /// The newest events without their revisions, as the SQLite store's look-back gives them.
    public func recentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent] {
        if let newest = try lookBack(incident)?.newest(limit) { return Array(newest) }
        return try storedRecentEvents(of: incident, limit: limit)
    }

    package func storedRecentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent] {
        try events("WHERE incident_id = $1 ORDER BY number DESC LIMIT $2", try Self.binds([incident.rawValue, limit])).reversed()
    }

    public func lastEventNumber(of incident: IncidentID) throws -> Int {
        if let entry = try lookBack(incident) { return entry.lastNumber }
        return try one("SELECT COALESCE(MAX(number), 0) FROM event WHERE incident_id = \(incident.rawValue)") ?? 0
    }

    public func keyEventCount(of incident: IncidentID, amongLast limit: Int) throws -> Int {
        if let newest = try lookBack(incident)?.newest(limit) { return newest.count { $0.isKey && !$0.isDeleted } }
        return try one("""
            SELECT COUNT(*) FROM (SELECT key_reasons, milestone, deleted_at FROM event WHERE incident_id = \(incident.rawValue)
                ORDER BY number DESC LIMIT \(limit)) AS newest
            WHERE (key_reasons != '' OR milestone IS NOT NULL) AND deleted_at IS NULL
            """) ?? 0
    }

    public func eventCounts(of incident: IncidentID) throws -> (visible: Int, key: Int) {
        guard let row = try rows("""
            SELECT COUNT(*), COUNT(*) FILTER (WHERE key_reasons != '' OR milestone IS NOT NULL) FROM event
            WHERE incident_id = \(incident.rawValue) AND deleted_at IS NULL
            """).first else { return (0, 0) }
        return (try row[0].decode(Int.self), try row[1].decode(Int.self))
    }

    public func lastPersonPost(of incident: IncidentID) throws -> Date? {
        if let entry = try lookBack(incident) { return entry.lastPersonPost?.at }
        return try storedLastPersonPost(of: incident)?.at
    }

    package func storedLastPersonPost(of incident: IncidentID) throws -> (number: Int, at: Date)? {
        try rows("""
            SELECT number, occurred_at FROM event WHERE incident_id = \(incident.rawValue) AND source = 'chat' AND message_id IS NOT NULL
            ORDER BY number DESC LIMIT 1
            """).first.map { (try $0[0].decode(Int.self), RowCodec.date(try $0[1].decode(Int64.self))) }
    }

    public func lastMessage(of incident: IncidentID) throws -> (message: TimelineEvent, previousAt: Date?)? {
        if let known = try lookBack(incident)?.lastMessage { return known }
        let messages = try events("WHERE incident_id = $1 AND message_id IS NOT NULL ORDER BY number DESC LIMIT 2", try Self.binds([incident.rawValue]))
        return messages.first.map { ($0, messages.dropFirst().first?.occurredAt) }
    }

    public func replyCount(of incident: IncidentID, parentMessageID: String) throws -> Int {
        try one("SELECT COUNT(*) FROM event WHERE incident_id = \(incident.rawValue) AND thread_parent_id = \(parentMessageID)") ?? 0
    }

    public func reactions(of incident: IncidentID, number: Int) throws -> Set<Reaction> {
        Set(try rows("SELECT emoji, person_id FROM reaction WHERE incident_id = \(incident.rawValue) AND number = \(number)").map {
            Reaction(emoji: try $0[0].decode(String.self), personID: try $0[1].decode(String.self))
        })
    }

    public func suggestions(of incident: IncidentID) throws -> [MilestoneSuggestion] {
        if let entry = try lookBack(incident) { return entry.suggestions }
        return try storedSuggestions(of: incident)
    }

    package func storedSuggestions(of incident: IncidentID) throws -> [MilestoneSuggestion] {
        try rows("""
            SELECT number, event_number, milestone, at, phrase, status, score FROM suggestion WHERE incident_id = \(incident.rawValue) ORDER BY number
            """).map { row in
            MilestoneSuggestion(
                number: try row[0].decode(Int.self), incidentID: incident, eventNumber: try row[1].decode(Int.self),
                milestone: MilestoneKind(rawValue: try row[2].decode(String.self)) ?? .detected, at: RowCodec.date(try row[3].decode(Int64.self)),
                phrase: try row[4].decode(String.self), status: MilestoneSuggestion.Status(rawValue: try row[5].decode(String.self)) ?? .pending,
                score: try row[6].decode(Double.self))
        }
    }

    public func postmortem(of incident: IncidentID) throws -> PostmortemDraft? {
        guard let cache else { return try storedPostmortem(of: incident) }
        return try cache.draft(incident) { try storedPostmortem(of: incident) }
    }

    private func storedPostmortem(of incident: IncidentID) throws -> PostmortemDraft? {
        try one("SELECT body FROM postmortem WHERE incident_id = \(incident.rawValue)", as: String.self).map {
            try JSONDecoder().decode(PostmortemDraft.self, from: Data($0.utf8))
        }
    }

    public func allPostmortems() throws -> [PostmortemDraft] {
        try rows("SELECT body FROM postmortem ORDER BY incident_id").map {
            try JSONDecoder().decode(PostmortemDraft.self, from: Data(try $0[0].decode(String.self).utf8))
        }
    }

    public func conversation(of personID: String, in channel: ChannelKey) throws -> Conversation? {
        guard let cache else { return try storedConversation(of: personID, in: channel) }
        return try cache.conversation(channel, personID) { try storedConversation(of: personID, in: channel) }
    }

    /// The cached look-back of `incident` in a write transaction, read from the database the first time.
    private func lookBack(_ incident: IncidentID) throws -> LookBackCache.Entry? {
        try cache?.entry(incident, from: self)
    }

    private func storedConversation(of personID: String, in channel: ChannelKey) throws -> Conversation? {
        try one("""
            SELECT body FROM conversation WHERE platform = \(channel.platform.rawValue) AND channel_id = \(channel.channelID) AND person_id = \(personID)
            """, as: String.self).map { try JSONDecoder().decode(Conversation.self, from: Data($0.utf8)) }
    }

    // MARK: The bot's own records (`BotRecords`): threads, backfills, cards, reminders, callbacks, secrets

    public func threadParentIDs(of incident: IncidentID) throws -> [String] {
        try rows("SELECT DISTINCT thread_parent_id FROM event WHERE incident_id = \(incident.rawValue) AND thread_parent_id IS NOT NULL ORDER BY 1")
            .map { try $0[0].decode(String.self) }
    }

    public func openIncidentsWithLastMessage(platform: Platform) throws -> [(incident: Incident, lastCapturedAt: Date?, lastMessageID: String?)] {
        try rows(PostgresQuery(unsafeSQL: """
            SELECT \(Self.incidentColumnsOfJoin), last.occurred_at, last.message_id
            FROM incident LEFT JOIN LATERAL (
                SELECT occurred_at, message_id FROM event WHERE event.incident_id = incident.id AND event.message_id IS NOT NULL
                    AND event.source = 'chat' ORDER BY occurred_at DESC, number DESC LIMIT 1) AS last ON true
            WHERE incident.state = 'open' AND incident.platform = $1 ORDER BY incident.started_at, incident.id
            """, binds: try Self.binds([platform.rawValue]))).map { row in
            (try Self.incident(row), try row[15].decode(Int64?.self).map(RowCodec.date), try row[16].decode(String?.self))
        }
    }

    public func reminderSent(_ key: String) throws -> Bool {
        try one("SELECT EXISTS(SELECT 1 FROM reminder_sent WHERE key = \(key))") ?? false
    }

    /// Two processes asking at once agree on the first one stored.
    public func installationSecret(_ name: String, generate: () -> String) throws -> String {
        if let value = try one("SELECT value FROM installation_secret WHERE name = \(name)", as: String.self) { return value }
        try execute("INSERT INTO installation_secret (name, value) VALUES (\(name), \(generate())) ON CONFLICT (name) DO NOTHING")
        return try one("SELECT value FROM installation_secret WHERE name = \(name)", as: String.self) ?? ""
    }

    public func cardMessage(of incident: IncidentID) throws -> String? {
        try one("SELECT message_id FROM incident_card WHERE incident_id = \(incident.rawValue)")
    }

    public func setCardMessage(_ messageID: String, of incident: IncidentID) throws {
        try execute("""
            INSERT INTO incident_card (incident_id, message_id) VALUES (\(incident.rawValue), \(messageID))
            ON CONFLICT (incident_id) DO UPDATE SET message_id = excluded.message_id
            """)
    }

    public func useCallback(nonce: String, expiresAt: Date, now: Date) throws -> Bool {
        try execute("DELETE FROM callback_used WHERE expires_at < \(RowCodec.micros(now))")
        return try execute("INSERT INTO callback_used (nonce, expires_at) VALUES (\(nonce), \(RowCodec.micros(expiresAt))) ON CONFLICT DO NOTHING") == 1
    }

    public func callbackUsed(nonce: String) throws -> Bool {
        try one("SELECT EXISTS(SELECT 1 FROM callback_used WHERE nonce = \(nonce))") ?? false
    }

    public func beginBackfill(_ channel: ChannelKey, since: Date) throws {
        try execute("""
            INSERT INTO backfill_pending (platform, channel_id, since) VALUES (\(channel.platform.rawValue), \(channel.channelID), \(RowCodec.micros(since)))
            ON CONFLICT (platform, channel_id) DO UPDATE SET since = LEAST(backfill_pending.since, excluded.since)
            """)
    }

    public func endBackfill(_ channel: ChannelKey) throws {
        try execute("DELETE FROM backfill_pending WHERE platform = \(channel.platform.rawValue) AND channel_id = \(channel.channelID)")
    }

    public func pendingBackfills(platform: Platform) throws -> [String: Date] {
        Dictionary(try rows("SELECT channel_id, since FROM backfill_pending WHERE platform = \(platform.rawValue)").map {
            (try $0[0].decode(String.self), RowCodec.date(try $0[1].decode(Int64.self)))
        }, uniquingKeysWith: min)
    }

    public func eventCount() throws -> Int {
        try one("SELECT COUNT(*) FROM event") ?? 0
    }

    public func hold(_ replies: [HeldReply]) throws {
        for held in replies {
            try execute("""
                INSERT INTO reply_outbox (key, platform, channel_id, user_id, body, held_at, tried_at)
                VALUES (\(held.key), \(held.channel.platform.rawValue), \(held.channel.channelID), \(held.userID), \(try RowCodec.encode(held.reply)),
                        \(RowCodec.micros(held.heldAt)), \(RowCodec.micros(held.heldAt)))
                ON CONFLICT (key) DO NOTHING
                """)
        }
    }

    public func release(heldReply key: String) throws {
        try execute("DELETE FROM reply_outbox WHERE key = \(key)")
    }

    public func claimHeldReplies(triedBefore: Date, expiredBefore: Date, now: Date, excluding: Set<String>, limit: Int) throws -> [HeldReply] {
        try execute("DELETE FROM reply_outbox WHERE held_at < \(RowCodec.micros(expiredBefore))")
        var claimed: [HeldReply] = []
        for row in try rows("""
            SELECT key, platform, channel_id, user_id, body, held_at FROM reply_outbox WHERE tried_at < \(RowCodec.micros(triedBefore))
            ORDER BY held_at, key LIMIT \(limit + excluding.count)
            """) where claimed.count < limit {
            let key = try row[0].decode(String.self)
            guard !excluding.contains(key), let held = RowCodec.heldReply(
                key: key, platform: try row[1].decode(String.self), channelID: try row[2].decode(String.self), userID: try row[3].decode(String?.self),
                body: try row[4].decode(String.self), heldAt: try row[5].decode(Int64.self)
            ) else { continue }
            claimed.append(held)
        }
        for held in claimed {
            try execute("UPDATE reply_outbox SET tried_at = \(RowCodec.micros(now)) WHERE key = \(held.key)")
        }
        return claimed
    }

    // MARK: Writes

    /// Applies one decision's changes, all or none, as the SQLite store does: an event whose message is already stored
    /// throws `ChangeConflict.messageAlreadyStored`, and a decision of several changes runs in a savepoint, so a
    /// conflict or any other error undoes what it had applied and the transaction goes on without it.
    public func apply(_ changes: [Change]) throws {
        guard changes.count > 1 else { return try applyEach(changes) }
        try execute("SAVEPOINT decision")
        do {
            try applyEach(changes)
            try execute("RELEASE SAVEPOINT decision")
        } catch {
            try execute("ROLLBACK TO SAVEPOINT decision")
            // What the undone part had changed in memory no longer matches the database: every read fills again.
            cache?.forgetAll()
            throw error
        }
    }

    private func applyEach(_ changes: [Change]) throws {
        for change in changes {
            switch change {
            case let .createIncident(incident):
                let at = RowCodec.milestoneMicros(incident)
                try execute("""
                    INSERT INTO incident (id, platform, channel_id, title, severity, state, created_by_id, created_by_name, created_at,
                        roles, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at)
                    VALUES (\(incident.id.rawValue), \(incident.channel.platform.rawValue), \(incident.channel.channelID), \(incident.title),
                        \(incident.severity.rawValue), \(incident.state.rawValue), \(incident.createdBy.id), \(incident.createdBy.name),
                        \(RowCodec.micros(incident.createdAt)), \(try RowCodec.encodeRoles(incident.roles)), \(at[0]), \(at[1]), \(at[2]), \(at[3]), \(at[4]))
                    """)
            case let .updateIncident(incident):
                let at = RowCodec.milestoneMicros(incident)
                try execute("""
                    UPDATE incident SET title = \(incident.title), severity = \(incident.severity.rawValue), state = \(incident.state.rawValue),
                        roles = \(try RowCodec.encodeRoles(incident.roles)), started_at = \(at[0]), detected_at = \(at[1]),
                        acknowledged_at = \(at[2]), mitigated_at = \(at[3]), resolved_at = \(at[4])
                    WHERE id = \(incident.id.rawValue)
                    """)
            case let .appendEvent(event):
                // A message stored before (the unique index event_by_message) inserts nothing: the exactly-once key. Only
                // that index: a number taken (the primary key) fails the transaction instead of passing for a duplicate.
                let inserted = try execute("""
                    INSERT INTO event (incident_id, number, platform, channel_id, message_id, author_id, author_name, occurred_at,
                        text, thread_parent_id, attachments, source, key_reasons, milestone, deleted_at)
                    VALUES (\(event.incidentID.rawValue), \(event.number), \(event.channel.platform.rawValue), \(event.channel.channelID),
                        \(event.messageID), \(event.author.id), \(event.author.name), \(RowCodec.micros(event.occurredAt)), \(event.text),
                        \(event.threadParentID), \(RowCodec.encode(event.attachments)), \(event.source.rawValue), \(RowCodec.encode(event.keyReasons)),
                        \(event.milestone?.rawValue), \(event.deletedAt.map(RowCodec.micros)))
                    ON CONFLICT (platform, channel_id, message_id) WHERE message_id IS NOT NULL DO NOTHING
                    """)
                guard inserted > 0 else {
                    throw ChangeConflict.messageAlreadyStored(channel: event.channel, messageID: event.messageID ?? "")
                }
            case let .reviseEvent(incidentID, number, newText, revision):
                try execute("""
                    INSERT INTO event_revision (incident_id, number, text, replaced_at)
                    VALUES (\(incidentID.rawValue), \(number), \(revision.text), \(RowCodec.micros(revision.replacedAt)))
                    """)
                try execute("UPDATE event SET text = \(newText) WHERE incident_id = \(incidentID.rawValue) AND number = \(number)")
            case let .markDeleted(incidentID, number, at):
                try execute("UPDATE event SET deleted_at = \(RowCodec.micros(at)) WHERE incident_id = \(incidentID.rawValue) AND number = \(number)")
            case let .setKeyReasons(incidentID, number, reasons):
                try execute("UPDATE event SET key_reasons = \(RowCodec.encode(reasons)) WHERE incident_id = \(incidentID.rawValue) AND number = \(number)")
            case let .setReaction(incidentID, number, reaction, added):
                if added {
                    try execute("""
                        INSERT INTO reaction (incident_id, number, emoji, person_id) VALUES (\(incidentID.rawValue), \(number), \(reaction.emoji),
                            \(reaction.personID)) ON CONFLICT DO NOTHING
                        """)
                } else {
                    try execute("""
                        DELETE FROM reaction WHERE incident_id = \(incidentID.rawValue) AND number = \(number) AND emoji = \(reaction.emoji)
                            AND person_id = \(reaction.personID)
                        """)
                }
            case let .addSuggestion(s), let .updateSuggestion(s):
                try execute("""
                    INSERT INTO suggestion (incident_id, number, event_number, milestone, at, phrase, status, score)
                    VALUES (\(s.incidentID.rawValue), \(s.number), \(s.eventNumber), \(s.milestone.rawValue), \(RowCodec.micros(s.at)), \(s.phrase),
                        \(s.status.rawValue), \(s.score))
                    ON CONFLICT (incident_id, number) DO UPDATE SET status = excluded.status, event_number = excluded.event_number,
                        at = excluded.at, phrase = excluded.phrase, score = excluded.score
                    """)
            case let .markReminderSent(key, at):
                try execute("INSERT INTO reminder_sent (key, sent_at) VALUES (\(key), \(RowCodec.micros(at))) ON CONFLICT DO NOTHING")
            case let .savePostmortem(draft):
                try execute("""
                    INSERT INTO postmortem (incident_id, body, updated_at) VALUES (\(draft.incidentID.rawValue), \(try RowCodec.encode(draft)),
                        \(RowCodec.micros(Date())))
                    ON CONFLICT (incident_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                    """)
            case let .saveConversation(conversation):
                try execute("""
                    INSERT INTO conversation (platform, channel_id, person_id, incident_id, body)
                    VALUES (\(conversation.channel.platform.rawValue), \(conversation.channel.channelID), \(conversation.person.id),
                        \(conversation.incidentID.rawValue), \(try RowCodec.encode(conversation)))
                    ON CONFLICT (platform, channel_id, person_id) DO UPDATE SET incident_id = excluded.incident_id, body = excluded.body
                    """)
            case let .endConversation(channel, personID):
                try execute("""
                    DELETE FROM conversation WHERE platform = \(channel.platform.rawValue) AND channel_id = \(channel.channelID) AND person_id = \(personID)
                    """)
            }
            try cache?.applied(change)
            if let incident = change.incident { touched.ids.withLock { _ = $0.insert(incident.rawValue) } }
        }
    }

    /// Stamps the incidents this transaction changed with its writer generation, for the other processes' caches.
    func stampTouched(generation: Int64) throws {
        let ids = Array(touched.ids.withLock { $0 })
        guard !ids.isEmpty else { return }
        try execute("UPDATE incident SET written_at = \(generation) WHERE id = ANY(\(ids))")
    }

    /// The incidents (with their channels) some write since `generation` changed.
    func incidentsWritten(since generation: Int64) throws -> [(incident: IncidentID, channel: ChannelKey)] {
        try rows("SELECT id, platform, channel_id FROM incident WHERE written_at > \(generation)").map {
            (IncidentID(rawValue: try $0[0].decode(String.self)),
             ChannelKey(platform: Platform(rawValue: try $0[1].decode(String.self)), channelID: try $0[2].decode(String.self)))
        }
    }
}
