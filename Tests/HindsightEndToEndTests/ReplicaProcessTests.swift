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

    @Test("two replicas share 1,500 Slack messages, one killed twice: each stored exactly once, numbers gap-free, nothing left unacknowledged")
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

            let total = 1500
            let generator = Task {
                var posted: [String] = []
                for index in 0..<total {
                    posted.append(await fake.postMessage(channel: SlackProcessTests.channel, user: SlackProcessTests.alice, text: "load \(index)"))
                    if index % 50 == 49 { try? await Task.sleep(for: .milliseconds(50)) }  // about 1,000 messages/s
                }
                return posted
            }
            var kills = 0
            let deadline = ContinuousClock.now + .seconds(120)
            while kills < 2, ContinuousClock.now < deadline {
                if await fake.stats.ackedEvents >= 400 * (kills + 1) {
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
            let settle = ContinuousClock.now + .seconds(90)
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
            #expect(kills == 2, "killed \(kills) times")
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

    @Test("two replicas given every one of 600 posts, one killed and restarted: each stored once, numbers gap-free, each reply posted once")
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
            for index in 0..<600 {
                posted.append(await fake.post(channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id,
                                              message: "load \(index)").id)
                if index % 20 == 19 { try await Task.sleep(for: .milliseconds(50)) }
                if !killed, index >= 250 {
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
}
