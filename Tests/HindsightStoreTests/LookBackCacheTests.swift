import Foundation
import Testing
import HindsightCore
@testable import HindsightStore

@Suite("The look-back capture reads from memory")
struct LookBackCacheTests {
    struct Rollback: Error {}

    /// What capture asks about an incident, as one comparable value.
    struct LookBack: Equatable, Sendable {
        var recent: [[TimelineEvent]]
        var keyCounts: [Int]
        var lastPersonPost: Date?
        /// The newest message (its number) and when the one before it came.
        var lastMessage: String
        var lastNumber: Int
        var suggestions: [MilestoneSuggestion]
        var draft: PostmortemDraft?
        var open: Incident?
        /// Whether each message id of the incident, and some never sent, is stored: in a write transaction the
        /// channel's filter answers "no" from memory.
        var stored: [Bool]

        init(_ tx: StoreTransaction, _ id: IncidentID, channel: ChannelKey) throws {
            let windows = [1, 8, 12, LookBackCache.depth, LookBackCache.depth + 9]
            recent = try windows.map { try tx.recentEvents(of: id, limit: $0) }
            keyCounts = try windows.map { try tx.keyEventCount(of: id, amongLast: $0) }
            lastPersonPost = try tx.lastPersonPost(of: id)
            lastMessage = try tx.lastMessage(of: id).map { "\($0.message.number) after \(String(describing: $0.previousAt))" } ?? "none"
            lastNumber = try tx.lastEventNumber(of: id)
            suggestions = try tx.suggestions(of: id)
            draft = try tx.postmortem(of: id)
            open = try tx.openIncident(in: channel)
            let ids = try tx.events(of: id).compactMap(\.messageID) + (1...50).map { "never-sent-\($0)" }
            stored = try ids.map { try tx.containsMessage(channel: channel, messageID: $0) }
        }
    }

    @Test("after any mix of appends, redeliveries refused whole, edits, deletions, key changes, suggestions, resolutions and reopenings, rollbacks and another connection's writes, a write transaction reads what the file holds",
          arguments: [1, 2, 3] as [UInt64])
    func agreesWithTheFile(seed: UInt64) async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        let other = try Store(path: dir.databasePath)   // another process on the same file
        var random = SeededRandom(seed: seed)
        let t0 = Date(timeIntervalSince1970: 1_795_356_000.123_456_7)
        let people = [Person(id: "U1", name: "alice"), Person(id: "U2", name: "bob")]
        let incidents = (1...2).map { n in
            Incident(id: IncidentID(day: t0, number: n), channel: ChannelKey(platform: .slack, channelID: "C\(n)"), title: "Incident \(n)",
                     severity: .sev2, createdBy: people[0], createdAt: t0, milestones: [.started: t0])
        }
        try await store.write { tx in try tx.apply(incidents.map { .createIncident($0) }) }
        var numbers = [0, 0]
        var suggestionNumbers = [0, 0]
        let reasons: [Set<KeyReason>] = [[], [], [.alert], [.action, .finding], []]

        for step in 0..<300 {
            let which = Int.random(in: 0..<2, using: &random)
            let incident = incidents[which]
            var changes: [Change] = []
            // Events delivered a second time: each is its own decision after the batch, refused whole.
            var redelivered: [TimelineEvent] = []
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = t0.addingTimeInterval(Double(step) + Double.random(in: 0..<1, using: &random))
                switch Int.random(in: 0..<12, using: &random) {
                case 0...4:
                    numbers[which] += 1
                    let n = numbers[which]
                    var event = TimelineEvent(
                        number: n, incidentID: incident.id, channel: incident.channel,
                        messageID: Bool.random(using: &random) || n % 5 != 0 ? "m\(which)-\(n)" : nil,
                        author: people[n % 2], occurredAt: at, text: "line \(n)", threadParentID: n % 7 == 0 ? "m\(which)-1" : nil,
                        source: n % 4 == 0 ? .integration : .chat, keyReasons: reasons.randomElement(using: &random)!,
                        milestone: n % 11 == 0 ? .mitigated : nil)
                    if n % 13 == 0 { event.deletedAt = at }
                    changes.append(.appendEvent(event))
                    // Only a message can come again; an event without one (a note) numbered like a stored one is an error.
                    if n % 9 == 0, event.messageID != nil { redelivered.append(event) }
                case 5 where numbers[which] > 0:
                    let n = Int.random(in: 1...numbers[which], using: &random)
                    changes.append(.setKeyReasons(incidentID: incident.id, number: n, reasons: reasons.randomElement(using: &random)!))
                case 6 where numbers[which] > 0:
                    let n = Int.random(in: 1...numbers[which], using: &random)
                    changes.append(.markDeleted(incidentID: incident.id, number: n, at: at))
                case 7 where numbers[which] > 0:
                    let n = Int.random(in: 1...numbers[which], using: &random)
                    changes.append(.reviseEvent(incidentID: incident.id, number: n, newText: "edited at \(step)",
                                                revision: EventRevision(text: "before", replacedAt: at)))
                case 8 where numbers[which] > 0:
                    suggestionNumbers[which] += 1
                    changes.append(.addSuggestion(MilestoneSuggestion(
                        number: suggestionNumbers[which], incidentID: incident.id, eventNumber: numbers[which],
                        milestone: MilestoneKind.allCases.randomElement(using: &random)!, at: at, phrase: "phrase \(step)",
                        score: Double(step % 5))))
                case 9 where suggestionNumbers[which] > 0:
                    let n = Int.random(in: 1...suggestionNumbers[which], using: &random)
                    changes.append(.updateSuggestion(MilestoneSuggestion(
                        number: n, incidentID: incident.id, eventNumber: numbers[which], milestone: .resolved, at: at,
                        phrase: "moved \(step)", status: [.pending, .confirmed, .dismissed].randomElement(using: &random)!, score: 9)))
                case 10:
                    var draft = PostmortemDraft(incidentID: incident.id)
                    draft.tags = ["step-\(step)"]
                    draft.whysStoppedEarly = Bool.random(using: &random) ? "known at \(step)" : nil
                    draft.followUpReview = at
                    changes.append(.savePostmortem(draft))
                case 11:
                    // Resolved, reopened, renamed: the channel's open incident as capture reads it.
                    var changed = incident
                    changed.state = Bool.random(using: &random) ? .open : .resolved
                    changed.title = "Incident \(which + 1) at step \(step)"
                    changed.milestones[.resolved] = changed.state == .resolved ? at : nil
                    changes.append(.updateIncident(changed))
                default:
                    break
                }
            }
            let batch = changes
            switch step % 10 {
            case 3:
                // Rolled back: the file keeps nothing of it, and neither may memory. The numbers used are free again.
                _ = try? await store.write { tx in
                    _ = try LookBack(tx, incident.id, channel: incident.channel)
                    try tx.apply(batch)
                    _ = try LookBack(tx, incident.id, channel: incident.channel)
                    throw Rollback()
                }
                numbers[which] = try await store.read { tx in try tx.lastEventNumber(of: incident.id) }
                suggestionNumbers[which] = try await store.read { tx in try tx.suggestions(of: incident.id).map(\.number).max() ?? 0 }
            case 7:
                try await other.write { tx in try tx.apply(batch) }
            default:
                // Read first (the cache fills), then change, then read again inside the same transaction.
                let again = redelivered
                let (before, after) = try await store.write { tx in
                    let before = try LookBack(tx, incident.id, channel: incident.channel)
                    try tx.apply(batch)
                    for event in again {
                        // A change before the conflict in the same decision is undone with it (a savepoint), and memory
                        // must forget it too.
                        #expect(throws: ChangeConflict.self) {
                            try tx.apply([.setKeyReasons(incidentID: event.incidentID, number: event.number, reasons: [.note]), .appendEvent(event)])
                        }
                    }
                    return (before, try LookBack(tx, incident.id, channel: incident.channel))
                }
                _ = before
                let file = try await store.read { tx in try LookBack(tx, incident.id, channel: incident.channel) }
                #expect(after == file, "step \(step): inside the transaction that made the change")
            }
            for checked in incidents {
                let memory = try await store.write { tx in try LookBack(tx, checked.id, channel: checked.channel) }
                let file = try await store.read { tx in try LookBack(tx, checked.id, channel: checked.channel) }
                #expect(memory == file, "step \(step), \(checked.id.rawValue)")
            }
        }
        #expect(numbers.min()! > LookBackCache.depth, "the look-back was full and moving")
    }
}
