import Foundation
import GRDB
import HindsightCore
import Synchronization

/// What capture reads about an incident for every message (the channel's open incident, its newest events, the
/// milestone suggestions, when a person last posted, the last event number, the open question of each author, which
/// decides whether a message is an answer, and the post-mortem drafts answers change), kept in memory beside the writer connection so that a message
/// costs no queries for them.
///
/// It is coherent with the store because it changes only with it: a write transaction works on a copy that `apply`
/// updates change by change the way the SQL does (`applied(_:)`), and the copy replaces the cache when the transaction
/// commits and is dropped when it rolls back. A commit by any other connection (another process on the same file, or
/// another replica on the same PostgreSQL database) moves the store's version (SQLite's `data_version`, PostgreSQL's
/// writer generation), and the whole cache is dropped before the next transaction reads it. Anything not cached is read
/// from the store (`LookBackFill`).
package final class LookBackCache: Sendable {
    /// The newest events kept per incident: more than any look-back window the shipped rules use (8 and 12); a
    /// longer window is read from the file.
    package static let depth = 16
    /// Incidents kept; past this the cache starts again empty (open incidents are few).
    static let capacity = 512

    package struct Entry: Sendable {
        /// The newest events, oldest first, as the file returns them (no revisions).
        package var recent: [TimelineEvent]
        /// `recent` holds every event of the incident.
        package var complete: Bool
        /// The newest chat message from a person: its number and time.
        package var lastPersonPost: (number: Int, at: Date)?
        /// Every suggestion, by number.
        package var suggestions: [MilestoneSuggestion]
    }

    private struct Snapshot {
        var entries: [IncidentID: Entry] = [:]
        /// Drafts by incident; `.some(nil)`: the incident has none.
        var drafts: [IncidentID: PostmortemDraft?] = [:]
        /// The open incident of each channel asked about; `.some(nil)`: the channel has none.
        var open: [ChannelKey: Incident?] = [:]
        /// Each person's open question in a channel; `.some(nil)`: they have none.
        var conversations: [ConversationKey: Conversation?] = [:]
        var count: Int { entries.count + drafts.count + open.count + conversations.count }
    }

    private struct State {
        var committed = Snapshot()
        /// The open write transaction's view: what it read or changed.
        var working: Snapshot?
        var dataVersion: Int64?
        /// The message ids stored in each channel asked about. Outside the snapshots: ids are only added, so a filter
        /// may keep what a rolled-back transaction added (see `MessageFilter`); only another connection's commit,
        /// which this process did not see, makes it forget them.
        var messages: [ChannelKey: MessageFilter] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Starts a write transaction's view on SQLite, whose `data_version` moves with every other connection's commit.
    /// Call inside the transaction, before it reads.
    func begin(_ db: Database) throws {
        begin(version: try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")))
        db.afterNextTransaction(onCommit: { [self] _ in commit() }, onRollback: { [self] _ in rollback() })
    }

    /// Starts a write transaction's view. `version` is the store's own count of commits by others: when it is not what
    /// it was at the last transaction, everything cached is dropped. The store calls `commit` or `rollback` when the
    /// transaction ends.
    /// - Returns: whether what was cached was kept.
    @discardableResult
    package func begin(version: Int64?) -> Bool {
        state.withLock { state in
            defer {
                state.dataVersion = version
                state.working = Snapshot()
            }
            // A view left over means a transaction ended without telling us: trust nothing.
            guard state.working == nil, state.dataVersion == version, state.committed.count <= Self.capacity else {
                state.committed = Snapshot()
                state.messages = [:]
                return false
            }
            return true
        }
    }

    /// Starts a write transaction's view where the store can tell what other processes wrote: when `version` moved
    /// since this process's last write, `changedSince(last)` names the incidents (and their channels) others wrote
    /// since, and only what is cached about those is dropped, with every open question (conversations name no
    /// incident); anything else is kept. Without a version to compare (the first write), everything is dropped.
    /// - Returns: whether everything cached was kept.
    package func begin(version: Int64, changedSince: (Int64) throws -> [(incident: IncidentID, channel: ChannelKey)]) throws -> Bool {
        let last: Int64? = state.withLock { state in
            state.working == nil && state.committed.count <= Self.capacity ? state.dataVersion : nil
        }
        guard let last, last != version else { return begin(version: version) }
        let changed = try changedSince(last)
        state.withLock { state in
            for (incident, channel) in changed {
                state.committed.entries[incident] = nil
                state.committed.drafts[incident] = nil
                state.committed.open[channel] = nil
                state.messages[channel] = nil
            }
            state.committed.conversations = [:]
            state.dataVersion = version
            state.working = Snapshot()
        }
        return false
    }

    /// The transaction committed: its view becomes the cache. `version`: the store's version now, when this commit
    /// moved it (PostgreSQL's generation; SQLite's `data_version` does not move with its own connection's commits).
    package func commit(version: Int64? = nil) {
        state.withLock { state in
            if let version { state.dataVersion = version }
            if let working = state.working {
                state.committed.entries.merge(working.entries) { _, new in new }
                state.committed.drafts.merge(working.drafts) { _, new in new }
                state.committed.open.merge(working.open) { _, new in new }
                state.committed.conversations.merge(working.conversations) { _, new in new }
            }
            state.working = nil
        }
    }

    /// The transaction rolled back: its view is dropped.
    package func rollback() {
        state.withLock { $0.working = nil }
    }

    /// Forgets everything, committed or not, while the transaction stays open: after part of it was rolled back (a
    /// savepoint), what it had changed in memory no longer matches the file, which every read now fills from again.
    package func forgetAll() {
        state.withLock { state in
            state.committed = Snapshot()
            if state.working != nil { state.working = Snapshot() }
        }
    }

    /// The entry for `incident` in the open transaction, read from the file the first time.
    func entry(_ incident: IncidentID, fill: () throws -> Entry) rethrows -> Entry {
        if let entry = state.withLock({ $0.working?.entries[incident] ?? $0.committed.entries[incident] }) { return entry }
        let entry = try fill()
        state.withLock { $0.working?.entries[incident] = entry }
        return entry
    }

    /// Changes the entry of `incident` in the open transaction, when it is cached. The entry moves out of the
    /// committed ones into the transaction's view (a rollback then drops it, to be read again), so that changing its
    /// events copies none of them.
    func update(_ incident: IncidentID, _ body: (inout Entry) -> Void) {
        state.withLock { state in
            guard state.working != nil,
                  var entry = state.working?.entries.removeValue(forKey: incident) ?? state.committed.entries.removeValue(forKey: incident)
            else { return }
            body(&entry)
            state.working?.entries[incident] = entry
        }
    }

    /// Caches the entry of an incident just created in the open transaction.
    func insert(_ incident: IncidentID, _ entry: Entry) {
        state.withLock { $0.working?.entries[incident] = entry }
    }

    /// Whether a message with this id may be stored in `channel`: false is certain. The channel's ids are read from the
    /// file (`fill`) the first time, and again once the filter holds more than it was sized for.
    package func mayContainMessage(_ channel: ChannelKey, _ id: String, fill: () throws -> [String]) rethrows -> Bool {
        if let known = state.withLock({ $0.messages[channel].map { $0.mayContain(id) } }) { return known }
        let ids = try fill()
        var filter = MessageFilter(capacity: 2 * ids.count)
        for stored in ids { filter.insert(stored) }
        let answer = filter.mayContain(id)
        state.withLock { state in
            guard state.working != nil else { return }
            // Past `capacity` channels start again empty, as the snapshots do: refusing the new one would read its ids
            // from the file again for every message.
            if state.messages.count >= Self.capacity { state.messages = [:] }
            state.messages[channel] = filter
        }
        return answer
    }

    /// Whether a message with this id may be stored in `channel`, when the channel's filter is at hand (false is
    /// certain); nil when it is not, reading nothing.
    package func mayContainMessage(_ channel: ChannelKey, _ id: String) -> Bool? {
        state.withLock { $0.messages[channel].map { $0.mayContain(id) } }
    }

    /// Adds a message id the open transaction stored in `channel` to that channel's filter, if it has one.
    func storedMessage(_ channel: ChannelKey, _ id: String) {
        state.withLock { state in
            guard state.messages[channel] != nil else { return }
            state.messages[channel]!.insert(id)
            if state.messages[channel]!.isFull { state.messages[channel] = nil }
        }
    }

    /// The open incident of `channel` in the open transaction (nil: none), read from the file the first time.
    package func openIncident(_ channel: ChannelKey, fill: () throws -> Incident?) rethrows -> Incident? {
        try remembered(\.open, channel, fill: fill)
    }

    /// An incident the open transaction created or changed, as reading it back gives it: it is its channel's open
    /// incident, or, when it was and is no longer open, the channel has none (the file allows one open per channel).
    func stored(_ incident: Incident) {
        state.withLock { state in
            guard state.working != nil else { return }
            if incident.state == .open {
                state.working?.open[incident.channel] = .some(incident)
                return
            }
            let known: Incident?? = state.working?.open[incident.channel] ?? state.committed.open[incident.channel]
            if case let .some(.some(cached)) = known, cached.id == incident.id { state.working?.open[incident.channel] = .some(nil) }
        }
    }

    /// The post-mortem draft of `incident` in the open transaction (nil: none), read from the file the first time.
    package func draft(_ incident: IncidentID, fill: () throws -> PostmortemDraft?) rethrows -> PostmortemDraft? {
        try remembered(\.drafts, incident, fill: fill)
    }

    /// What the open transaction knows under `key` in `table` (the working copy first, then what is committed), else
    /// what `fill` reads from the file, remembered in the working copy; `.some(nil)` remembers that there is none.
    private func remembered<Key: Hashable, Value: Sendable>(
        _ table: WritableKeyPath<Snapshot, [Key: Value?]>, _ key: Key, fill: () throws -> Value?
    ) rethrows -> Value? {
        let known: Value?? = state.withLock { $0.working?[keyPath: table][key] ?? $0.committed[keyPath: table][key] }
        if let known { return known }
        let value = try fill()
        state.withLock { $0.working?[keyPath: table][key] = .some(value) }
        return value
    }

    /// The open question of `personID` in `channel` in the open transaction (nil: none), read from the file the first time.
    package func conversation(_ channel: ChannelKey, _ personID: String, fill: () throws -> Conversation?) rethrows -> Conversation? {
        try remembered(\.conversations, ConversationKey(channel: channel, personID: personID), fill: fill)
    }

    /// Records the conversation the open transaction saved, as reading it back gives it.
    func savedConversation(_ conversation: Conversation) {
        let key = ConversationKey(channel: conversation.channel, personID: conversation.person.id)
        state.withLock { $0.working?.conversations[key] = .some(conversation) }
    }

    /// Records that the open transaction ended a conversation.
    func endedConversation(_ channel: ChannelKey, _ personID: String) {
        state.withLock { $0.working?.conversations[ConversationKey(channel: channel, personID: personID)] = .some(nil) }
    }

    /// Records the draft the open transaction saved, as reading it back gives it.
    func saved(_ draft: PostmortemDraft) {
        state.withLock { $0.working?.drafts[draft.incidentID] = .some(draft) }
    }
}

/// Whose question in which channel.
struct ConversationKey: Hashable, Sendable {
    var channel: ChannelKey
    var personID: String
}

/// The reads a store fills the look-back cache from: its own queries, uncached.
package protocol LookBackFill {
    func storedRecentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent]
    func storedLastPersonPost(of incident: IncidentID) throws -> (number: Int, at: Date)?
    func storedSuggestions(of incident: IncidentID) throws -> [MilestoneSuggestion]
}

extension LookBackCache {
    /// The cached look-back of `incident` in the open write transaction, read from `store` the first time.
    package func entry(_ incident: IncidentID, from store: some LookBackFill) throws -> Entry {
        try entry(incident) {
            let recent = try store.storedRecentEvents(of: incident, limit: Self.depth)
            return Entry(recent: recent, complete: recent.count < Self.depth,
                         lastPersonPost: try store.storedLastPersonPost(of: incident), suggestions: try store.storedSuggestions(of: incident))
        }
    }

    /// Mirrors one change the open transaction applied, as reading it back from the store gives it.
    package func applied(_ change: Change) throws {
        switch change {
        case let .createIncident(incident):
            insert(incident.id, Entry(recent: [], complete: true, lastPersonPost: nil, suggestions: []))
            stored(RowCodec.asStored(incident))
        case let .updateIncident(incident):
            stored(RowCodec.asStored(incident))
        case let .appendEvent(event):
            update(event.incidentID) { $0.append(RowCodec.asStored(event)) }
            if let id = event.messageID { storedMessage(event.channel, id) }
        case let .reviseEvent(incidentID, number, newText, _):
            update(incidentID) { $0.updateEvent(number) { $0.text = newText } }
        case let .markDeleted(incidentID, number, at):
            update(incidentID) { $0.updateEvent(number) { $0.deletedAt = RowCodec.date(RowCodec.micros(at)) } }
        case let .setKeyReasons(incidentID, number, reasons):
            update(incidentID) { $0.updateEvent(number) { $0.keyReasons = reasons } }
        case let .addSuggestion(suggestion), let .updateSuggestion(suggestion):
            var stored = suggestion
            stored.at = RowCodec.date(RowCodec.micros(suggestion.at))
            update(suggestion.incidentID) { $0.upsert(stored) }
        case let .savePostmortem(draft):
            saved(try JSONDecoder().decode(PostmortemDraft.self, from: Data(try RowCodec.encode(draft).utf8)))
        case let .saveConversation(conversation):
            savedConversation(try JSONDecoder().decode(Conversation.self, from: Data(try RowCodec.encode(conversation).utf8)))
        case let .endConversation(channel, personID):
            endedConversation(channel, personID)
        case .setReaction, .markReminderSent:
            break
        }
    }
}

extension LookBackCache.Entry {
    /// The highest event number: `recent` always holds the newest events.
    package var lastNumber: Int { recent.last?.number ?? 0 }

    /// The newest `limit` events, oldest first, or nil when more are asked for than are kept.
    package func newest(_ limit: Int) -> ArraySlice<TimelineEvent>? {
        complete || limit <= recent.count ? recent.suffix(limit) : nil
    }

    /// The newest message and when the one before it was sent, when the kept events tell (the outer nil: they do
    /// not, ask the store; the inner: there is no message).
    package var lastMessage: (message: TimelineEvent, previousAt: Date?)?? {
        if let last = recent.lastIndex(where: { $0.messageID != nil }) {
            if let previous = recent[..<last].last(where: { $0.messageID != nil }) { return .some((recent[last], previous.occurredAt)) }
            if complete { return .some((recent[last], nil)) }
            return nil
        }
        return complete ? .some(nil) : nil
    }

    /// Mirrors the insert of a new event (called only once the row went in).
    mutating func append(_ event: TimelineEvent) {
        var event = event
        event.revisions = []
        if event.source == .chat, event.messageID != nil, event.number >= (lastPersonPost?.number ?? 0) {
            lastPersonPost = (event.number, event.occurredAt)
        }
        let position = recent.lastIndex { $0.number < event.number }.map { $0 + 1 } ?? 0
        guard complete || position > 0 else { return }   // older than everything kept
        recent.insert(event, at: position)
        if recent.count > LookBackCache.depth {
            recent.removeFirst(recent.count - LookBackCache.depth)
            complete = false
        }
    }

    mutating func updateEvent(_ number: Int, _ body: (inout TimelineEvent) -> Void) {
        if let i = recent.firstIndex(where: { $0.number == number }) { body(&recent[i]) }
    }

    /// Mirrors the suggestion upsert: a known number keeps its milestone and takes the rest.
    mutating func upsert(_ suggestion: MilestoneSuggestion) {
        if let i = suggestions.firstIndex(where: { $0.number == suggestion.number }) {
            let milestone = suggestions[i].milestone
            suggestions[i] = suggestion
            suggestions[i].milestone = milestone
        } else {
            suggestions.append(suggestion)
            suggestions.sort { $0.number < $1.number }
        }
    }
}
