import Foundation
import HindsightTesting
import Testing

@Suite("When the database cannot be written")
struct SlackStoreFailureTests {
    @Test("writes failing: nothing is acknowledged (Slack keeps redelivering) until they work again, then all is stored once")
    func writesFailThenRecover() async throws {
        try await withSlack { h in
            let fake = h.fake
            let before = await fake.stats.ackedEvents
            // Every timeline insert fails, as on a full disk or a read-only volume.
            let disk = try FullDisk(path: h.databasePath)
            try await disk.fail()
            var posted: [String] = []
            for index in 0..<5 { posted.append(await fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "during the outage \(index)")) }
            try await eventually("the adapter noticed") { !h.adapter.isStoring }
            try await eventually("Slack redelivered at least once") { await fake.stats.redeliveries >= 5 }
            #expect(await fake.stats.ackedEvents == before, "nothing acknowledged while nothing could be stored")
            #expect(h.adapter.isConnected, "the socket stays up; only acknowledgements stop")
            #expect(h.bot.isFailingToCapture, "/readyz reports the store as not ready")

            try await disk.repair()
            let expected = Set(posted)
            try await eventually("stored after recovery", within: .seconds(15)) { Set(try await h.storedMessageIDs()).isSuperset(of: expected) }
            try await eventually("writing again") { h.adapter.isStoring && !h.bot.isFailingToCapture }
            try await eventually("acknowledged") { await fake.stats.ackedEvents >= before + 5 }
            let stored = try await h.storedMessageIDs()
            #expect(stored.filter { posted.contains($0) }.count == 5, "each stored once")
        }
    }
}
