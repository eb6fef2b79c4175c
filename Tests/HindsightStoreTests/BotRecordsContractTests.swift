import Foundation
import HindsightCore
import HindsightPostgres
import HindsightStore
import HindsightTesting
import Testing

/// What the bot keeps beside the desk's records (`BotRecords`), under one contract on both stores: SQLite, and
/// PostgreSQL where `TestPostgres` has a server (or CI requires one).
@Suite("Bot records contract: cards, reminders, callbacks, secrets, backfills and threads on both stores")
struct BotRecordsContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
        static var tested: [Kind] { TestPostgres.enabled ? allCases : [.sqlite] }
    }

    final class Subject: Sendable {
        private let store: Store?
        private let postgres: PostgresStore?
        private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-bot-records-\(UUID().uuidString)")

        init(_ kind: Kind) async throws {
            store = kind == .sqlite ? try Store(path: folder.appendingPathComponent("hindsight.sqlite").path) : nil
            postgres = kind == .postgres ? try await PostgresStore.open(try PostgresURL(try TestPostgres.freshDatabase())) : nil
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func transaction<T: Sendable>(_ body: @escaping @Sendable (any BotRecords) throws -> T) async throws -> T {
            if let store { return try await store.write { try body($0) } }
            return try await postgres!.write { try body($0) }
        }
    }

    static let t0 = RecordsContractTests.t0
    static let slack = RecordsContractTests.slack

    @Test("a card's message is kept and replaced; a reminder marked sent stays sent; the first secret stored is the one every later ask gets",
          arguments: Kind.tested)
    func cardsRemindersSecrets(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let incident = RecordsContractTests.incident(1)
        try await subject.transaction { try $0.apply([.createIncident(incident), .markReminderSent(key: "action-7-due", at: Self.t0)]) }
        #expect(try await subject.transaction { try $0.cardMessage(of: incident.id) } == nil)
        try await subject.transaction { try $0.setCardMessage("1700000000.000100", of: incident.id) }
        try await subject.transaction { try $0.setCardMessage("1700000000.000200", of: incident.id) }
        #expect(try await subject.transaction { try $0.cardMessage(of: incident.id) } == "1700000000.000200")
        #expect(try await subject.transaction { [try $0.reminderSent("action-7-due"), try $0.reminderSent("action-8-due")] } == [true, false])
        let first = try await subject.transaction { try $0.installationSecret("callback-key") { "generated-once" } }
        let second = try await subject.transaction { try $0.installationSecret("callback-key") { "generated-again" } }
        #expect(first == "generated-once" && second == "generated-once")
    }

    @Test("a callback token is used once; once expired, its mark is dropped on the next use", arguments: Kind.tested)
    func callbacks(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let expiry = Self.t0.addingTimeInterval(600)
        let uses = try await subject.transaction { records in
            [try records.callbackUsed(nonce: "n1"), try records.useCallback(nonce: "n1", expiresAt: expiry, now: Self.t0),
             try records.useCallback(nonce: "n1", expiresAt: expiry, now: Self.t0.addingTimeInterval(5)), try records.callbackUsed(nonce: "n1")]
        }
        #expect(uses == [false, true, false, true])
        // An hour later the mark has expired: any use drops it (the token itself is refused for its expiry by then).
        let later = try await subject.transaction { records in
            [try records.useCallback(nonce: "n2", expiresAt: expiry.addingTimeInterval(3_600), now: expiry.addingTimeInterval(1)),
             try records.callbackUsed(nonce: "n1")]
        }
        #expect(later == [true, false])
    }

    @Test("an unfinished backfill keeps its earliest start per channel and platform until it ends", arguments: Kind.tested)
    func backfills(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let other = ChannelKey(platform: .slack, channelID: "C2"), mattermost = ChannelKey(platform: .mattermost, channelID: "C1")
        try await subject.transaction { records in
            try records.beginBackfill(Self.slack, since: Self.t0.addingTimeInterval(60))
            try records.beginBackfill(Self.slack, since: Self.t0)
            try records.beginBackfill(Self.slack, since: Self.t0.addingTimeInterval(120))
            try records.beginBackfill(other, since: Self.t0.addingTimeInterval(30))
            try records.beginBackfill(mattermost, since: Self.t0.addingTimeInterval(90))
        }
        #expect(try await subject.transaction { try $0.pendingBackfills(platform: .slack) } == ["C1": Self.t0, "C2": Self.t0.addingTimeInterval(30)])
        try await subject.transaction { try $0.endBackfill(Self.slack) }
        #expect(try await subject.transaction { try $0.pendingBackfills(platform: .slack) } == ["C2": Self.t0.addingTimeInterval(30)])
        #expect(try await subject.transaction { try $0.pendingBackfills(platform: .mattermost) } == ["C1": Self.t0.addingTimeInterval(90)])
    }

    @Test("threads seen, each open incident's newest chat message (not an integration's, not a command), and the event count",
          arguments: Kind.tested)
    func threadsAndNewest(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let open = RecordsContractTests.incident(1), quiet = RecordsContractTests.incident(2, channel: ChannelKey(platform: .slack, channelID: "C9"))
        let closed = RecordsContractTests.incident(3, channel: ChannelKey(platform: .slack, channelID: "C8"), state: .resolved)
        @Sendable func event(_ n: Int, _ of: Incident, message: String?, thread: String? = nil, source: EventSource = .chat, at: TimeInterval) -> TimelineEvent {
            TimelineEvent(number: n, incidentID: of.id, channel: of.channel, messageID: message, author: RecordsContractTests.alice,
                          occurredAt: Self.t0.addingTimeInterval(at), text: "e\(n)", threadParentID: thread, source: source)
        }
        try await subject.transaction { records in
            try records.apply([
                .createIncident(open), .createIncident(quiet), .createIncident(closed),
                .appendEvent(event(1, open, message: "m1", at: 10)), .appendEvent(event(2, open, message: "m2", thread: "m1", at: 20)),
                .appendEvent(event(3, open, message: "m3", thread: "m1", at: 30)), .appendEvent(event(4, open, message: "m4", thread: "m3", at: 40)),
                .appendEvent(event(5, open, message: "a1", source: .integration, at: 50)), .appendEvent(event(6, open, message: nil, source: .command, at: 60)),
                .appendEvent(event(1, closed, message: "c1", at: 70)),
            ])
        }
        let (threads, newest, count) = try await subject.transaction { records in
            (try records.threadParentIDs(of: open.id).sorted(), try records.openIncidentsWithLastMessage(platform: .slack), try records.eventCount())
        }
        #expect(threads == ["m1", "m3"])
        let byIncident = Dictionary(uniqueKeysWithValues: newest.map { ($0.incident.id, ($0.lastCapturedAt, $0.lastMessageID)) })
        #expect(Set(byIncident.keys) == [open.id, quiet.id], "open incidents only")
        #expect(byIncident[open.id]?.0 == Self.t0.addingTimeInterval(40) && byIncident[open.id]?.1 == "m4")
        #expect(byIncident[quiet.id]?.0 == nil && byIncident[quiet.id]?.1 == nil)
        #expect(count == 7)
        #expect(try await subject.transaction { try $0.openIncidentsWithLastMessage(platform: .mattermost) }.isEmpty)
    }

    @Test("held replies: kept whole until released, claimed only after the wait and not again before it, the claimed-elsewhere ones skipped, the expired dropped",
          arguments: Kind.tested)
    func heldReplies(kind: Kind) async throws {
        let subject = try await Subject(kind)
        let channel = ChannelKey(platform: .mattermost, channelID: "town")
        var suggestion = Reply(.channel, "Mark **mitigated** at 14:05?", actions: [.init(label: "Confirm", command: "confirm S1")])
        suggestion.thread = ReplyThread(rootID: "root1", personID: "u1")
        let held = [
            HeldReply(key: "k1", channel: channel, userID: "u1", reply: suggestion, heldAt: Self.t0),
            HeldReply(key: "k2", channel: channel, userID: nil, reply: Reply(.ephemeral, "Noted."), heldAt: Self.t0.addingTimeInterval(1)),
            HeldReply(key: "k3", channel: channel, userID: "u2", reply: Reply(.channel, "third"), heldAt: Self.t0.addingTimeInterval(2)),
            HeldReply(key: "old", channel: channel, userID: nil, reply: Reply(.channel, "too late"), heldAt: Self.t0.addingTimeInterval(-7200)),
        ]
        try await subject.transaction { try $0.hold(held) }
        // Holding a key again leaves the first one as it is.
        try await subject.transaction { try $0.hold([HeldReply(key: "k1", channel: channel, userID: nil, reply: Reply(.channel, "other"), heldAt: Self.t0)]) }
        try await subject.transaction { try $0.release(heldReply: "k3") }
        func claim(at seconds: TimeInterval, excluding: Set<String> = [], limit: Int = 10) async throws -> [HeldReply] {
            let now = Self.t0.addingTimeInterval(seconds)
            return try await subject.transaction {
                try $0.claimHeldReplies(triedBefore: now.addingTimeInterval(-60), expiredBefore: now.addingTimeInterval(-3600), now: now,
                                        excluding: excluding, limit: limit)
            }
        }
        #expect(try await claim(at: 30).isEmpty, "nothing is claimed before the wait")
        let first = try await claim(at: 70, excluding: ["k2"])
        #expect(first == [held[0]], "the one not posting here, whole: \(first)")
        #expect(first.first?.reply.deliveryKey == "k1")
        #expect(try await claim(at: 100).map(\.key) == ["k2"], "k1 was tried at 70, so it waits until 130")
        #expect(try await claim(at: 131, limit: 1).map(\.key) == ["k1"])
        #expect(try await claim(at: 200).map(\.key) == ["k1", "k2"])
        try await subject.transaction { try $0.release(heldReply: "k1") }
        #expect(try await claim(at: 3700).isEmpty, "k2 expired (held at t0 + 1, an hour before)")
    }
}
