import Foundation
import GRDB
import HindsightCore
import Synchronization

/// What capture reads about an incident for every message (the channel's open incident, its newest events, the
/// milestone suggestions, when a person last posted, the last event number, the open question of each author, which
/// decides whether a message is an answer, and the post-mortem drafts answers change), kept in memory beside the writer connection so that a message
/// costs no queries for them.
///
/// It is coherent with the file because it changes only with it: a write transaction works on a copy that `apply`
/// updates change by change the way the SQL does, and the copy replaces the cache when the transaction commits and is
/// dropped when it rolls back. A commit by any other connection (another process on the same file) moves SQLite's
/// `data_version`, and the whole cache is dropped before the next transaction reads it. Anything not cached is read from
/// the file.
final class LookBackCache: Sendable {
    /// The newest events kept per incident: more than any look-back window the shipped rules use (8 and 12); a
    /// longer window is read from the file.
    static let depth = 16
    /// Incidents kept; past this the cache starts again empty (open incidents are few).
    static let capacity = 512

    struct Entry: Sendable {
        /// The newest events, oldest first, as the file returns them (no revisions).
        var recent: [TimelineEvent]
        /// `recent` holds every event of the incident.
        var complete: Bool
        /// The newest chat message from a person: its number and time.
        var lastPersonPost: (number: Int, at: Date)?
        /// Every suggestion, by number.
        var suggestions: [MilestoneSuggestion]
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

    /// Starts a write transaction's view. Call inside the transaction, before it reads.
    func begin(_ db: Database) throws {
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
        state.withLock { state in
            // A view left over means a transaction ended without telling us: trust nothing.
            if state.working != nil || state.dataVersion != version || state.committed.count > Self.capacity {
                state.committed = Snapshot()
                state.messages = [:]
            }
            state.dataVersion = version
            state.working = Snapshot()
        }
        db.afterNextTransaction(onCommit: { [self] _ in commit() }, onRollback: { [self] _ in rollback() })
    }

    private func commit() {
        state.withLock { state in
            if let working = state.working {
                state.committed.entries.merge(working.entries) { _, new in new }
                state.committed.drafts.merge(working.drafts) { _, new in new }
                state.committed.open.merge(working.open) { _, new in new }
                state.committed.conversations.merge(working.conversations) { _, new in new }
            }
            state.working = nil
        }
    }

    private func rollback() {
        state.withLock { $0.working = nil }
    }

    /// Forgets everything, committed or not, while the transaction stays open: after part of it was rolled back (a
    /// savepoint), what it had changed in memory no longer matches the file, which every read now fills from again.
    func forgetAll() {
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
    func mayContainMessage(_ channel: ChannelKey, _ id: String, fill: () throws -> [String]) rethrows -> Bool {
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

    /// Adds a message id the open transaction stored in `channel` to that channel's filter, if it has one.
    func storedMessage(_ channel: ChannelKey, _ id: String) {
        state.withLock { state in
            guard state.messages[channel] != nil else { return }
            state.messages[channel]!.insert(id)
            if state.messages[channel]!.isFull { state.messages[channel] = nil }
        }
    }

    /// The open incident of `channel` in the open transaction (nil: none), read from the file the first time.
    func openIncident(_ channel: ChannelKey, fill: () throws -> Incident?) rethrows -> Incident? {
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
    func draft(_ incident: IncidentID, fill: () throws -> PostmortemDraft?) rethrows -> PostmortemDraft? {
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
    func conversation(_ channel: ChannelKey, _ personID: String, fill: () throws -> Conversation?) rethrows -> Conversation? {
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

extension LookBackCache.Entry {
    /// The highest event number: `recent` always holds the newest events.
    var lastNumber: Int { recent.last?.number ?? 0 }

    /// The newest `limit` events, oldest first, or nil when more are asked for than are kept.
    func newest(_ limit: Int) -> ArraySlice<TimelineEvent>? {
        complete || limit <= recent.count ? recent.suffix(limit) : nil
    }

    /// Mirrors `INSERT OR IGNORE INTO event` of a new event.
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
