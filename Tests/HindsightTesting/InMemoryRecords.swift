import Foundation
import HindsightCore

/// An in-memory `IncidentLedger` that applies changes the way the store does (all or none, exactly-once by message id),
/// so desk behaviour is tested in microseconds without SQLite. `RecordsContractTests` holds it to the store's answers.
public final class InMemoryRecords: IncidentLedger {
    public var incidents: [IncidentID: Incident] = [:]
    public var events: [IncidentID: [TimelineEvent]] = [:]
    public var suggestionsByIncident: [IncidentID: [MilestoneSuggestion]] = [:]
    public var drafts: [IncidentID: PostmortemDraft] = [:]
    /// Open questions by channel, then person id.
    public var conversations: [ChannelKey: [String: Conversation]] = [:]
    public var remindersSent: Set<String> = []
    public var reactionsByEvent: [String: Set<Reaction>] = [:]

    public init() {}

    public func openIncident(in channel: ChannelKey) -> Incident? {
        incidents.values.first { $0.channel == channel && $0.state == .open }
    }

    public func latestIncident(in channel: ChannelKey) -> Incident? {
        incidents.values.filter { $0.channel == channel }.max { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func incident(_ id: IncidentID) -> Incident? { incidents[id] }
    public func openIncidents() -> [Incident] { incidents.values.filter { $0.state == .open }.sorted { $0.startedAt < $1.startedAt } }
    public func incidentCount(idPrefix: String) -> Int { incidents.keys.filter { $0.rawValue.hasPrefix(idPrefix) }.count }
    public func event(of incident: IncidentID, channel: ChannelKey, messageID: String) -> TimelineEvent? {
        events[incident, default: []].first { $0.channel == channel && $0.messageID == messageID }
    }
    public func events(of incident: IncidentID) -> [TimelineEvent] { events[incident, default: []] }
    public func lastEventNumber(of incident: IncidentID) -> Int { events[incident, default: []].map(\.number).max() ?? 0 }
    public func reactions(of incident: IncidentID, number: Int) -> Set<Reaction> { reactionsByEvent["\(incident.rawValue)#\(number)", default: []] }
    public func suggestions(of incident: IncidentID) -> [MilestoneSuggestion] { suggestionsByIncident[incident, default: []] }
    public func postmortem(of incident: IncidentID) -> PostmortemDraft? { drafts[incident] }
    public func conversation(of personID: String, in channel: ChannelKey) -> Conversation? { conversations[channel]?[personID] }
    public func allIncidents() -> [Incident] { incidents.values.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) } }
    public func allPostmortems() -> [PostmortemDraft] { drafts.values.sorted { $0.incidentID < $1.incidentID } }

    public func containsMessage(channel: ChannelKey, messageID: String) -> Bool {
        events.values.joined().contains { $0.channel == channel && $0.messageID == messageID }
    }

    /// As the store: all of the changes or none; an event whose message is already stored throws
    /// `ChangeConflict.messageAlreadyStored`.
    public func apply(_ changes: [Change]) throws {
        let before = (incidents, events, suggestionsByIncident, drafts, remindersSent, reactionsByEvent, conversations)
        do {
            try applyEach(changes)
        } catch {
            (incidents, events, suggestionsByIncident, drafts, remindersSent, reactionsByEvent, conversations) = before
            throw error
        }
    }

    private func applyEach(_ changes: [Change]) throws {
        for change in changes {
            switch change {
            case let .createIncident(i), let .updateIncident(i):
                incidents[i.id] = i
            case let .appendEvent(e):
                if let id = e.messageID, containsMessage(channel: e.channel, messageID: id) {
                    throw ChangeConflict.messageAlreadyStored(channel: e.channel, messageID: id)
                }
                // As the stores' primary key: a number taken is an error, not a duplicate.
                if events[e.incidentID, default: []].contains(where: { $0.number == e.number }) { throw InMemoryRecordsError.numberTaken(e.number) }
                events[e.incidentID, default: []].append(e)
            case let .reviseEvent(incident, number, text, revision):
                mutate(incident, number) { $0.revisions.append(revision); $0.text = text }
            case let .markDeleted(incident, number, at):
                mutate(incident, number) { $0.deletedAt = at }
            case let .setKeyReasons(incident, number, reasons):
                mutate(incident, number) { $0.keyReasons = reasons }
            case let .setReaction(incident, number, reaction, added):
                let key = "\(incident.rawValue)#\(number)"
                if added { reactionsByEvent[key, default: []].insert(reaction) } else { reactionsByEvent[key]?.remove(reaction) }
            case let .addSuggestion(s), let .updateSuggestion(s):
                var list = suggestionsByIncident[s.incidentID, default: []]
                if let i = list.firstIndex(where: { $0.number == s.number }) { list[i] = s } else { list.append(s) }
                suggestionsByIncident[s.incidentID] = list
            case let .savePostmortem(draft):
                drafts[draft.incidentID] = draft
            case let .saveConversation(conversation):
                conversations[conversation.channel, default: [:]][conversation.person.id] = conversation
            case let .endConversation(channel, personID):
                conversations[channel]?[personID] = nil
            case let .markReminderSent(key, _):
                remindersSent.insert(key)
            }
        }
    }

    private func mutate(_ incident: IncidentID, _ number: Int, _ body: (inout TimelineEvent) -> Void) {
        guard let i = events[incident]?.firstIndex(where: { $0.number == number }) else { return }
        body(&events[incident]![i])
    }
}

/// What the in-memory records refuse that the stores' constraints refuse.
public enum InMemoryRecordsError: Error {
    case numberTaken(Int)
}
