import Foundation

/// A state change the desk decided on. The bot applies a decision's changes in one store transaction.
public enum Change: Hashable, Sendable {
    case createIncident(Incident)
    case updateIncident(Incident)
    case appendEvent(TimelineEvent)
    /// Replaces an event's text, keeping the old text as a revision.
    case reviseEvent(incidentID: IncidentID, number: Int, newText: String, revision: EventRevision)
    case markDeleted(incidentID: IncidentID, number: Int, at: Date)
    case setKeyReasons(incidentID: IncidentID, number: Int, reasons: Set<KeyReason>)
    /// Adds or removes one person's reaction to an event.
    case setReaction(incidentID: IncidentID, number: Int, reaction: Reaction, added: Bool)
    case addSuggestion(MilestoneSuggestion)
    case updateSuggestion(MilestoneSuggestion)
    /// Stores the whole post-mortem draft (entries, actions, root cause, publications).
    case savePostmortem(PostmortemDraft)
    /// Stores the question a person is asked in a channel, replacing the one they had there.
    case saveConversation(Conversation)
    /// The person's conversation in the channel ended (answered to the end, cancelled, or replaced by a form).
    case endConversation(channel: ChannelKey, personID: String)
    /// Records that a reminder was posted, so it never is again.
    case markReminderSent(key: String, at: Date)
}

extension Change {
    /// The incident a change is about, when it names one (ending a conversation names its channel only; a reminder
    /// mark, its key).
    public var incident: IncidentID? {
        switch self {
        case let .createIncident(incident), let .updateIncident(incident): incident.id
        case let .appendEvent(event): event.incidentID
        case let .reviseEvent(id, _, _, _), let .markDeleted(id, _, _), let .setKeyReasons(id, _, _), let .setReaction(id, _, _, _): id
        case let .addSuggestion(suggestion), let .updateSuggestion(suggestion): suggestion.incidentID
        case let .savePostmortem(draft): draft.incidentID
        case let .saveConversation(conversation): conversation.incidentID
        case .endConversation, .markReminderSent: nil
        }
    }
}

/// What the desk decided: the changes to store, then the replies to send, the report files to write and the work
/// outside the store to do (each effect's outcome comes back to the desk for a second decision) once they are stored.
public struct Decision: Hashable, Sendable {
    public var changes: [Change]
    public var replies: [Reply]
    public var reports: [ReportFile]
    public var effects: [Effect]

    public init(changes: [Change] = [], replies: [Reply] = [], reports: [ReportFile] = [], effects: [Effect] = []) {
        self.changes = changes
        self.replies = replies
        self.reports = reports
        self.effects = effects
    }
}

/// A rendered report to save under the reports directory, at a path relative to it.
public struct ReportFile: Hashable, Sendable {
    public var relativePath: String
    public var contents: String

    public init(relativePath: String, contents: String) {
        self.relativePath = relativePath
        self.contents = contents
    }
}

/// How capture treated an input; adapters acknowledge any outcome once `capture` returns.
public enum CaptureOutcome: Hashable, Sendable {
    case stored
    case updated
    case duplicate
    case ignored(IgnoreReason)
    /// The message answered the bot's post-mortem question and was stored in the draft.
    case answered

    public enum IgnoreReason: String, Hashable, Sendable {
        case noOpenIncident, fromThisBot, unknownMessage
    }
}

/// Why records refused a decision. The decision is then applied not at all: none of its changes are kept.
public enum ChangeConflict: Error, Hashable, Sendable {
    /// The platform message is already stored, under this incident or any other: the exactly-once key
    /// (platform, channel, message id), the same the store's unique index holds.
    case messageAlreadyStored(channel: ChannelKey, messageID: String)
}

/// Records a decision is applied to: the store's write transaction, and the in-memory records of the tests. One
/// contract suite runs the same cases against both.
public protocol IncidentLedger: IncidentRecords {
    /// Applies every change of one decision, or none: a change that would store a platform message a second time
    /// throws `ChangeConflict.messageAlreadyStored`, and any error leaves the records as they were before the call.
    func apply(_ changes: [Change]) throws
}

/// The read side the desk needs. The bot implements it over the store; tests implement it in memory.
public protocol IncidentRecords {
    func openIncident(in channel: ChannelKey) throws -> Incident?
    func latestIncident(in channel: ChannelKey) throws -> Incident?
    func incident(_ id: IncidentID) throws -> Incident?
    func openIncidents() throws -> [Incident]
    /// How many incidents have ids starting with `prefix` (e.g. `INC-2026-1122-`), to number the next one.
    func incidentCount(idPrefix: String) throws -> Int
    /// The incident's event for a platform message, found by where it was said (the exactly-once key's index: the
    /// same message id can be another channel's message).
    func event(of incident: IncidentID, channel: ChannelKey, messageID: String) throws -> TimelineEvent?
    /// Whether a platform message is stored under any incident: the exactly-once key, asked for every message.
    func containsMessage(channel: ChannelKey, messageID: String) throws -> Bool
    func events(of incident: IncidentID) throws -> [TimelineEvent]
    /// The last `limit` events, oldest first (the classifier's look-back).
    func recentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent]
    func lastEventNumber(of incident: IncidentID) throws -> Int
    /// How many of the last `limit` events are key events (not deleted): how busy the timeline is there.
    func keyEventCount(of incident: IncidentID, amongLast limit: Int) throws -> Int
    /// How many events of the incident are on its timeline (not deleted), and how many of those are key events: what
    /// the live card counts.
    func eventCounts(of incident: IncidentID) throws -> (visible: Int, key: Int)
    /// When a person last posted a message in the incident (chat, not integrations or commands).
    func lastPersonPost(of incident: IncidentID) throws -> Date?
    /// The newest message captured in the incident (chat or integration) and when the one before it came: the
    /// rhythm the key-event model reads around each new message.
    func lastMessage(of incident: IncidentID) throws -> (message: TimelineEvent, previousAt: Date?)?
    /// How many events of the incident are replies in the thread of `parentMessageID`.
    func replyCount(of incident: IncidentID, parentMessageID: String) throws -> Int
    /// The reactions stored for an event.
    func reactions(of incident: IncidentID, number: Int) throws -> Set<Reaction>
    func suggestions(of incident: IncidentID) throws -> [MilestoneSuggestion]
    func postmortem(of incident: IncidentID) throws -> PostmortemDraft?
    /// The question `personID` was asked in `channel` and has not answered yet, if any: asked for every message.
    func conversation(of personID: String, in channel: ChannelKey) throws -> Conversation?
    /// Every incident, oldest first (statistics, patterns).
    func allIncidents() throws -> [Incident]
    /// Every post-mortem draft (statistics, patterns).
    func allPostmortems() throws -> [PostmortemDraft]
}

extension IncidentRecords {
    /// The event numbered `number`. Reads every event; stores override it with a look-up by its key.
    public func event(of incident: IncidentID, number: Int) throws -> TimelineEvent? {
        try events(of: incident).first { $0.number == number }
    }

    /// Reads every event and keeps the last `limit`; stores override it with a query that reads only those.
    public func recentEvents(of incident: IncidentID, limit: Int) throws -> [TimelineEvent] {
        Array(try events(of: incident).suffix(limit))
    }

    /// Reads the last events; stores override it with a query that decodes none of them.
    public func keyEventCount(of incident: IncidentID, amongLast limit: Int) throws -> Int {
        try recentEvents(of: incident, limit: limit).filter { $0.isKey && !$0.isDeleted }.count
    }

    /// Reads every event; stores override it with a count that decodes none.
    public func eventCounts(of incident: IncidentID) throws -> (visible: Int, key: Int) {
        let visible = try events(of: incident).filter { !$0.isDeleted }
        return (visible.count, visible.count(where: \.isKey))
    }

    /// Reads every event; stores override it with a query that stops at the newest match.
    public func lastPersonPost(of incident: IncidentID) throws -> Date? {
        try events(of: incident).last { $0.source == .chat && $0.messageID != nil }?.occurredAt
    }

    /// Reads every event; stores override it with a look at the newest ones that copies one.
    public func lastMessage(of incident: IncidentID) throws -> (message: TimelineEvent, previousAt: Date?)? {
        let messages = try events(of: incident).filter { $0.messageID != nil }
        return messages.last.map { ($0, messages.dropLast().last?.occurredAt) }
    }

    /// Reads every event; stores override it with a query on the thread index.
    public func replyCount(of incident: IncidentID, parentMessageID: String) throws -> Int {
        try events(of: incident).filter { $0.threadParentID == parentMessageID }.count
    }
}
