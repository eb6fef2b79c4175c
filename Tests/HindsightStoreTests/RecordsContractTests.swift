import Foundation
import HindsightCore
import HindsightPostgres
import HindsightPrompts
import HindsightStore
import HindsightTesting
import Synchronization
import Testing

/// The records a decision is applied to, under one contract: the SQLite store (what runs by default), the PostgreSQL
/// store (`HINDSIGHT_DB=postgres://…`, for replicas) and `InMemoryRecords` (what the desk's tests use). Every case runs
/// against each, so the tests of the desk mean what they say about the bot on either database. PostgreSQL's cases run
/// on the server `TestPostgres` finds or starts, a database of their own each; skipped, with the reason printed, only
/// where there is none and CI is not set.
@Suite("Records contract: the stores and the in-memory records answer alike")
struct RecordsContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, sqlite, postgres
        var testDescription: String { rawValue }

        /// The kinds this run tests: PostgreSQL where `TestPostgres` has a server (or CI requires one).
        static var tested: [Kind] { TestPostgres.enabled ? allCases : [.memory, .sqlite] }
    }

    /// One implementation under test: runs `body` as one transaction on its records.
    final class Subject: Sendable {
        private let store: Store?
        private let postgres: PostgresStore?
        private let memory = Mutex(InMemoryRecords())
        private let folder: URL

        init(_ kind: Kind) async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-contract-\(UUID().uuidString)")
            store = kind == .sqlite ? try Store(path: folder.appendingPathComponent("hindsight.sqlite").path) : nil
            postgres = kind == .postgres ? try await PostgresStore.open(try PostgresURL(try TestPostgres.freshDatabase())) : nil
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func transaction<T: Sendable>(_ body: @escaping @Sendable (any IncidentLedger) throws -> T) async throws -> T {
            if let store { return try await store.write { try body($0) } }
            if let postgres { return try await postgres.write { try body($0) } }
            return try memory.withLock { try body($0) }
        }

        /// Applies one decision; the conflict it raised, if any.
        func apply(_ changes: [Change]) async throws -> ChangeConflict? {
            try await transaction { records in
                do {
                    try records.apply(changes)
                    return nil
                } catch let conflict as ChangeConflict {
                    return conflict
                }
            }
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_795_356_000)
    static let alice = Person(id: "U1", name: "alice")
    static let slack = ChannelKey(platform: .slack, channelID: "C1")

    static func incident(_ number: Int, channel: ChannelKey = slack, state: IncidentState = .open) -> Incident {
        var incident = Incident(id: IncidentID(day: t0, number: number), channel: channel, title: "Incident \(number)", severity: .sev2,
                                createdBy: alice, createdAt: t0.addingTimeInterval(Double(number)), milestones: [.started: t0])
        incident.state = state
        return incident
    }

    static func event(_ number: Int, of incident: Incident, message: String?, channel: ChannelKey? = nil) -> TimelineEvent {
        TimelineEvent(number: number, incidentID: incident.id, channel: channel ?? incident.channel, messageID: message, author: alice,
                      occurredAt: t0.addingTimeInterval(Double(number)), text: "event \(number)", source: .chat)
    }

    @Test("a message delivered twice is stored once; the second decision, suggestion and all, is applied not at all",
          arguments: Kind.tested)
    func deliveredTwice(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let incident = Self.incident(1)
        #expect(try await subject.apply([.createIncident(incident), .appendEvent(Self.event(1, of: incident, message: "m1"))]) == nil)
        let suggestion = MilestoneSuggestion(number: 1, incidentID: incident.id, eventNumber: 2, milestone: .mitigated, at: Self.t0,
                                             phrase: "rolled back")
        let conflict = try await subject.apply([.appendEvent(Self.event(2, of: incident, message: "m1")), .addSuggestion(suggestion)])
        #expect(conflict == .messageAlreadyStored(channel: Self.slack, messageID: "m1"))
        let (events, suggestions, last) = try await subject.transaction { r in
            (try r.events(of: incident.id).map(\.number), try r.suggestions(of: incident.id), try r.lastEventNumber(of: incident.id))
        }
        #expect(events == [1])
        #expect(suggestions.isEmpty)
        #expect(last == 1)
    }

    @Test("an event numbered like one stored is an error, never mistaken for a message stored before (which would be acknowledged unstored)",
          arguments: Kind.tested)
    func numberTaken(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let incident = Self.incident(1)
        #expect(try await subject.apply([.createIncident(incident), .appendEvent(Self.event(1, of: incident, message: "m1"))]) == nil)
        await #expect(throws: (any Error).self) { _ = try await subject.apply([.appendEvent(Self.event(1, of: incident, message: "m2"))]) }
        await #expect(throws: (any Error).self) { _ = try await subject.apply([.appendEvent(Self.event(1, of: incident, message: nil))]) }
        // The message's own duplicate is still the exactly-once answer, with a new number or with the one it has.
        #expect(try await subject.apply([.appendEvent(Self.event(2, of: incident, message: "m1"))]) == .messageAlreadyStored(channel: Self.slack, messageID: "m1"))
        #expect(try await subject.apply([.appendEvent(Self.event(1, of: incident, message: "m1"))]) == .messageAlreadyStored(channel: Self.slack, messageID: "m1"))
        #expect(try await subject.transaction { try $0.events(of: incident.id).map(\.messageID) } == ["m1"])
    }

    @Test("the exactly-once key is the platform, the channel and the message id; events without a message id never conflict",
          arguments: Kind.tested)
    func theKey(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let incident = Self.incident(1)
        let otherChannel = ChannelKey(platform: .slack, channelID: "C2")
        let otherPlatform = ChannelKey(platform: .mattermost, channelID: "C1")
        #expect(try await subject.apply([.createIncident(incident), .appendEvent(Self.event(1, of: incident, message: "m1"))]) == nil)
        #expect(try await subject.apply([.appendEvent(Self.event(2, of: incident, message: "m1", channel: otherChannel))]) == nil)
        #expect(try await subject.apply([.appendEvent(Self.event(3, of: incident, message: "m1", channel: otherPlatform))]) == nil)
        #expect(try await subject.apply([.appendEvent(Self.event(4, of: incident, message: nil))]) == nil)
        #expect(try await subject.apply([.appendEvent(Self.event(5, of: incident, message: nil))]) == nil)
        let contains = try await subject.transaction { r in
            try [Self.slack, otherChannel, otherPlatform, ChannelKey(platform: .slack, channelID: "C3")]
                .map { try r.containsMessage(channel: $0, messageID: "m1") }
        }
        #expect(contains == [true, true, true, false])
        #expect(try await subject.transaction { try $0.events(of: incident.id).count } == 5)
    }

    @Test("a message stored under an earlier incident conflicts under a later one in the same channel", arguments: Kind.tested)
    func acrossIncidents(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let first = Self.incident(1)
        var resolved = first
        resolved.state = .resolved
        let second = Self.incident(2)
        #expect(try await subject.apply([.createIncident(first), .appendEvent(Self.event(1, of: first, message: "m1"))]) == nil)
        #expect(try await subject.apply([.updateIncident(resolved)]) == nil)
        #expect(try await subject.apply([.createIncident(second)]) == nil)
        let conflict = try await subject.apply([.appendEvent(Self.event(1, of: second, message: "m1")),
                                                .setKeyReasons(incidentID: second.id, number: 1, reasons: [.candidate])])
        #expect(conflict == .messageAlreadyStored(channel: Self.slack, messageID: "m1"))
        #expect(try await subject.transaction { try $0.events(of: second.id) }.isEmpty)
        #expect(try await subject.transaction { try $0.lastEventNumber(of: second.id) } == 0)
    }

    @Test("one open question per person and channel: saved, replaced, ended, and undone with a conflicting decision", arguments: Kind.tested)
    func conversations(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let incident = Self.incident(1)
        let bob = Person(id: "U2", name: "bob")
        let summary = Conversation(person: Self.alice, channel: Self.slack, incidentID: incident.id, step: .single(.summary), askedAt: Self.t0)
        var why = summary
        why.step = .why(parent: nil)
        let elsewhere = ChannelKey(platform: .mattermost, channelID: "C1")
        func asked(_ person: Person, _ channel: ChannelKey = RecordsContractTests.slack) async throws -> Conversation? {
            try await subject.transaction { try $0.conversation(of: person.id, in: channel) }
        }
        #expect(try await subject.apply([.createIncident(incident), .appendEvent(Self.event(1, of: incident, message: "m1")),
                                         .saveConversation(summary)]) == nil)
        #expect(try await asked(Self.alice) == summary)
        #expect(try await asked(bob) == nil)
        #expect(try await asked(Self.alice, elsewhere) == nil, "the platform is part of the key")
        #expect(try await subject.apply([.saveConversation(why)]) == nil)
        #expect(try await asked(Self.alice) == why, "a new question replaces the open one")
        let conflict = try await subject.apply([.endConversation(channel: Self.slack, personID: Self.alice.id),
                                                .appendEvent(Self.event(2, of: incident, message: "m1"))])
        #expect(conflict != nil)
        #expect(try await asked(Self.alice) == why, "undone with the decision")
        #expect(try await subject.apply([.endConversation(channel: Self.slack, personID: Self.alice.id)]) == nil)
        #expect(try await asked(Self.alice) == nil)
    }

    @Test("a conflict undoes the changes of its decision that came before it, and the next decision reads the records as they are",
          arguments: Kind.tested)
    func conflictUndoesItsDecision(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let incident = Self.incident(1)
        var renamed = incident
        renamed.title = "Renamed"
        #expect(try await subject.apply([.createIncident(incident), .appendEvent(Self.event(1, of: incident, message: "m1"))]) == nil)
        // Read inside a write first, so the store's look-back memory holds the incident when the conflict comes.
        #expect(try await subject.transaction { try $0.recentEvents(of: incident.id, limit: 8).count } == 1)
        let conflict = try await subject.apply([
            .updateIncident(renamed),
            .setKeyReasons(incidentID: incident.id, number: 1, reasons: [.pin]),
            .appendEvent(Self.event(2, of: incident, message: "m2")),
            .appendEvent(Self.event(3, of: incident, message: "m1")),
        ])
        #expect(conflict != nil)
        let after = try await subject.transaction { r in
            (try r.incident(incident.id)?.title, try r.recentEvents(of: incident.id, limit: 8).map(\.keyReasons),
             try r.lastEventNumber(of: incident.id), try r.containsMessage(channel: Self.slack, messageID: "m2"))
        }
        #expect(after.0 == "Incident 1")
        #expect(after.1 == [[]])
        #expect(after.2 == 1)
        #expect(after.3 == false)
        #expect(try await subject.apply([.appendEvent(Self.event(2, of: incident, message: "m2"))]) == nil)
        #expect(try await subject.transaction { try $0.recentEvents(of: incident.id, limit: 8).map(\.number) } == [1, 2])
    }

    /// Everything `IncidentRecords` answers about a channel, as one comparable value.
    struct Answers: Equatable, Sendable {
        var incidents: [Incident] = []
        var events: [[TimelineEvent]] = []
        /// Each event looked up by its number, and a number no event has.
        var byNumber: [[TimelineEvent?]] = []
        var suggestions: [[MilestoneSuggestion]] = []
        var drafts: [PostmortemDraft] = []
        var reactions: [[Set<Reaction>]] = []
        var looks: [[Int]] = []
        var lastPersonPost: [Date?] = []
        /// The newest message's number and when the one before it came.
        var lastMessage: [String] = []
        var contains: [Bool] = []
        var conversations: [Conversation?] = []

        init(_ r: any IncidentRecords, messages: [String]) throws {
            incidents = try r.allIncidents()
            for incident in incidents {
                let events = try r.events(of: incident.id)
                self.events.append(events)
                byNumber.append(try (events.map(\.number) + [events.count + 1_000]).map { try r.event(of: incident.id, number: $0) })
                suggestions.append(try r.suggestions(of: incident.id))
                reactions.append(try events.map { try r.reactions(of: incident.id, number: $0.number) })
                looks.append([try r.lastEventNumber(of: incident.id), try r.keyEventCount(of: incident.id, amongLast: 12),
                              try r.replyCount(of: incident.id, parentMessageID: "m1"), try r.eventCounts(of: incident.id).visible,
                              try r.eventCounts(of: incident.id).key]
                             + (try r.recentEvents(of: incident.id, limit: 8).map(\.number)))
                lastPersonPost.append(try r.lastPersonPost(of: incident.id))
                lastMessage.append(try r.lastMessage(of: incident.id).map { "\($0.message.number) after \(String(describing: $0.previousAt))" } ?? "none")
            }
            drafts = try r.allPostmortems()
            conversations = try ["U1", "U2", "U3"].map { try r.conversation(of: $0, in: RecordsContractTests.slack) }
            contains = try messages.map { try r.containsMessage(channel: RecordsContractTests.slack, messageID: $0) }
        }
    }

    @Test("the desk decides the same on both: a seeded war room of messages, repeats, edits, deletions, reactions, pins and commands",
          arguments: [1, 2] as [UInt64])
    func sameDecisions(seed: UInt64) async throws {
        let prompts = try PromptSet(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Prompts"))
        let desk = prompts.desk(zone: .gmt, redact: { $0 })
        var subjects: [Subject] = []
        for kind in Kind.tested { subjects.append(try await Subject(kind)) }
        var random = SeededRandom(seed: seed)
        let people = [Self.alice, Person(id: "U2", name: "bob"), Person(id: "U3", name: "carol")]
        let lines = [
            "[TRIGGERED] checkout 5xx above 5%", "ack, on it", "looking", "error rate at 40% on checkout-api",
            "root cause is the pool limit in the new config", "rolling back to v41", "rollback complete, error rate back to normal",
            "is it mitigated?", "paging the db team", "decision: we fail forward", "lol", "+1",
            "statuspage updated: we are investigating", "raising to sev1",
        ]
        // The incident starts at once, is resolved at step 100 (messages then belong to no incident) and reopened at 110;
        // no line closes it before (a confirmed "all clear" would leave the rest of the script nothing to change).
        let lifecycle = [0: "start checkout 500s sev2", 100: "resolved", 110: "reopen"]
        let commands = ["note rollback started", "summary Checkout failed for 20 minutes.", "pin E2", "confirm S1", "dismiss S1",
                        "why the pool ran out of connections", "went-well the rollback was quick", "sev sev1", "why", "impact", "cancel",
                        "role ic me", "role comms @bob", "role ic @carol", "role scribe none"]
        var said: [String] = []
        var final_: Answers?
        var reacted: [(message: String, emoji: String, by: Person)] = []
        for step in 0..<160 {
            let at = Self.t0.addingTimeInterval(Double(step) * 30)
            let person = people[Int.random(in: 0..<people.count, using: &random)]
            enum Step: Sendable { case command(CommandInvocation), capture(CaptureInput) }
            let next: Step
            switch Int.random(in: 0..<20, using: &random) {
            case _ where lifecycle[step] != nil:
                next = .command(CommandInvocation(channel: Self.slack, user: person, text: lifecycle[step]!, receivedAt: at))
            case 0...1:
                next = .command(CommandInvocation(channel: Self.slack, user: person, text: commands[Int.random(in: 0..<commands.count, using: &random)],
                                                  receivedAt: at))
            case 3...4 where !said.isEmpty:
                // A delivery of something already said (a retry, a backfill overlap).
                let id = said[Int.random(in: 0..<said.count, using: &random)]
                next = .capture(.message(ChannelMessage(channel: Self.slack, messageID: id, author: person, sentAt: at, text: "again")))
            case 5 where !said.isEmpty:
                next = .capture(.edit(channel: Self.slack, messageID: said.randomElement(using: &random)!, newText: "edited at \(step)", editedAt: at))
            case 6 where !said.isEmpty:
                next = .capture(.deletion(channel: Self.slack, messageID: said.randomElement(using: &random)!, deletedAt: at))
            case 7...8 where !said.isEmpty:
                if !reacted.isEmpty, Bool.random(using: &random) {
                    // Someone takes back a reaction they gave.
                    let (id, emoji, by) = reacted.remove(at: Int.random(in: 0..<reacted.count, using: &random))
                    next = .capture(.reaction(channel: Self.slack, messageID: id, emoji: emoji, by: by, added: false))
                } else {
                    let id = said.suffix(5).randomElement(using: &random)!
                    let emoji = Bool.random(using: &random) ? "pushpin" : "eyes"
                    reacted.append((id, emoji, person))
                    next = .capture(.reaction(channel: Self.slack, messageID: id, emoji: emoji, by: person, added: true))
                }
            case 9 where !said.isEmpty:
                next = .capture(.pin(channel: Self.slack, messageID: said.randomElement(using: &random)!, by: person, added: Bool.random(using: &random)))
            default:
                let id = "m\(said.count + 1)"
                said.append(id)
                let integration = Int.random(in: 0..<6, using: &random) == 0
                next = .capture(.message(ChannelMessage(
                    channel: Self.slack, messageID: id, author: integration ? Person(id: "B1", name: "PagerDuty") : person, sentAt: at,
                    text: lines[Int.random(in: 0..<lines.count, using: &random)],
                    threadParentID: said.count > 2 && Int.random(in: 0..<4, using: &random) == 0 ? "m1" : nil, isFromIntegration: integration)))
            }
            var outcomes: [String] = []
            var answers: [Answers] = []
            for subject in subjects {
                let known = said
                let (outcome, replies) = try await subject.transaction { records -> (String, [String]) in
                    switch next {
                    case let .command(invocation):
                        let decision = try desk.handle(invocation, records: records)
                        try records.apply(decision.changes)
                        return ("command", decision.replies.map(\.text))
                    case let .capture(input):
                        let (outcome, decision) = try desk.capture(input, records: records)
                        try records.apply(decision.changes)
                        return ("\(outcome)", decision.replies.map(\.text))
                    }
                }
                outcomes.append(outcome + " " + replies.joined(separator: " | "))
                answers.append(try await subject.transaction { try Answers($0, messages: known) })
            }
            for (kind, (outcome, answer)) in zip(Kind.tested, zip(outcomes, answers)).dropFirst() {
                #expect(outcome == outcomes[0], "step \(step): \(kind) decided otherwise than \(Kind.tested[0])")
                #expect(answer == answers[0], "step \(step): \(kind) answers otherwise than \(Kind.tested[0])")
            }
            if answers.contains(where: { $0 != answers[0] }) || outcomes.contains(where: { $0 != outcomes[0] }) { return }
            final_ = answers[0]
        }
        // The script reached what the desk decides beyond storing a line: suggestions, key events, revisions, reactions.
        let final = try #require(final_)
        #expect(final.incidents.count >= 1)
        #expect(!final.suggestions.joined().isEmpty)
        #expect(final.events.joined().contains { $0.isKey && $0.keyReasons != [.candidate] })
        #expect(final.events.joined().contains { !$0.revisions.isEmpty })
        #expect(final.reactions.joined().contains { !$0.isEmpty })
    }
}
