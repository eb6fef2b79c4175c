import Foundation
import HindsightCore
import HindsightPostgres
import HindsightPrompts
import HindsightStore
import HindsightTesting
import Testing

@Suite("PostgreSQL store: the URL, migrating beside another process, and two writers on one incident")
struct PostgresStoreTests {
    @Test("a postgres:// URL is read as libpq writes it; what is missing or unknown is named; the password never shows")
    func url() throws {
        let url = try PostgresURL("postgresql://hind%40sight:s3cr%2Ft@db.internal:6432/incidents?sslmode=verify-full")
        #expect(url == PostgresURL(host: "db.internal", port: 6432, username: "hind@sight", password: "s3cr/t", database: "incidents", sslMode: .verifyFull))
        #expect(url.redacted == "postgres://hind@sight@db.internal:6432/incidents?sslmode=verify-full")
        #expect(!"\(url)".contains("s3cr"))
        let defaults = try PostgresURL("postgres://bot@10.0.0.5/hindsight", password: "from-a-file")
        #expect(defaults.port == 5432 && defaults.sslMode == .prefer && defaults.password == "from-a-file")
        #expect(PostgresURL.isPostgres("postgres://x") && !PostgresURL.isPostgres("/var/lib/hindsight/hindsight.sqlite"))
        #expect(throws: PostgresURLError.missing("the database name (postgres://user@host/DATABASE)")) { try PostgresURL("postgres://bot@db/") }
        #expect(throws: PostgresURLError.missing("the user name (postgres://USER@host/database)")) { try PostgresURL("postgres://db/hindsight") }
        #expect(throws: PostgresURLError.notAURL) { try PostgresURL("hindsight.sqlite") }
        let unknown = #expect(throws: PostgresURLError.self) { try PostgresURL("postgres://bot@db/h?sslmode=sometimes") }
        #expect(unknown?.description.contains("verify-full") == true)
    }

    @Test("a server that is not there is a clear error that names the database without its password")
    func unreachable() async throws {
        let closed = try ClosedPort()
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStore.open(PostgresURL(host: "127.0.0.1", port: closed.port, username: "bot", password: "hunter2-secret",
                                                     database: "hindsight", sslMode: .disable))
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("postgres://bot@127.0.0.1:\(closed.port)/hindsight"))
        #expect(!text.contains("hunter2"))
    }

    @Test("two processes starting at once on a new database: one migrates while the other waits, and both find every migration",
          .enabled(if: TestPostgres.enabled))
    func migrateTogether() async throws {
        let url = try PostgresURL(try TestPostgres.freshDatabase())
        async let first = PostgresStore.open(url)
        async let second = PostgresStore.open(url)
        let (a, b) = try await (first, second)
        let names = try await a.appliedMigrations()
        #expect(names.count == 13 && names.first == "v1-incidents-and-timeline" && names.last == "v14-one-message-index")
        #expect(try await b.appliedMigrations() == names)
        #expect(try await a.serverVersion().isEmpty == false)
        await a.close()
        await b.close()
    }

    static let t0 = Date(timeIntervalSince1970: 1_795_356_000)

    /// The shipped desk and two stores on one new database, as two replicas have them, with an incident open in `channel`.
    static func twoWriters(withIncidentIn channel: ChannelKey) async throws -> (IncidentDesk, [PostgresStore]) {
        let prompts = try PromptSet(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Prompts"))
        let desk = prompts.desk(zone: .gmt, redact: { $0 })
        let url = try PostgresURL(try TestPostgres.freshDatabase())
        let replicas = [try await PostgresStore.open(url), try await PostgresStore.open(url)]
        let start = CommandInvocation(channel: channel, user: Person(id: "u1", name: "alice"), text: "start checkout down sev2", receivedAt: t0)
        try await replicas[0].write { tx in try tx.apply(try desk.handle(start, records: tx).changes) }
        return (desk, replicas)
    }

    /// Captures `input` in one write transaction of `store`, as the bot does: a decision about a message found stored
    /// meanwhile is a duplicate, applied not at all.
    static func capture(_ input: CaptureInput, on store: PostgresStore, desk: IncidentDesk) async throws -> CaptureOutcome {
        try await store.write { tx in
            let (outcome, decision) = try desk.capture(input, records: tx)
            do {
                try tx.apply(decision.changes)
            } catch is ChangeConflict {
                return .duplicate
            }
            return outcome
        }
    }

    /// Every replica of a Mattermost installation receives every post: two stores (two connections, as two processes
    /// have) capture the same messages at the same time, in different orders, through the desk.
    @Test("two writers capturing the same 120 messages at once: each stored once, event numbers gap-free, nothing lost",
          .enabled(if: TestPostgres.enabled))
    func twoWriters() async throws {
        let channel = ChannelKey(platform: .mattermost, channelID: "town")
        let (desk, replicas) = try await Self.twoWriters(withIncidentIn: channel)
        let t0 = Self.t0
        let lines = ["ack, on it", "error rate at 40% on checkout-api", "rolling back to v41", "lol", "rollback complete, error rate back to normal"]
        let messages = (1...120).map { i in
            CaptureInput.message(ChannelMessage(channel: channel, messageID: "p\(i)", author: Person(id: "u\(i % 3)", name: "responder \(i % 3)"),
                                                sentAt: t0.addingTimeInterval(Double(i)), text: lines[i % lines.count]))
        }
        var random = SeededRandom(seed: 7)
        let orders = [messages, messages.shuffled(using: &random)]
        let outcomes = try await withThrowingTaskGroup(of: [CaptureOutcome].self) { group in
            for (store, order) in zip(replicas, orders) {
                group.addTask {
                    var outcomes: [CaptureOutcome] = []
                    for input in order {
                        outcomes.append(try await Self.capture(input, on: store, desk: desk))
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.count { $0 == .stored } == 120, "each message stored by exactly one writer")
        #expect(outcomes.count { $0 == .duplicate } == 120, "and found stored by the other")
        let events = try await replicas[1].read { tx in try tx.events(of: try #require(try tx.openIncident(in: channel)).id) }
        #expect(events.map(\.number) == Array(1...121), "the start and the 120 messages, numbered without a gap")
        #expect(Set(events.compactMap(\.messageID)) == Set((1...120).map { "p\($0)" }))
        for store in replicas { await store.close() }
    }

    @Test("two writers taking turns with different messages (Slack spreads envelopes over replicas): what each cached is dropped when the other wrote, so every message is stored, numbered without a gap")
    func writersTakingTurns() async throws {
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        let (desk, replicas) = try await Self.twoWriters(withIncidentIn: channel)
        let t0 = Self.t0
        var outcomes: [CaptureOutcome] = []
        for i in 1...40 {
            // Runs of one to three messages on the same replica, so each has cached the incident when the other writes.
            let store = replicas[(i / 3 + i) % 2]
            let input = CaptureInput.message(ChannelMessage(channel: channel, messageID: "m\(i)", author: Person(id: "u\(i % 3)", name: "r\(i % 3)"),
                                                            sentAt: t0.addingTimeInterval(Double(i)), text: "status \(i): still investigating"))
            outcomes.append(try await Self.capture(input, on: store, desk: desk))
        }
        #expect(outcomes.allSatisfy { $0 == .stored }, "\(outcomes.count { $0 != .stored }) not stored")
        let events = try await replicas[1].read { tx in try tx.events(of: try #require(try tx.openIncident(in: channel)).id) }
        #expect(events.map(\.number) == Array(1...41))
        #expect(events.dropFirst().map(\.messageID) == (1...40).map { "m\($0)" })

        // What a channel's incident is, as one writer cached it, changes when the other starts or resolves one.
        let other = ChannelKey(platform: .slack, channelID: "C2")
        @Sendable func capture(_ store: PostgresStore, _ id: String, in channel: ChannelKey) async throws -> CaptureOutcome {
            let input = CaptureInput.message(ChannelMessage(channel: channel, messageID: id, author: Person(id: "u1", name: "alice"),
                                                            sentAt: t0.addingTimeInterval(100), text: "anyone seeing this?"))
            return try await Self.capture(input, on: store, desk: desk)
        }
        #expect(try await capture(replicas[0], "n1", in: other) == .ignored(.noOpenIncident))
        let startOther = CommandInvocation(channel: other, user: Person(id: "u1", name: "alice"), text: "start search slow sev3", receivedAt: t0)
        try await replicas[1].write { tx in try tx.apply(try desk.handle(startOther, records: tx).changes) }
        #expect(try await capture(replicas[0], "n2", in: other) == .stored, "the incident the other writer started")
        let resolve = CommandInvocation(channel: channel, user: Person(id: "u1", name: "alice"), text: "resolved", receivedAt: t0.addingTimeInterval(200))
        try await replicas[1].write { tx in try tx.apply(try desk.handle(resolve, records: tx).changes) }
        #expect(try await capture(replicas[0], "n3", in: channel) == .ignored(.noOpenIncident), "resolved by the other writer")
        for store in replicas { await store.close() }
    }

    @Test("the scheduler lease: one replica holds it, the other is refused, and takes it over once the holder is gone",
          .enabled(if: TestPostgres.enabled))
    func schedulerLease() async throws {
        let url = try PostgresURL(try TestPostgres.freshDatabase())
        var first: PostgresSchedulerLease? = PostgresSchedulerLease(url)
        let second = PostgresSchedulerLease(url)
        #expect(await first!.holds())
        #expect(await second.holds() == false)
        #expect(await first!.holds(), "held between rounds")
        #expect(await second.holds() == false)
        first = nil  // the holder's process is gone: its session ends and PostgreSQL frees the lock
        var tookOver = false
        for _ in 0..<50 where !tookOver {
            tookOver = await second.holds()
            if !tookOver { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(tookOver, "the other replica runs the rounds within seconds")
        #expect(first == nil)
    }

    @Test("store copy: a SQLite installation moved into an empty PostgreSQL database answers alike; into a full one, refused",
          .enabled(if: TestPostgres.enabled))
    func copyFromSQLite() async throws {
        let prompts = try PromptSet(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Prompts"))
        let desk = prompts.desk(zone: .gmt, redact: { $0 })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-copy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = try Store(path: folder.appendingPathComponent("hindsight.sqlite").path)
        let channel = ChannelKey(platform: .slack, channelID: "C1"), alice = Person(id: "U1", name: "alice"), bob = Person(id: "U2", name: "bob")
        let t0 = Date(timeIntervalSince1970: 1_795_356_000)
        enum Step: Sendable { case command(Person, String), capture(CaptureInput) }
        func say(_ id: String, _ text: String, _ by: Person = alice, thread: String? = nil) -> Step {
            .capture(.message(ChannelMessage(channel: channel, messageID: id, author: by, sentAt: t0, text: text, threadParentID: thread)))
        }
        let script: [Step] = [
            .command(alice, "start Checkout returns 500 sev2"), say("m1", "[TRIGGERED] checkout 5xx above 5%"), say("m2", "ack, on it", bob),
            say("m3", "root cause is the pool limit in the new config", bob, thread: "m1"), say("m4", "rolling back to v41"),
            .capture(.edit(channel: channel, messageID: "m4", newText: "rolling back to v40", editedAt: t0.addingTimeInterval(30))),
            .capture(.deletion(channel: channel, messageID: "m2", deletedAt: t0.addingTimeInterval(40))),
            .capture(.reaction(channel: channel, messageID: "m3", emoji: "pushpin", by: bob, added: true)),
            say("m5", "rollback complete, error rate back to normal"), .command(alice, "role ic me"),
            .command(alice, "summary Checkout failed for 20 minutes."), .command(bob, "why"), .command(alice, "resolved"),
        ]
        for (index, step) in script.enumerated() {
            try await sqlite.write { tx in
                let decision = switch step {
                case let .command(person, text):
                    try desk.handle(CommandInvocation(channel: channel, user: person, text: text, receivedAt: t0.addingTimeInterval(Double(index))), records: tx)
                case let .capture(input): try desk.capture(input, records: tx).1
                }
                try tx.apply(decision.changes)
            }
        }
        let incident = try #require(try await sqlite.read { try $0.allIncidents().first })
        try await sqlite.write { tx in
            try tx.setCardMessage("1795356000.000100", of: incident.id)
            try tx.apply([.markReminderSent(key: "postmortem-due", at: t0)])
            _ = try tx.installationSecret("callback-signing") { "s3cret-generated-once" }
            _ = try tx.useCallback(nonce: "n1", expiresAt: t0.addingTimeInterval(3_600), now: t0)
            try tx.beginBackfill(channel, since: t0)
        }

        let url = try PostgresURL(try TestPostgres.freshDatabase())
        let postgres = try await PostgresStore.open(url)
        let copied = try await postgres.copy(from: sqlite)
        #expect(copied.first { $0.table == "event" }?.rows ?? 0 >= 6)
        #expect(copied.first { $0.table == "event_revision" }?.rows == 1)
        let messages = ["m1", "m2", "m3", "m4", "m5", "m6"]
        @Sendable func answers(_ r: any BotRecords) throws -> (RecordsContractTests.Answers, [String]) {
            (try RecordsContractTests.Answers(r, messages: messages),
             [try r.cardMessage(of: incident.id) ?? "-", "\(try r.reminderSent("postmortem-due"))", try r.installationSecret("callback-signing") { "new" },
              "\(try r.callbackUsed(nonce: "n1"))", "\(try r.pendingBackfills(platform: .slack))", "\(try r.threadParentIDs(of: incident.id))",
              "\(try r.conversation(of: bob.id, in: channel) != nil)"])
        }
        let before = try await sqlite.read { try answers($0) }
        let after = try await postgres.read { try answers($0) }
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(before.1 == ["1795356000.000100", "true", "s3cret-generated-once", "true", "[\"C1\": \(t0)]", "[\"m1\"]", "true"],
                "the script reached every kind of record")
        #expect(before.0.events.joined().contains { !$0.revisions.isEmpty } && before.0.drafts.count == 1)
        await #expect(throws: StoreCopyError.self) { try await postgres.copy(from: sqlite) }
        await postgres.close()
    }
}
