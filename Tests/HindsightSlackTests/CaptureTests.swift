import Foundation
import HindsightCore
import HindsightTesting
import Testing

@Suite("Capturing a Slack incident channel over Socket Mode")
struct SlackCaptureTests {
    @Test("a retried event (same event_id) and a redelivered message (same ts, new event_id) are stored once and acknowledged")
    func duplicates() async throws {
        try await withSlack { h in
            let ts = await h.fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "the database is read-only")
            try await eventually("stored") { try await h.storedMessageIDs().contains(ts) }
            let before = await h.fake.stats.unknownAcks
            for (envelope, eventID, attempt) in [("dup-1", "EvFAKE0000001", 0), ("dup-2", "EvFAKE0000001", 1), ("dup-3", "EvOTHER", 0)] {
                await h.fake.sendRaw(#"{"envelope_id":"\#(envelope)","type":"events_api","accepts_response_payload":false,"retry_attempt":\#(attempt),"retry_reason":"","payload":{"type":"event_callback","event_id":"\#(eventID)","event_time":1,"event":{"type":"message","channel":"\#(Slack.channel)","user":"\#(Slack.alice)","text":"the database is read-only","ts":"\#(ts)","event_ts":"\#(ts)"}}}"#)
            }
            // The fake never sent these ids, so it counts their acks as unknown: one per crafted envelope.
            try await eventually("all three acknowledged") { await h.fake.stats.unknownAcks >= before + 3 }
            #expect(try await h.storedMessageIDs().filter { $0 == ts }.count == 1)
        }
    }

    @Test("edits, deletions, a pushpin and a pin revise the timeline; the bot's own messages are skipped")
    func editsDeletionsReactionsPins() async throws {
        try await withSlack { h in
            let fake = h.fake
            let first = await fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "primary is down")
            let second = await fake.postMessage(channel: Slack.channel, user: Slack.bob, text: "typo mesage")
            let third = await fake.postMessage(channel: Slack.channel, user: Slack.bob, text: "replying in thread", threadTS: first)
            try await eventually("three stored") { try await h.storedMessageIDs().count >= 3 }
            await fake.editMessage(channel: Slack.channel, ts: second, text: "typo message", by: Slack.bob)
            await fake.deleteMessage(channel: Slack.channel, ts: third)
            await fake.react(channel: Slack.channel, ts: first, user: Slack.bob, emoji: "pushpin")
            await fake.pin(channel: Slack.channel, ts: second, user: Slack.alice)
            try await eventually("edit, deletion, key events") {
                let events = try await h.events()
                let byID = Dictionary(events.compactMap { e in e.messageID.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
                return byID[second]?.text == "typo message" && byID[third]?.deletedAt != nil && byID[first]?.isKey == true && byID[second]?.isKey == true
            }
            let events = try await h.events()
            #expect(events.first { $0.messageID == first }?.author.name == "Alice", "names come from users.info")
            #expect(events.first { $0.messageID == third }?.threadParentID == first)
            // The bot's own posts come back as message events (with its bot_id): never captured.
            #expect(!events.contains { $0.author.id == fake.botUserID })
        }
    }

    @Test("after an abrupt drop and a socket that never says hello, backfill recovers what was posted meanwhile")
    func backfillAfterADrop() async throws {
        try await withSlack(helloTimeout: .milliseconds(700)) { h in
            let fake = h.fake
            let live = await fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "before the drop")
            try await eventually("stored") { try await h.storedMessageIDs().contains(live) }
            let historyCalls = h.calls("conversations.history").count
            await fake.withholdHello(true)
            await fake.dropConnections()
            var missed: [String] = []
            for index in 0..<30 { missed.append(fake.postMessageUndelivered(channel: Slack.channel, user: Slack.bob, text: "while away \(index)")) }
            try await eventually("a socket without hello") { await fake.stats.connectionsOpened >= 2 }
            await fake.withholdHello(false)
            let expected = Set(missed)
            try await eventually("backfilled", within: .seconds(15)) { Set(try await h.storedMessageIDs()).isSuperset(of: expected) }
            #expect(h.calls("conversations.history").count > historyCalls)
            #expect(try await h.storedMessageIDs().count == 31)
        }
    }

    @Test("a message Slack never delivered, posted seconds before the newest stored one, is backfilled after a drop")
    func backfillBelowTheNewestStored() async throws {
        try await withSlack { h in
            let fake = h.fake
            // Every delivery of `lost` went to a connection that had just died (as when a bot is killed), while a newer
            // message reached the bot and was stored: the newest stored message is past it.
            let lost = fake.postMessageUndelivered(channel: Slack.channel, user: Slack.bob, text: "failover started")
            try await Task.sleep(for: .milliseconds(1500))
            let newer = await fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "error rate falling")
            try await eventually("the newer one stored") { try await h.storedMessageIDs().contains(newer) }
            #expect(try await !h.storedMessageIDs().contains(lost))
            await fake.dropConnections()
            try await eventually("backfilled", within: .seconds(15)) { try await h.storedMessageIDs().contains(lost) }
            #expect(try await h.storedMessageIDs().sorted() == [lost, newer].sorted(), "each stored once")
        }
    }

    @Test("an app mention gets the short help, only for the person who mentioned")
    func appMention() async throws {
        try await withSlack { h in
            await h.fake.mention(channel: Slack.channel, user: Slack.bob, text: "what can you do?")
            try await eventually("help sent") { h.fake.ephemeralMessages.contains { $0.user == Slack.bob && $0.text.contains("/postmortem help") } }

            // Slack retries a mention it thinks was not acknowledged: the same event_id is answered once.
            let helps: @Sendable () -> Int = { h.fake.ephemeralMessages.filter { $0.user == Slack.alice && $0.text.contains("/postmortem help") }.count }
            let before = await h.fake.stats.unknownAcks
            for (envelope, attempt) in [("mention-1", 0), ("mention-2", 1)] {
                await h.fake.sendRaw(#"{"envelope_id":"\#(envelope)","type":"events_api","accepts_response_payload":false,"retry_attempt":\#(attempt),"retry_reason":"timeout","payload":{"type":"event_callback","event_id":"EvMENTION01","event_time":1,"event":{"type":"app_mention","channel":"\#(Slack.channel)","user":"\#(Slack.alice)","text":"<@UBOT> help","ts":"1700000000.000100","event_ts":"1700000000.000100"}}}"#)
            }
            try await eventually("both acknowledged") { await h.fake.stats.unknownAcks >= before + 2 }
            try await eventually("answered") { helps() == 1 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(helps() == 1, "answered once")
        }
    }
}

@Suite("Slack connection refreshes")
struct SlackRefreshTests {
    @Test("a refresh (with and without warning) opens the next connection before the old one closes: never offline")
    func refreshWithoutAGap() async throws {
        try await withSlack { h in
            let adapter = h.adapter
            for round in 1...2 {
                let opened = await h.fake.stats.connectionsOpened
                let watcher = Task {
                    var offline = 0
                    while !Task.isCancelled {
                        if !adapter.isConnected { offline += 1 }
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                    return offline
                }
                await h.fake.requestRefresh(warningFirst: round == 2)
                try await eventually("the next connection") { await h.fake.stats.connectionsOpened > opened && adapter.isConnected }
                try await Task.sleep(for: .milliseconds(900))  // past the fake's grace: the old socket has closed
                watcher.cancel()
                #expect(await watcher.value == 0, "offline samples during refresh \(round)")
            }
            #expect(await h.fake.stats.liveConnections == 1, "old sockets were let go")
        }
    }
}

/// A load scenario with a deadline (every ack within Slack's 3 s): its name starts with "Resilience", so
/// scripts/test.sh runs it on its own, where other suites' load cannot stretch its acknowledgements.
@Suite("Resilience: Slack capture under refreshes and a drop")
struct ResilienceSlackCaptureTests {
    @Test("1,000 messages across 3 refreshes and an abrupt drop are stored once each, every event acknowledged within 3 s")
    func thousandMessagesAcrossRefreshesAndADrop() async throws {
        // Slack's own timing: a missing ack is retried after 3 s, three times.
        try await withSlack(fakeConfiguration: .init()) { h in
            let fake = h.fake
            var posted: [String] = []
            func post(_ count: Int) async {
                for _ in 0..<count {
                    let author = posted.count.isMultiple(of: 2) ? Slack.alice : Slack.bob
                    posted.append(await fake.postMessage(channel: Slack.channel, user: author, text: "update \(posted.count)"))
                }
            }
            await post(150)
            for refresh in 1...3 {
                await fake.requestRefresh(warningFirst: refresh == 2)
                await post(150)
                try await eventually("refresh \(refresh) replaced") { await fake.stats.hellosSent >= 1 + refresh }
            }
            await fake.dropConnections()
            await post(100)
            await post(1000 - posted.count)
            #expect(posted.count == 1000)

            try await eventually("all 1,000 stored", within: .seconds(30)) { try await h.storedMessageIDs().count >= 1000 }
            try await eventually("every event acknowledged", within: .seconds(15)) { await fake.stats.ackedEvents >= 1000 }
            let stored = try await h.storedMessageIDs()
            #expect(stored.count == 1000, "none doubled")
            #expect(Set(stored) == Set(posted), "none lost")
            let stats = await fake.stats
            #expect(stats.givenUp == 0)
            #expect(stats.connectionsOpened >= 5, "three refreshes and a drop each opened a connection")
            let slowest = try #require(stats.ackLatencies.max())
            #expect(slowest < .seconds(3), "slowest ack \(slowest)")
        }
    }
}
