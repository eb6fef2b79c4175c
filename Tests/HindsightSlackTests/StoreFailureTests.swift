import Foundation
import GRDB
import HindsightTesting
import Testing

@Suite("When the database cannot be written")
struct SlackStoreFailureTests {
    @Test("writes failing: nothing is acknowledged (Slack keeps redelivering) until they work again, then all is stored once")
    func writesFailThenRecover() async throws {
        try await withSlack { h in
            let fake = h.fake
            let before = await fake.stats.ackedEvents
            // A second connection makes every timeline insert fail, as a full disk or a read-only volume would.
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // the bot's writer may hold the lock for a moment
            let saboteur = try DatabaseQueue(path: h.databasePath, configuration: configuration)
            try await saboteur.write { db in
                try db.execute(sql: "CREATE TRIGGER full_disk BEFORE INSERT ON event BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
            }
            var posted: [String] = []
            for index in 0..<5 { posted.append(await fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "during the outage \(index)")) }
            try await eventually("the adapter noticed") { !h.adapter.isStoring }
            try await eventually("Slack redelivered at least once") { await fake.stats.redeliveries >= 5 }
            #expect(await fake.stats.ackedEvents == before, "nothing acknowledged while nothing could be stored")
            #expect(h.adapter.isConnected, "the socket stays up; only acknowledgements stop")
            #expect(h.bot.isFailingToCapture, "/readyz reports the store as not ready")

            try await saboteur.write { db in try db.execute(sql: "DROP TRIGGER full_disk") }
            let expected = Set(posted)
            try await eventually("stored after recovery", within: .seconds(15)) { Set(try await h.storedMessageIDs()).isSuperset(of: expected) }
            try await eventually("writing again") { h.adapter.isStoring && !h.bot.isFailingToCapture }
            try await eventually("acknowledged") { await fake.stats.ackedEvents >= before + 5 }
            let stored = try await h.storedMessageIDs()
            #expect(stored.filter { posted.contains($0) }.count == 5, "each stored once")
        }
    }
}
