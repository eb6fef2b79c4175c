import Foundation
import HindsightCore
import HindsightTesting
import Testing

@Suite("Capturing a Mattermost incident channel over the WebSocket")
struct CaptureTests {
    @Test("1,000 posts across drops (replayed and a forced fresh hello with backfill) are stored once each")
    func thousandPostsAcrossDrops() async throws {
        try await withHarness { h in
            let fake = h.fake
            try await withDeadline(.seconds(60), waitingFor: "the first hello") { await fake.waitForSocket { $0.freshHellos >= 1 } }
            var posted: [String] = []
            func post(_ count: Int) async {
                for _ in 0..<count {
                    let author = posted.count.isMultiple(of: 2) ? TestIDs.alice.id : TestIDs.bob.id
                    posted.append(await fake.post(channelID: TestIDs.channel, userID: author, message: "update \(posted.count)").id)
                }
            }
            await post(200)
            // Drop 1 and 2: the client resumes; events posted while it is away are replayed by the server.
            for round in 1...2 {
                // Caught up first: a client still behind by more than the server's 128 buffered events cannot resume.
                let sent = posted.count
                do {
                    try await eventually("caught up before drop \(round)", within: .seconds(30)) { try await h.storedMessageIDs().count >= sent }
                } catch {
                    Issue.record("stored \(try await h.storedMessageIDs().count) of \(sent); requests \(fake.requests.suffix(4)); \(await fake.socketStats)")
                    throw error
                }
                await fake.holdConnections(true)
                await fake.dropConnection()
                await post(60)
                await fake.holdConnections(false)
                try await withDeadline(.seconds(10), waitingFor: "resume \(round)") { await fake.waitForSocket { $0.resumed >= round } }
                await post(150)
            }
            // Drop 3: the server forgets the connection, answers with a fresh hello: the client backfills over REST.
            await fake.holdConnections(true)
            await fake.dropConnection()
            await fake.forgetConnections()
            await post(100)
            await fake.holdConnections(false)
            try await withDeadline(.seconds(10), waitingFor: "a fresh hello") { await fake.waitForSocket { $0.freshHellos >= 2 } }
            // Drop 4: more than the 128 buffered events are missed, so the server cannot replay: fresh hello again.
            await fake.holdConnections(true)
            await fake.dropConnection()
            await post(140)
            await fake.holdConnections(false)
            try await withDeadline(.seconds(10), waitingFor: "a second fresh hello") { await fake.waitForSocket { $0.freshHellos >= 3 } }
            await post(1000 - posted.count)
            #expect(posted.count == 1000)

            try await eventually("all 1,000 posts stored", within: .seconds(30)) {
                try await h.storedMessageIDs().count >= 1000
            }
            let stored = try await h.storedMessageIDs()
            #expect(stored.count == 1000, "none doubled")
            #expect(Set(stored) == Set(posted), "none lost")
            let stats = await fake.socketStats
            #expect(stats.replayedEvents >= 120)
            #expect(fake.requests.contains { $0.hasPrefix("GET /api/v4/channels/\(TestIDs.channel)/posts?since=") })
        }
    }

    @Test("writes failing during a burst: once they work again every post is stored once, replayed or backfilled")
    func writesFailThenRecover() async throws {
        try await withHarness { h in
            let fake = h.fake
            // Every timeline insert fails, as on a full disk or a read-only volume.
            let disk = try FullDisk(path: h.databasePath)
            try await disk.fail()
            var posted: [String] = []
            for index in 0..<40 { posted.append(await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "during the outage \(index)").id) }
            try await eventually("the bot noticed") { h.bot.isFailingToCapture }
            #expect(try await h.storedMessageIDs().filter(posted.contains).isEmpty)

            try await disk.repair()
            for index in 0..<40 { posted.append(await fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "after the outage \(index)").id) }
            let expected = Set(posted)
            try await eventually("stored after recovery", within: .seconds(20)) { Set(try await h.storedMessageIDs()).isSuperset(of: expected) }
            let stored = try await h.storedMessageIDs()
            #expect(stored.filter(posted.contains).count == posted.count, "each stored once")
            #expect(!h.bot.isFailingToCapture)
        }
    }

    @Test("edits and deletions revise the timeline; a pushpin reaction marks a key event; the bot's posts are skipped")
    func editDeleteReact() async throws {
        try await withHarness { h in
            let fake = h.fake
            try await withDeadline(.seconds(60), waitingFor: "the first hello") { await fake.waitForSocket { $0.freshHellos >= 1 } }
            let first = await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "restarting primary")
            let second = await fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "typo here")
            let botPost = await fake.post(channelID: TestIDs.channel, userID: fake.botUser.id, message: "I am the bot")
            let joined = await fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "bob joined", type: "system_join_channel")
            await fake.edit(postID: first.id, message: "restarting primary db-1")
            await fake.delete(postID: second.id)
            await fake.react(userID: TestIDs.bob.id, postID: first.id, emoji: "pushpin")
            let marker = await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "marker")
            try await eventually("the marker stored") { try await h.storedMessageIDs().contains(marker.id) }
            let events = try await h.events()
            let byID = Dictionary(events.compactMap { e in e.messageID.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
            #expect(byID[first.id]?.text == "restarting primary db-1")
            #expect(byID[first.id]?.revisions.map(\.text) == ["restarting primary"])
            #expect(byID[first.id]?.keyReasons.isEmpty == false)
            #expect(byID[first.id]?.author.name == "Alice Liddell")
            #expect(byID[second.id]?.deletedAt != nil)
            #expect(byID[botPost.id] == nil)
            #expect(byID[joined.id] == nil)
        }
    }
}

@Suite("Keeping the Mattermost socket alive")
struct KeepAliveTests {
    @Test("the ping action is sent each interval; a socket whose ping goes unanswered is replaced and resumed")
    func silentSocketReplaced() async throws {
        try await withHarness(pingInterval: .milliseconds(250)) { h in
            let fake = h.fake
            try await withDeadline(.seconds(10), waitingFor: "pings answered") { await fake.waitForSocket { $0.pings >= 2 } }
            // Compared with the count before the silence, so a slow answer on a loaded machine cannot fail the test.
            let before = await fake.socketStats.connections
            await fake.answerPings(false)
            try await withDeadline(.seconds(10), waitingFor: "a replacement socket") { await fake.waitForSocket { $0.connections > before } }
            await fake.answerPings(true)
            try await withDeadline(.seconds(10), waitingFor: "the resume") { await fake.waitForSocket { $0.resumed >= 1 } }
            let post = await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "still here")
            try await eventually("the post after the replacement stored") { try await h.storedMessageIDs().contains(post.id) }
            #expect(await fake.socketStats.freshHellos == 1, "resumed, not restarted")
        }
    }
}
