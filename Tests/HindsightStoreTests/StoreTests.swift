import Foundation
import GRDB
import Testing
import HindsightCore
@testable import HindsightStore

/// A fresh directory per test, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var databasePath: String { url.appendingPathComponent("hindsight.sqlite").path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("SQLite store")
struct StoreTests {
    let channel = ChannelKey(platform: .slack, channelID: "C1")
    let alice = Person(id: "U1", name: "alice")
    let t0 = Date(timeIntervalSince1970: 1_795_356_000)

    func incident(_ number: Int = 1) -> Incident {
        Incident(id: IncidentID(day: t0, number: number), channel: channel, title: "DB down", severity: .sev2, createdBy: alice,
                 createdAt: t0, milestones: [.started: t0])
    }

    func event(_ number: Int, message: String?, at offset: TimeInterval = 0) -> TimelineEvent {
        TimelineEvent(number: number, incidentID: incident().id, channel: channel, messageID: message, author: alice,
                      occurredAt: t0.addingTimeInterval(offset), text: "event \(number)", source: .chat)
    }

    @Test("a new file is migrated from empty, in WAL mode")
    func migrations() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        #expect(try store.appliedMigrations() == ["v1-incidents-and-timeline", "v2-postmortem-drafts", "v3-reminders-sent", "v4-callback-auth", "v5-suggestion-score", "v6-backfill-pending", "v7-reactions-and-threads", "v8-conversations", "v9-incident-card", "v10-incident-roles", "v11-archive-search", "v12-reply-outbox", "v14-one-message-index"])
        let mode = try store.readNow { tx in try String.fetchOne(tx.db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("the message an incident's card was posted as survives a reopen, and a new post replaces it")
    func cardMessage() async throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try Store(path: dir.databasePath)
            try await store.write { tx in
                try tx.apply([.createIncident(incident())])
                #expect(try tx.cardMessage(of: incident().id) == nil)
                try tx.setCardMessage("1795356000.000100", of: incident().id)
            }
        }
        let reopened = try Store(path: dir.databasePath)
        try await reopened.write { tx in
            #expect(try tx.cardMessage(of: incident().id) == "1795356000.000100")
            try tx.setCardMessage("1795356000.000200", of: incident().id)
            #expect(try tx.cardMessage(of: incident().id) == "1795356000.000200")
        }
    }

    @Test("a question asked before conversations had their own table moves there from the draft, which keeps the rest")
    func conversationsLeaveDrafts() async throws {
        let dir = try TemporaryDirectory()
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        let alice = Person(id: "U1", name: "alice")
        let incident = Incident(id: IncidentID(day: t0, number: 1), channel: channel, title: "db down", severity: .sev2, createdBy: alice,
                                createdAt: t0, milestones: [.started: t0])
        var draft = PostmortemDraft(incidentID: incident.id)
        draft.tags = ["db"]
        let asked = Conversation(person: alice, channel: channel, incidentID: incident.id, step: .why(parent: nil), askedAt: t0, lastMessageID: "m7")
        // The file as v7 left it: the draft's JSON carries the conversation (without an incident of its own).
        var legacy = try #require(JSONSerialization.jsonObject(with: Data(RowCodec.encode(draft).utf8)) as? [String: Any])
        var old = try #require(JSONSerialization.jsonObject(with: Data(RowCodec.encode(asked).utf8)) as? [String: Any])
        old["incidentID"] = nil
        legacy["conversations"] = [old]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: legacy), as: UTF8.self)
        do {
            let queue = try DatabaseQueue(path: dir.databasePath)
            try Schema.migrator.migrate(queue, upTo: "v7-reactions-and-threads")
            try await queue.write { db in
                // The incident row as v7 wrote it (today's code writes columns v7 did not have).
                try db.execute(sql: """
                    INSERT INTO incident (id, platform, channel_id, title, severity, state, created_by_id, created_by_name, created_at,
                        started_at) VALUES (?, 'slack', 'C1', 'db down', 'sev2', 'open', 'U1', 'alice', ?, ?)
                    """, arguments: [incident.id.rawValue, RowCodec.micros(t0), RowCodec.micros(t0)])
                try db.execute(sql: "INSERT INTO postmortem (incident_id, body, updated_at) VALUES (?, ?, 0)", arguments: [incident.id.rawValue, body])
            }
        }
        let store = try Store(path: dir.databasePath)
        let (moved, kept, stored) = try await store.read { tx in
            (try tx.conversation(of: "U1", in: channel), try tx.postmortem(of: incident.id),
             try String.fetchOne(tx.db, sql: "SELECT body FROM postmortem"))
        }
        #expect(moved == asked)
        #expect(kept == draft)
        #expect(stored?.contains("conversations") == false)
    }

    @Test("data survives closing and reopening the file, with exact microsecond times")
    func reopen() async throws {
        let dir = try TemporaryDirectory()
        let precise = Date(timeIntervalSince1970: 1_795_356_123.000_456)
        do {
            let store = try Store(path: dir.databasePath)
            var e = event(1, message: "1795356123.000456")
            e.occurredAt = precise
            e.attachments = [Attachment(name: "graph.png", url: "https://x/y")]
            e.keyReasons = [.pin, .reaction]
            let toStore = e
            try await store.write { tx in try tx.apply([.createIncident(self.incident()), .appendEvent(toStore)]) }
        }
        let reopened = try Store(path: dir.databasePath)
        let events = try await reopened.read { tx in try tx.events(of: self.incident().id) }
        #expect(events.count == 1)
        #expect(events[0].occurredAt == precise)
        #expect(events[0].attachments.first?.name == "graph.png")
        #expect(events[0].keyReasons == [.pin, .reaction])
        #expect(try await reopened.read { tx in try tx.openIncident(in: self.channel) }?.id == incident().id)
    }

    @Test("reactions are stored once per person and emoji and survive reopening; replies are counted by thread")
    func reactionsAndReplies() async throws {
        let dir = try TemporaryDirectory()
        let eyes = Reaction(emoji: "eyes", personID: "U1")
        let id = incident().id
        do {
            let store = try Store(path: dir.databasePath)
            var replies = [event(2, message: "r1", at: 1), event(3, message: "r2", at: 2), event(4, message: "other", at: 3)]
            replies[0].threadParentID = "m1"
            replies[1].threadParentID = "m1"
            let events = [event(1, message: "m1")] + replies
            try await store.write { tx in try tx.apply([.createIncident(self.incident())] + events.map { .appendEvent($0) }) }
            try await store.write { tx in
                try tx.apply([.setReaction(incidentID: id, number: 1, reaction: eyes, added: true),
                              .setReaction(incidentID: id, number: 1, reaction: eyes, added: true),
                              .setReaction(incidentID: id, number: 1, reaction: Reaction(emoji: "+1", personID: "U2"), added: true)])
            }
            try await store.write { tx in try tx.apply([.setReaction(incidentID: id, number: 1, reaction: Reaction(emoji: "+1", personID: "U2"), added: false)]) }
        }
        let reopened = try Store(path: dir.databasePath)
        #expect(try await reopened.read { tx in try tx.reactions(of: id, number: 1) } == [eyes])
        #expect(try await reopened.read { tx in try tx.replyCount(of: id, parentMessageID: "m1") } == 2)
        #expect(try await reopened.read { tx in try tx.replyCount(of: id, parentMessageID: "other") } == 0)
    }

    @Test("the classifier's look-back reads counts, not events: key events among the last few, and when a person last posted")
    func lookBack() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        let id = incident().id
        var events = (1...6).map { event($0, message: "m\($0)", at: Double($0)) }
        events[0].keyReasons = [.alert]
        events[3].keyReasons = [.finding]
        events[4].milestone = .mitigated
        events[5].source = .integration
        let stored = events
        try await store.write { tx in try tx.apply([.createIncident(self.incident())] + stored.map { .appendEvent($0) }) }
        #expect(try await store.read { tx in try tx.keyEventCount(of: id, amongLast: 3) } == 2, "m4 (finding) and m5 (milestone)")
        #expect(try await store.read { tx in try tx.keyEventCount(of: id, amongLast: 10) } == 3)
        try await store.write { tx in try tx.apply([.markDeleted(incidentID: id, number: 4, at: self.t0)]) }
        #expect(try await store.read { tx in try tx.keyEventCount(of: id, amongLast: 3) } == 1, "a deleted message is no row")
        #expect(try await store.read { tx in try tx.lastPersonPost(of: id) } == t0.addingTimeInterval(5), "m6 is an integration's")
        #expect(try await store.read { tx in try tx.lastPersonPost(of: IncidentID(rawValue: "INC-none")) } == nil)
    }

    @Test("the database refuses a second open incident in one channel")
    func oneOpenIncidentPerChannel() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        try await store.write { tx in try tx.apply([.createIncident(self.incident(1))]) }
        await #expect(throws: StoreError.self) {
            try await store.write { tx in try tx.apply([.createIncident(self.incident(2))]) }
        }
    }

    @Test("readers see consistent snapshots while a writer commits")
    func concurrentReaders() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        try await store.write { tx in try tx.apply([.createIncident(self.incident())]) }
        let id = incident().id
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for batch in 0..<20 {
                    let events = (1...50).map { self.event(batch * 50 + $0, message: "m\(batch * 50 + $0)") }
                    try await store.write { tx in try tx.apply(events.map(Change.appendEvent)) }
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    var last = 0
                    for _ in 0..<50 {
                        let count = try await store.read { tx in try tx.events(of: id).count }
                        #expect(count % 50 == 0)   // never half a transaction
                        #expect(count >= last)     // never goes back
                        last = count
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.read { tx in try tx.eventCount() } == 1000)
    }

    @Test("revisions, deletion marks and suggestions round-trip")
    func updates() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        let id = incident().id
        let suggestion = MilestoneSuggestion(number: 1, incidentID: id, eventNumber: 1, milestone: .mitigated, at: t0, phrase: "rolled back")
        let confirmed = { var s = suggestion; s.status = .confirmed; return s }()
        try await store.write { tx in
            try tx.apply([
                .createIncident(self.incident()), .appendEvent(self.event(1, message: "m1")),
                .reviseEvent(incidentID: id, number: 1, newText: "v2", revision: EventRevision(text: "event 1", replacedAt: self.t0.addingTimeInterval(5))),
                .markDeleted(incidentID: id, number: 1, at: self.t0.addingTimeInterval(9)),
                .addSuggestion(suggestion), .updateSuggestion(confirmed),
            ])
        }
        let event = try #require(try await store.read { tx in try tx.event(of: id, channel: self.channel, messageID: "m1") })
        // A message id is a channel's: the same id said in another channel is another message.
        let elsewhere = ChannelKey(platform: .slack, channelID: "C2")
        #expect(try await store.read { tx in try tx.event(of: id, channel: elsewhere, messageID: "m1") } == nil)
        #expect(event.text == "v2")
        #expect(event.revisions.map(\.text) == ["event 1"])
        #expect(event.deletedAt == t0.addingTimeInterval(9))
        #expect(try await store.read { tx in try tx.suggestions(of: id) }.map(\.status) == [.confirmed])
    }

    @Test("backup writes a consistent copy that opens as a store")
    func backup() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        try await store.write { tx in try tx.apply([.createIncident(self.incident()), .appendEvent(self.event(1, message: "m1"))]) }
        let copy = dir.url.appendingPathComponent("copy.sqlite").path
        try store.backup(to: copy)
        #expect(try await Store(path: copy).read { tx in try tx.eventCount() } == 1)
    }
}

@Suite("Installation secrets and single-use callback tokens")
struct CallbackStoreTests {
    @Test("a generated secret is created once and read back by every later transaction, also after reopening the file")
    func secretKept() async throws {
        let dir = try TemporaryDirectory()
        let first = try await Store(path: dir.databasePath).write { tx in try tx.installationSecret("callback-signing", generate: { "one" }) }
        let again = try await Store(path: dir.databasePath).write { tx in try tx.installationSecret("callback-signing", generate: { "two" }) }
        #expect(first == "one")
        #expect(again == "one")
    }

    @Test("a nonce is used once; expired marks are dropped")
    func nonceOnce() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.write { tx in try tx.useCallback(nonce: "n1", expiresAt: now.addingTimeInterval(60), now: now) })
        #expect(try await store.write { tx in try tx.useCallback(nonce: "n1", expiresAt: now.addingTimeInterval(60), now: now) } == false)
        #expect(try await store.read { tx in try tx.callbackUsed(nonce: "n1") })
        _ = try await store.write { tx in try tx.useCallback(nonce: "n2", expiresAt: now.addingTimeInterval(60), now: now.addingTimeInterval(120)) }
        #expect(try await store.read { tx in try tx.callbackUsed(nonce: "n1") } == false)
    }
}

@Suite("Key reasons as stored")
struct KeyReasonColumnTests {
    @Test("every set of reasons reads back as written; a name this version does not know is left out")
    func roundTrip() throws {
        let all = Set(KeyReason.allCases)
        for reasons in [[], [KeyReason.pin], [.alert, .finding, .milestone], Array(all)].map(Set.init) {
            let stored = RowCodec.encode(reasons)
            #expect(RowCodec.reasons(stored) == reasons, "\(stored)")
            // What a JSON decoder would read from the same column.
            if !stored.isEmpty { #expect(try Set(JSONDecoder().decode([KeyReason].self, from: Data(stored.utf8))) == reasons) }
        }
        #expect(RowCodec.reasons(#"["alert","from_a_newer_version"]"#) == [.alert])
        #expect(RowCodec.reasons(nil).isEmpty)
    }
}

/// WAL checkpoints run beside the writer, a moment after writes, and never inside a commit.
@Suite("WAL checkpoints")
struct CheckpointTests {
    /// The size of the database file itself (not its WAL): it grows only when a checkpoint copies pages into it.
    func mainFileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// What `fill` writes: 4 commits of 400 rows of 4,000 bytes, well over SQLite's automatic checkpoint threshold
    /// of 1,000 WAL pages.
    static let commits = 4, rowsPerCommit = 400, rowBytes = 4_000
    static let filledBytes = commits * rowsPerCommit * rowBytes

    func fill(_ store: Store) async throws {
        for _ in 0..<Self.commits {
            try await store.write { tx in
                try tx.db.execute(sql: "CREATE TABLE IF NOT EXISTS filler (b BLOB)")
                for _ in 0..<Self.rowsPerCommit { try tx.db.execute(sql: "INSERT INTO filler VALUES (randomblob(\(Self.rowBytes)))") }
            }
        }
    }

    @Test("a commit never checkpoints, however full the WAL: the file stays as it was until the checkpointer runs")
    func noCheckpointInCommit() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath, checkpointDelay: .seconds(600))
        let before = try mainFileSize(dir.databasePath)
        try await fill(store)
        #expect(try mainFileSize(dir.databasePath) == before)
        let done = try #require(store.checkpoint())
        #expect(done.walFrameCount > 1_000 && done.checkpointedFrameCount == done.walFrameCount)
        #expect(try mainFileSize(dir.databasePath) > before + Self.filledBytes)
    }

    @Test("the checkpointer copies the WAL into the file shortly after writes, on its own")
    func checkpointAfterWrites() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.databasePath, checkpointDelay: .milliseconds(20))
        let before = try mainFileSize(dir.databasePath)
        try await fill(store)
        var size = try mainFileSize(dir.databasePath)
        for _ in 0..<250 where size <= before + Self.filledBytes {
            try await Task.sleep(for: .milliseconds(20))
            size = try mainFileSize(dir.databasePath)
        }
        #expect(size > before + Self.filledBytes)
        let rows = try store.readNow { tx in try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM filler") }
        #expect(rows == Self.commits * Self.rowsPerCommit)
    }
}
