import Foundation
import HindsightCore
import HindsightNet
import HindsightPostgres
import HindsightStore
import HindsightTesting
import Logging
import Testing

/// Two bot processes on one PostgreSQL database against the fake Slack, each with its own Socket Mode connection (the
/// fake spreads envelopes over them, as Slack does), one of them SIGKILLed and restarted mid-run.
@Suite("Resilience: two replicas on PostgreSQL", .enabled(if: TestPostgres.enabled))
struct ResilienceReplicaTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    @Test("two replicas share 5,000 Slack messages, one killed every ~1,000: each stored exactly once, numbers gap-free, nothing left unacknowledged")
    func twoReplicasOnSlack() async throws {
        let e2e = SlackProcessTests()
        let database = try TestPostgres.freshDatabase()
        try await FakeSlack.run(configuration: .init(ackTimeout: .seconds(1))) { fake in
            e2e.scene(fake)
            let steady = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            try await e2e.waitForConnection(fake, hellos: 1, steady)
            var killed = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            let bothLive = await fake.waitFor(timeout: .seconds(20)) { $0.hellosSent >= 2 && $0.liveConnections >= 2 }
            try #require(bothLive, "the second replica never connected: \(killed.standardError.suffix(2000))")
            _ = try await fake.slashCommand(channel: SlackProcessTests.channel, user: SlackProcessTests.alice, text: "start Replica drill sev3")

            let total = 5000
            let generator = e2e.load(fake, total: total, pause: .milliseconds(50))  // about 1,000 messages/s
            var kills = 0
            let deadline = ContinuousClock.now + .seconds(240)
            while kills < 4, ContinuousClock.now < deadline {
                if await fake.stats.ackedEvents >= 1000 * (kills + 1) {
                    killed.kill()
                    _ = killed.wait()
                    kills += 1
                    killed = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
                    try await e2e.waitForConnection(fake, hellos: 2 + kills, killed)
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let expected = Set(await generator.value)
            let store = try await PostgresStore.open(try PostgresURL(database))
            var events: [TimelineEvent] = []
            let settle = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < settle {
                events = try await store.read { tx in try tx.allIncidents().flatMap { try tx.events(of: $0.id) } }
                if expected.isSubset(of: Set(events.compactMap(\.messageID))) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let (acked, givenUp, pending) = (await fake.stats.ackedEvents, await fake.stats.givenUp, await fake.stats.pendingEvents)
            for child in [steady, killed] { child.terminate() }
            #expect(steady.wait() == 0 && killed.wait() == 0, "stderr: \(steady.standardError.suffix(2000)) \(killed.standardError.suffix(2000))")
            await store.close()
            let ids = events.compactMap(\.messageID)
            #expect(kills == 4, "killed \(kills) times")
            #expect(ids.count == Set(ids).count, "none stored twice")
            #expect(expected.subtracting(ids).isEmpty, "lost \(expected.subtracting(ids).count) of \(total)")
            #expect(events.map(\.number) == Array(1...events.count), "one incident, numbered without a gap")
            // Envelopes sent to the killed replica before the fake saw its socket die were retried there until the fake gave
            // up on them (Slack retries three times); those messages came in through the other replica or the backfill.
            #expect(pending == 0 && acked + givenUp >= total, "no event left waiting: \(acked) acked, \(givenUp) given up, \(pending) pending")
            print("two replicas: \(kills) kills, \(acked) events acknowledged, \(givenUp) given up by the fake, \(Set(ids).count) of \(total) stored once")
        }
    }
}

/// Two bot processes on one PostgreSQL database against the fake Mattermost, which sends every event to both sockets
/// (as Mattermost does for every websocket of a user): both try to store each post, and one replica is killed.
@Suite("Resilience: two replicas on PostgreSQL and Mattermost", .enabled(if: TestPostgres.enabled))
struct ResilienceMattermostReplicaTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    @Test("two replicas given every one of 2,000 posts, one killed and restarted: each stored once, numbers gap-free, each reply posted once")
    func twoReplicasOnMattermost() async throws {
        let e2e = MattermostProcessTests()
        let database = try TestPostgres.freshDatabase()
        try await FakeMattermost.run { fake in
            await fake.sendToEveryConnection(true)
            fake.addChannel(id: MattermostProcessTests.channel, name: "incident-checkout")
            fake.addUser(MattermostProcessTests.alice)
            let first = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            let port = try await first.httpPort()
            await fake.waitForSocket { $0.freshHellos >= 1 }
            var second = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            await fake.waitForSocket { $0.freshHellos >= 2 }
            let answer = try await fake.slashCommand(
                to: "http://127.0.0.1:\(port)/mattermost/command", token: MattermostProcessTests.commandToken,
                channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id, text: "start Checkout returns 500 sev2")
            #expect(answer.json?["text"]?.string?.contains("INC-") == true)

            let store = try await PostgresStore.open(try PostgresURL(database))
            func stored() async throws -> [TimelineEvent] {
                try await store.read { tx in try tx.allIncidents().flatMap { try tx.events(of: $0.id) } }
            }
            var posted: [String] = []
            var killed = false
            for index in 0..<2000 {
                posted.append(await fake.post(channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id,
                                              message: "load \(index)").id)
                if index % 20 == 19 { try await Task.sleep(for: .milliseconds(50)) }
                if !killed, index >= 800 {
                    second.kill()
                    _ = second.wait()
                    killed = true
                    second = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
                    await fake.waitForSocket { $0.freshHellos >= 3 }
                }
            }
            // Lines the bot answers (milestone suggestions), once both replicas are up again.
            for line in ["rolled back to v41", "error rate back to normal, all green", "we are fully recovered, resolving"] {
                posted.append(await fake.post(channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id, message: line).id)
                try await Task.sleep(for: .milliseconds(300))
            }
            var events: [TimelineEvent] = []
            let settle = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < settle {
                events = try await stored()
                if Set(posted).isSubset(of: Set(events.compactMap(\.messageID))) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(2))  // replies to the last lines
            // Both replicas were given the posts: the one never killed stored some and found others stored by the other.
            let http = HTTPClient(logger: Logger(label: "e2e"))
            let metrics = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/metrics")).text
            http.shutdown()
            let captured = metrics.split(separator: "\n").filter { $0.hasPrefix("hindsight_events_captured_total") && $0.contains("mattermost") }
            for outcome in ["stored", "duplicate"] {
                #expect(captured.contains { $0.contains("outcome=\"\(outcome)\"") && !$0.hasSuffix(" 0") }, "\(outcome): \(captured)")
            }
            for child in [first, second] { child.terminate() }
            #expect(first.wait() == 0 && second.wait() == 0, "stderr: \(first.standardError.suffix(2000)) \(second.standardError.suffix(2000))")
            await store.close()
            let ids = events.compactMap(\.messageID)
            #expect(ids.count == Set(ids).count, "none stored twice")
            #expect(Set(posted).subtracting(ids).isEmpty, "lost \(Set(posted).subtracting(ids).count) of \(posted.count)")
            #expect(events.map(\.number) == Array(1...events.count), "one incident, numbered without a gap")
            let replies = fake.posts(by: fake.botUser.id).map(\.message)
            let repeated = Dictionary(grouping: replies, by: { $0 }).filter { $0.value.count > 1 }.keys
            #expect(repeated.isEmpty, "posted twice: \(Array(repeated).prefix(3))")
            #expect(!replies.isEmpty, "the bot answered at all")
            print("two replicas on Mattermost: \(Set(ids).count) of \(posted.count) stored once, \(replies.count) bot posts")
        }
    }

    @Test("the replica running the scheduler is killed: the other posts the due reminder within 10 s, once; a suggestion Mattermost refused during its outage is posted once after it")
    func schedulerMovesAndHeldRepliesSurvive() async throws {
        let e2e = MattermostProcessTests()
        let database = try TestPostgres.freshDatabase()
        let quiet = "qu1etchannel0000000000000c"
        try await FakeMattermost.run { fake in
            await fake.sendToEveryConnection(true)
            fake.addChannel(id: MattermostProcessTests.channel, name: "incident-checkout")
            fake.addChannel(id: quiet, name: "incident-old")
            fake.addUser(MattermostProcessTests.alice)
            let environment = e2e.environment(fake, database: database).merging(["HINDSIGHT_REPLY_RETRY": "2"]) { $1 }
            var replicas = [try ChildProcess(arguments: ["run"], environment: environment)]
            await fake.waitForSocket { $0.freshHellos >= 1 }
            replicas.append(try ChildProcess(arguments: ["run"], environment: environment))
            await fake.waitForSocket { $0.freshHellos >= 2 }
            var ports: [Int] = []
            for replica in replicas { ports.append(try await replica.httpPort()) }
            let http = HTTPClient(logger: Logger(label: "e2e"))
            defer { http.shutdown() }
            /// Which replica's /readyz says it runs the scheduled work (one of them does within a round, 5 s).
            func holder() async throws -> Int? {
                for (index, port) in ports.enumerated() {
                    let ready = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/readyz")).text
                    if ready.contains("scheduler (this replica)") { return index }
                }
                return nil
            }
            var running: Int?
            let found = ContinuousClock.now + .seconds(15)
            while running == nil, ContinuousClock.now < found {
                running = try await holder()
                if running == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            let leader = try #require(running, "no replica took the scheduler lease")
            let survivor = 1 - leader
            _ = try await fake.slashCommand(
                to: "http://127.0.0.1:\(ports[survivor])/mattermost/command", token: MattermostProcessTests.commandToken,
                channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id, text: "start Checkout returns 500 sev2")

            // Mattermost has an outage of its own: every new post is refused with a 500 while the war room goes on.
            fake.fail(next: 1_000_000, matching: "POST /api/v4/posts")
            let botPostsBefore = fake.posts(by: fake.botUser.id).count
            for line in ["rolled back to v41", "error rate back to normal, all green", "we are fully recovered, resolving"] {
                _ = await fake.post(channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id, message: line)
                try await Task.sleep(for: .milliseconds(300))
            }
            let refused = ContinuousClock.now + .seconds(10)
            while !fake.requests.contains(where: { $0.hasPrefix("POST /api/v4/posts") }), ContinuousClock.now < refused {
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(fake.requests.contains { $0.hasPrefix("POST /api/v4/posts") }, "a replica tried to post a suggestion")

            // The replica running the scheduler dies; then an incident resolved two days ago without a post-mortem
            // is found (its nudge is due now), and Mattermost recovers.
            replicas[leader].kill()
            _ = replicas[leader].wait()
            let store = try await PostgresStore.open(try PostgresURL(database))
            let resolvedAt = Date().addingTimeInterval(-49 * 3600)
            var old = Incident(id: IncidentID(day: resolvedAt.addingTimeInterval(-3600), number: 1), channel: ChannelKey(platform: .mattermost, channelID: quiet),
                               title: "Search index stale", severity: .sev3, createdBy: Person(id: MattermostProcessTests.alice.id, name: "alice"),
                               createdAt: resolvedAt.addingTimeInterval(-3600), milestones: [.started: resolvedAt.addingTimeInterval(-3600), .resolved: resolvedAt])
            old.state = .resolved
            try await store.write { [old] tx in try tx.apply([.createIncident(old)]) }
            await store.close()
            let due = ContinuousClock.now
            fake.fail(next: 0)

            func nudges() -> [FakeMattermostPost] { fake.posts(by: fake.botUser.id).filter { $0.channel_id == quiet } }
            while nudges().isEmpty, ContinuousClock.now < due + .seconds(30) { try await Task.sleep(for: .milliseconds(100)) }
            let tookOver = due.duration(to: .now)
            #expect(!nudges().isEmpty, "the surviving replica never posted the due reminder")
            #expect(tookOver <= .seconds(10), "the reminder came \(tookOver) after it was due")
            // The suggestions held while Mattermost refused them, and some more rounds for any second copy to show.
            let suggestions = ContinuousClock.now + .seconds(20)
            while fake.posts(by: fake.botUser.id).filter({ $0.channel_id == MattermostProcessTests.channel }).count <= botPostsBefore,
                  ContinuousClock.now < suggestions {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(12))
            replicas[survivor].terminate()
            #expect(replicas[survivor].wait() == 0, "stderr: \(replicas[survivor].standardError.suffix(2000))")

            let warRoom = fake.posts(by: fake.botUser.id).filter { $0.channel_id == MattermostProcessTests.channel }.dropFirst(botPostsBefore).map(\.message)
            // The suggestions ("S1: alice said … is the incident mitigated …?"), not only the card the keeper re-posts.
            #expect(warRoom.contains { $0.contains("is the incident") }, "the suggestions refused during the outage were never posted: \(warRoom)")
            let repeated = Dictionary(grouping: warRoom, by: { $0 }).filter { $0.value.count > 1 }.keys
            #expect(repeated.isEmpty, "posted twice: \(Array(repeated).prefix(3))")
            #expect(nudges().count == 1, "the reminder was posted \(nudges().count) times")
            print("scheduler moved: reminder posted \(tookOver) after it was due; \(warRoom.count) held replies posted after the outage")
        }
    }
}
