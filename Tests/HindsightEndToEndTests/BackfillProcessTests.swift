import Foundation
import HindsightCore
import HindsightNet
import HindsightStore
import HindsightTesting
import Logging
import Testing

/// The built binary after outages: stopped while thousands of messages, thread replies, edits and deletions are
/// posted, then started again; and a socket drop with a server restart in the middle of bursts. Names start with
/// "Resilience": scripts/test.sh runs them on their own, after the rest.
@Suite("Resilience: the real binary backfilling after an outage")
struct ResilienceBackfillTests {
    static let channels = ["bf1ch4nnelbf1ch4nnelbf1ch4", "bf2ch4nnelbf2ch4nnelbf2ch4", "bf3ch4nnelbf3ch4nnelbf3ch4"]
    static let alice = MattermostProcessTests.alice
    static let bob = FakeMattermostUser(id: "e2eb0bb0be2eb0bb0be2eb0bb0", username: "bob")

    init() { signal(SIGPIPE, SIG_IGN) }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The timeline of the incident open in `channel`.
    static func timeline(_ store: Store, platform: Platform, channel: String) async throws -> [TimelineEvent] {
        try await store.read { tx in
            guard let incident = try tx.openIncident(in: ChannelKey(platform: platform, channelID: channel)) else { return [] }
            return try tx.events(of: incident.id).filter { $0.messageID != nil }
        }
    }

    /// Waits until `condition` holds, failing with the child's log lines about backfill and connections.
    static func settle(_ what: String, _ child: ChildProcess, within: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(what) did not happen; logs:\n\(ResilienceMattermostKillTests.relevant(child.standardError))")
    }

    static let selections: [FakeMattermost.SinceSelection] = [.oldest, .newest, .random(seed: 2026)]

    @Test("stopped while 5,000 posts, replies, edits and deletions arrive in three channels: after a restart each is stored once, in order, revised",
          arguments: selections)
    func stoppedDuringFiveThousand(selection: FakeMattermost.SinceSelection) async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("db.sqlite").path
        try await FakeMattermost.run { fake in
            for (index, channel) in Self.channels.enumerated() { fake.addChannel(id: channel, name: "incident-backfill-\(index)") }
            fake.addUser(Self.alice)
            fake.addUser(Self.bob)
            fake.answerSince(with: selection)
            var environment = MattermostProcessTests().environment(fake, database: database)
            environment["HINDSIGHT_LOG_LEVEL"] = "info"
            var child = try ChildProcess(arguments: ["run"], environment: environment)
            let port = try await child.httpPort()
            for channel in Self.channels {
                _ = try await fake.slashCommand(
                    to: "http://127.0.0.1:\(port)/mattermost/command", token: MattermostProcessTests.commandToken,
                    channelID: channel, userID: Self.alice.id, text: "start Backfill drill sev3"
                )
            }
            await fake.waitForSocket { $0.freshHellos >= 1 }
            var posted: [String: [FakeMattermostPost]] = [:]
            for channel in Self.channels {
                for index in 0..<20 {
                    posted[channel, default: []].append(await fake.post(channelID: channel, userID: Self.bob.id, message: "before \(index)"))
                }
            }
            let store = try Store(path: database)
            try await Self.settle("the posts before the outage", child) { try await store.allMessageIDs().count == 60 }
            child.kill()
            _ = child.wait()
            let earlier = child.standardError

            // The outage: 5,000 posts across the channels, a reply every 8th (to a parent from before, or in the gap).
            for index in 0..<5000 {
                let channel = Self.channels[index % 3]
                let previous = posted[channel]!
                let root = index % 8 == 0 ? previous[index % 24 < 12 ? 2 : previous.count - 5].id : ""
                let author = index.isMultiple(of: 2) ? Self.alice.id : Self.bob.id
                posted[channel]!.append(await fake.post(channelID: channel, userID: author, message: "outage \(index)", rootID: root))
            }
            let first = Self.channels[0]
            await fake.edit(postID: posted[first]![4].id, message: "before 4, corrected")
            await fake.edit(postID: posted[first]![900].id, message: "outage 2640, corrected")
            await fake.delete(postID: posted[Self.channels[1]]![7].id)

            child = try ChildProcess(arguments: ["run"], environment: environment)
            try await Self.settle("every post stored", child) { try await store.allMessageIDs().count >= 5060 }
            for channel in Self.channels {
                let events = try await Self.timeline(store, platform: .mattermost, channel: channel)
                let ids = events.compactMap(\.messageID)
                #expect(ids.count == Set(ids).count, "none stored twice in \(channel)")
                #expect(ids == posted[channel]!.map(\.id), "every post of \(channel), in order; logs:\n\(ResilienceMattermostKillTests.relevant(earlier + child.standardError))")
                for (event, post) in zip(events, posted[channel]!) where !post.root_id.isEmpty {
                    #expect(event.threadParentID == post.root_id)
                }
            }
            let firstTimeline = try await Self.timeline(store, platform: .mattermost, channel: first)
            try #require(firstTimeline.count == posted[first]!.count)
            #expect(firstTimeline[4].revisions.map(\.text) == ["before 4"] && firstTimeline[4].text == "before 4, corrected")
            #expect(firstTimeline[900].text == "outage 2640, corrected")
            #expect(try await Self.timeline(store, platform: .mattermost, channel: Self.channels[1]).dropFirst(7).first?.isDeleted == true)

            let http = HTTPClient(logger: Logger(label: "e2e"))
            defer { http.shutdown() }
            let metrics = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(try await child.httpPort())/metrics")).text
            let backfilled = metrics.split(separator: "\n").first { $0.hasPrefix("hindsight_backfill_posts_total") && $0.contains("mattermost") }
            #expect(backfilled?.hasSuffix(" 5000") == true, "\(backfilled ?? "no hindsight_backfill_posts_total")")
            #expect(metrics.contains("hindsight_backfill_gap_seconds"))
            let ready = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(try await child.httpPort())/readyz")).text
            #expect(ready.contains("mattermost: ok"), "no backfill left: \(ready)")
            child.terminate()
            #expect(child.wait() == 0)
        }
    }

    @Test("a socket drop with a server restart in the middle of a 3,000-post burst, five times in a row: nothing lost")
    func restartMidBurst() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("db.sqlite").path
        try await FakeMattermost.run { fake in
            let channel = Self.channels[0]
            fake.addChannel(id: channel, name: "incident-burst")
            fake.addUser(Self.alice)
            fake.answerSince(with: .random(seed: 99))
            var environment = MattermostProcessTests().environment(fake, database: database)
            environment["HINDSIGHT_LOG_LEVEL"] = "info"
            let child = try ChildProcess(arguments: ["run"], environment: environment)
            let port = try await child.httpPort()
            _ = try await fake.slashCommand(
                to: "http://127.0.0.1:\(port)/mattermost/command", token: MattermostProcessTests.commandToken,
                channelID: channel, userID: Self.alice.id, text: "start Burst drill sev3"
            )
            await fake.waitForSocket { $0.freshHellos >= 1 }
            let store = try Store(path: database)
            var posted: [String] = []
            for round in 1...5 {
                for index in 0..<3000 {
                    if index == 1200 {
                        // The server restarts: the socket drops and the session is forgotten; posts go on meanwhile.
                        await fake.dropConnection()
                        await fake.forgetConnections()
                    }
                    posted.append(await fake.post(channelID: channel, userID: Self.alice.id, message: "burst \(round).\(index)").id)
                }
                let expected = Set(posted)
                try await Self.settle("round \(round) stored", child) { expected.isSubset(of: Set(try await store.allMessageIDs())) }
                let ids = try await store.allMessageIDs()
                #expect(ids.count == Set(ids).count, "none stored twice after round \(round)")
                #expect(expected.subtracting(ids).isEmpty, "round \(round) lost \(expected.subtracting(ids).count)")
                #expect(await fake.socketStats.freshHellos >= round + 1)
            }
            child.terminate()
            #expect(child.wait() == 0)
        }
    }
}

@Suite("Resilience: the real binary backfilling Slack after an outage")
struct ResilienceSlackBackfillTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    @Test("stopped while 1,500 messages and replies to parents older than the outage (and the incident) arrive: all stored once, in order")
    func repliesToOldParents() async throws {
        let e2e = SlackProcessTests()
        let (dir, database) = try e2e.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let channel = SlackProcessTests.channel, alice = SlackProcessTests.alice
        try await FakeSlack.run { fake in
            e2e.scene(fake)
            var child = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            try await e2e.waitForConnection(fake, hellos: 1, child)
            // A parent from before the incident, whose thread the incident then sees; a parent inside the incident.
            let ancient = await fake.postMessage(channel: channel, user: alice, text: "deploy of v42 started")
            _ = try await fake.slashCommand(channel: channel, user: alice, text: "start Checkout slow sev3")
            let seen = await fake.postMessage(channel: channel, user: alice, text: "v42 rollout paused", threadTS: ancient)
            let parent = await fake.postMessage(channel: channel, user: alice, text: "who owns the cache?")
            let edited = await fake.postMessage(channel: channel, user: alice, text: "cache hit rate 40%")
            let store = try Store(path: database)
            var expected = [seen, parent, edited]
            try await ResilienceBackfillTests.settle("the messages before the outage", child) { try await store.allMessageIDs().count == 3 }
            child.kill()
            _ = child.wait()

            for index in 0..<1500 {
                let thread: String? = index % 10 == 3 ? ancient : index % 10 == 7 ? parent : nil
                expected.append(fake.postMessageUndelivered(channel: channel, user: alice, text: "outage \(index)", threadTS: thread))
            }
            fake.editMessageUndelivered(channel: channel, ts: edited, text: "cache hit rate 40%, falling", by: alice)

            child = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            try await ResilienceBackfillTests.settle("every message stored", child) { try await store.allMessageIDs().count >= expected.count }
            let events = try await ResilienceBackfillTests.timeline(store, platform: .slack, channel: channel)
            let ids = events.compactMap(\.messageID)
            #expect(ids.count == Set(ids).count, "none stored twice")
            #expect(ids == expected, "every message, in order (lost \(Set(expected).subtracting(ids).count))")
            let byID = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.messageID.map { ($0, e) } })
            #expect(byID[expected[3 + 3]]?.threadParentID == ancient, "a reply to a parent from before the incident")
            #expect(byID[expected[3 + 7]]?.threadParentID == parent)
            #expect(byID[edited]?.revisions.map(\.text) == ["cache hit rate 40%"])
            child.terminate()
            #expect(child.wait() == 0)
        }
    }
}
