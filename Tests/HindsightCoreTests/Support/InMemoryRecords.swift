import Foundation
import HindsightCore
import HindsightPrompts

/// An in-memory `IncidentRecords` that applies changes the way the store does (including exactly-once by message id),
/// so desk behaviour is tested in microseconds without SQLite.
final class InMemoryRecords: IncidentRecords {
    var incidents: [IncidentID: Incident] = [:]
    var events: [IncidentID: [TimelineEvent]] = [:]
    var suggestionsByIncident: [IncidentID: [MilestoneSuggestion]] = [:]
    var drafts: [IncidentID: PostmortemDraft] = [:]
    var remindersSent: Set<String> = []

    func openIncident(in channel: ChannelKey) -> Incident? {
        incidents.values.first { $0.channel == channel && $0.state == .open }
    }

    func latestIncident(in channel: ChannelKey) -> Incident? {
        incidents.values.filter { $0.channel == channel }.max { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func incident(_ id: IncidentID) -> Incident? { incidents[id] }
    func openIncidents() -> [Incident] { incidents.values.filter { $0.state == .open }.sorted { $0.startedAt < $1.startedAt } }
    func incidentCount(idPrefix: String) -> Int { incidents.keys.filter { $0.rawValue.hasPrefix(idPrefix) }.count }
    func event(of incident: IncidentID, messageID: String) -> TimelineEvent? { events[incident, default: []].first { $0.messageID == messageID } }
    func events(of incident: IncidentID) -> [TimelineEvent] { events[incident, default: []] }
    func lastEventNumber(of incident: IncidentID) -> Int { events[incident, default: []].map(\.number).max() ?? 0 }
    func suggestions(of incident: IncidentID) -> [MilestoneSuggestion] { suggestionsByIncident[incident, default: []] }
    func postmortem(of incident: IncidentID) -> PostmortemDraft? { drafts[incident] }
    func allIncidents() -> [Incident] { incidents.values.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) } }
    func allPostmortems() -> [PostmortemDraft] { drafts.values.sorted { $0.incidentID < $1.incidentID } }

    func apply(_ changes: [Change]) {
        for change in changes {
            switch change {
            case let .createIncident(i), let .updateIncident(i):
                incidents[i.id] = i
            case let .appendEvent(e):
                let all = events.values.joined()
                if let id = e.messageID, all.contains(where: { $0.channel == e.channel && $0.messageID == id }) { continue }
                events[e.incidentID, default: []].append(e)
            case let .reviseEvent(incident, number, text, revision):
                mutate(incident, number) { $0.revisions.append(revision); $0.text = text }
            case let .markDeleted(incident, number, at):
                mutate(incident, number) { $0.deletedAt = at }
            case let .setKeyReasons(incident, number, reasons):
                mutate(incident, number) { $0.keyReasons = reasons }
            case let .addSuggestion(s), let .updateSuggestion(s):
                var list = suggestionsByIncident[s.incidentID, default: []]
                if let i = list.firstIndex(where: { $0.number == s.number }) { list[i] = s } else { list.append(s) }
                suggestionsByIncident[s.incidentID] = list
            case let .savePostmortem(draft):
                drafts[draft.incidentID] = draft
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

/// The repository's real `Prompts/` folder, so tests exercise the shipped texts and rules.
enum Fixtures {
    static let promptsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Prompts")

    static let prompts: PromptSet = try! PromptSet(directory: promptsDirectory)

    static func desk(zone: String = "UTC") -> IncidentDesk {
        prompts.desk(zone: zone == "UTC" ? .gmt : TimeZone(identifier: zone)!, redact: { $0 })
    }

    static let channel = ChannelKey(platform: .slack, channelID: "C1")
    static let alice = Person(id: "U1", name: "alice")
    static let bob = Person(id: "U2", name: "bob")

    /// 2026-11-22T14:00:00Z
    static let t0 = Date(timeIntervalSince1970: 1_795_356_000)
}

/// A desk plus records, driven like an adapter would drive the bot.
final class DeskHarness {
    private(set) var desk: IncidentDesk
    let records = InMemoryRecords()

    init(zone: String = "UTC") { desk = Fixtures.desk(zone: zone) }

    /// The same records, with stakeholder channels configured on the desk.
    func withStakeholders(_ channels: [String]) -> DeskHarness {
        desk.stakeholderChannels = channels
        return self
    }

    @discardableResult
    func command(_ text: String, at: Date, by user: Person = Fixtures.alice, channel: ChannelKey = Fixtures.channel, forms: Bool = false) throws -> [Reply] {
        let decision = try desk.handle(CommandInvocation(channel: channel, user: user, text: text, receivedAt: at, canOpenForms: forms), records: records)
        records.apply(decision.changes)
        return decision.replies
    }

    @discardableResult
    func capture(_ input: CaptureInput) throws -> (CaptureOutcome, [Reply]) {
        let (outcome, decision) = try desk.capture(input, records: records)
        records.apply(decision.changes)
        return (outcome, decision.replies)
    }

    @discardableResult
    func say(_ text: String, id: String, at: Date, by user: Person = Fixtures.bob, channel: ChannelKey = Fixtures.channel, bot: Bool = false) throws -> (CaptureOutcome, [Reply]) {
        try capture(.message(ChannelMessage(channel: channel, messageID: id, author: user, sentAt: at, text: text, isFromThisBot: bot)))
    }

    var incident: Incident? { records.latestIncident(in: Fixtures.channel) }
    var timeline: [TimelineEvent] { incident.map { records.events(of: $0.id) } ?? [] }
}
