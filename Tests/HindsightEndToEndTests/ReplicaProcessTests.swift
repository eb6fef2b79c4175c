import Foundation
import HindsightCore
import HindsightPostgres
import HindsightStore
import HindsightTesting
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
