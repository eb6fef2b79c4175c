import Foundation
import HindsightCore
import HindsightTesting
import Testing

/// The adapter against the fake after a gap the server cannot replay (it forgot the session): whatever 1,000 posts the
/// fake's `since` answer holds, the cursor pages bring every post, in order, with edits and deletions as revisions.
/// One at a time: each posts over a thousand messages, and in parallel they would starve the timing-sensitive suites.
@Suite("Backfilling a Mattermost channel after a long gap", .serialized)
struct WorkloadBackfillTests {
    /// Opens a gap: the bot's socket is dropped, the server forgets it, and what is posted until `close` is not pushed.
    static func openGap(_ fake: FakeMattermost) async {
        await fake.holdConnections(true)
        await fake.dropConnection()
        await fake.forgetConnections()
    }

    /// Ends the gap: the bot reconnects to a fresh `hello` and backfills; waits until the backfill is done.
    static func closeGap(_ h: Harness, freshHellos: Int = 2) async throws {
        let fake = h.fake
        await fake.holdConnections(false)
        try await withDeadline(.seconds(20), waitingFor: "a fresh hello") { await fake.waitForSocket { $0.freshHellos >= freshHellos } }
        // Posted after the reconnect, so it arrives live once the backfill has let the socket go on.
        let marker = await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "marker after the gap")
        try await eventually("the live marker after the backfill", within: .seconds(60)) {
            try await h.storedMessageIDs().contains(marker.id) && h.adapter.backfillSummary == nil
        }
    }

    /// One post captured live, then `count` posted in a gap; returns the gap's post ids.
    static func missed(_ count: Int, _ h: Harness) async throws -> [String] {
        let fake = h.fake
        _ = await fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "before the gap")
        try await eventually("the post before the gap", within: .seconds(30)) { try await h.storedMessageIDs().count == 1 }
        await openGap(fake)
        var gap: [String] = []
        for index in 0..<count {
            gap.append(await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "gap \(index)").id)
        }
        return gap
    }

    static let selections: [FakeMattermost.SinceSelection] = [.oldest, .newest, .random(seed: 1117)]

    @Test("1,600 posts missed, with threads, edits and deletions: stored once each, in order, revised", arguments: selections)
    func longGap(selection: FakeMattermost.SinceSelection) async throws {
        try await withHarness { h in
            let fake = h.fake
            fake.answerSince(with: selection)
            var before: [FakeMattermostPost] = []
            for index in 0..<40 {
                before.append(await fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "before the gap \(index)"))
            }
            let oldRoot = before[3]
            try await eventually("the posts before the gap", within: .seconds(30)) { try await h.storedMessageIDs().count >= 40 }
            #expect(try await h.storedMessageIDs() == before.map(\.id))

            await Self.openGap(fake)
            var gap: [FakeMattermostPost] = []
            var gapRoot = oldRoot
            for index in 0..<1600 {
                let author = index.isMultiple(of: 2) ? TestIDs.alice.id : TestIDs.bob.id
                // Every 9th post answers the thread under a post from before the gap, every 7th a thread in the gap.
                let root = index.isMultiple(of: 9) ? oldRoot.id : index.isMultiple(of: 7) ? gapRoot.id : ""
                let post = await fake.post(channelID: TestIDs.channel, userID: author, message: "in the gap \(index)", rootID: root)
                if index == 100 { gapRoot = post }
                gap.append(post)
            }
            await fake.edit(postID: before[10].id, message: "before the gap 10, corrected")
            await fake.edit(postID: before[39].id, message: "before the gap 39, corrected")
            await fake.delete(postID: before[20].id)
            await fake.edit(postID: gap[5].id, message: "in the gap 5, corrected")
            await fake.edit(postID: gap[1599].id, message: "in the gap 1599, corrected")
            try await Self.closeGap(h)

            let events = try await h.events()
            let ids = events.compactMap(\.messageID)
            #expect(ids.count == Set(ids).count, "none stored twice")
            #expect(Array(ids.dropLast()) == (before + gap).map(\.id), "every post, in the order posted")
            let byID = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.messageID.map { ($0, e) } })
            #expect(byID[before[10].id]?.text == "before the gap 10, corrected")
            #expect(byID[before[10].id]?.revisions.map(\.text) == ["before the gap 10"])
            #expect(byID[before[39].id]?.revisions.map(\.text) == ["before the gap 39"])
            #expect(byID[before[20].id]?.isDeleted == true)
            #expect(byID[gap[5].id]?.text == "in the gap 5, corrected")
            #expect(byID[gap[1599].id]?.text == "in the gap 1599, corrected")
            #expect(byID[gap[9].id]?.threadParentID == oldRoot.id, "a reply to a parent from before the gap")
            #expect(byID[gap[105].id]?.threadParentID == gap[100].id, "a reply to a parent in the gap")
            #expect(events.filter(\.isDeleted).count == 1)
            #expect(fake.requests.contains { $0.contains("/posts?after=") }, "the full since answer was not trusted")
        }
    }

    @Test("posts sharing a millisecond across page boundaries are not skipped")
    func sameMillisecond() async throws {
        try await withHarness { h in
            let fake = h.fake
            fake.answerSince(with: .newest)
            let first = await fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "before the gap")
            try await eventually("the post before the gap", within: .seconds(30)) { try await h.storedMessageIDs().count == 1 }
            await Self.openGap(fake)
            var gap: [FakeMattermostPost] = []
            for index in 0..<1300 {
                // Runs of 7 posts in one millisecond, and one run of 230: longer than a page.
                fake.postInSameMillisecond((600..<830).contains(index) ? index != 600 : index % 7 != 0)
                gap.append(await fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "burst \(index)"))
            }
            fake.postInSameMillisecond(false)
            try await Self.closeGap(h)

            let events = try await h.events()
            let ids = events.compactMap(\.messageID)
            #expect(ids.count == Set(ids).count, "none stored twice")
            #expect(Set(ids.dropLast()) == Set([first.id] + gap.map(\.id)), "none lost")
            let times = events.map(\.occurredAt)
            #expect(times == times.sorted(), "in creation order")
        }
    }

    @Test("a backfill whose pages fail is retried with backoff from where it stopped, and completes")
    func failingPagesRetried() async throws {
        try await withHarness { h in
            let fake = h.fake
            fake.answerSince(with: .random(seed: 5))
            let gap = try await Self.missed(1100, h)
            fake.fail(next: 4, matching: "after=")
            try await Self.closeGap(h)

            let ids = try await h.storedMessageIDs()
            #expect(ids.count == Set(ids).count, "none stored twice")
            #expect(Set(gap).isSubset(of: Set(ids)), "none lost")
            let after = fake.requests.filter { $0.contains("after=") }
            #expect(after.count >= 5 && after[0] == after[3], "the failed page was asked for again: \(after.prefix(6))")
            #expect(h.sleeps.all.count >= 4, "each retry waited its backoff")
        }
    }

    @Test("a backfill that cannot complete says what is missing in readiness until it does; it is not reported done")
    func incompleteShownUntilDone() async throws {
        try await withHarness { h in
            let fake = h.fake
            fake.answerSince(with: .newest)
            let gap = try await Self.missed(1100, h)
            fake.fail(next: .max, matching: "after=")
            await fake.holdConnections(false)
            try await eventually("readiness names the missing range", within: .seconds(30)) {
                h.adapter.backfillSummary?.contains("incomplete, retrying (missing every post created after ") == true
            }
            #expect(Set(gap).isSubset(of: Set(try await h.storedMessageIDs())) == false)
            fake.fail(next: 0)
            try await eventually("the retried backfill done", within: .seconds(30)) { h.adapter.backfillSummary == nil }
            #expect(Set(gap).isSubset(of: Set(try await h.storedMessageIDs())))
        }
    }

    @Test("429 on backfill pages: the page is fetched again after Retry-After")
    func rateLimitedPages() async throws {
        try await withHarness { h in
            let fake = h.fake
            fake.answerSince(with: .newest)
            let gap = try await Self.missed(1100, h)
            fake.rateLimit(next: 2, retryAfter: 3)
            try await Self.closeGap(h)
            #expect(Set(gap).isSubset(of: Set(try await h.storedMessageIDs())))
            #expect(h.sleeps.all.filter { $0 == .seconds(3) }.count == 2, "\(h.sleeps.all)")
        }
    }
}
