@testable import HindsightBot
import Foundation
import HindsightCore
import HindsightTesting
import Testing

@Suite("Mattermost: the live incident card", .serialized)
struct MattermostCardTests {
    /// The bot's posts that are the incident's card (it always counts key events), not deleted.
    func cards(_ h: Harness) -> [FakeMattermostPost] {
        h.fake.posts(by: h.fake.botUser.id).filter { $0.message.contains("Key events:") && $0.delete_at == 0 }
    }

    @Test("posted and pinned on start, patched in place on a milestone, its signed button confirms a suggestion; never on the timeline")
    func lifecycle() async throws {
        try await withHarness(cards: true) { h in
            try await eventually("the card") { !cards(h).isEmpty }
            let card = try #require(cards(h).first)
            #expect(card.message.contains("Database down"))
            try await eventually("the card pinned") { h.fake.pinnedPosts.contains(card.id) }

            _ = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "acknowledged"
            )
            try await eventually("the milestone on the card") { cards(h).first?.message.contains("acknowledged: 20") == true }
            #expect(h.fake.requests.contains("PUT /api/v4/posts/\(card.id)/patch"))

            await h.fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "rolled back to v41; error rate back to normal")
            try await eventually("a suggestion on the card") { cards(h).first?.message.contains("Suggested: S") == true }
            let answer = try await h.fake.clickButton(on: try #require(cards(h).first), command: "confirm S", userID: TestIDs.alice.id, botURL: h.botURL)
            #expect(answer.status == 200)
            try await eventually("the suggestion answered on the card") { cards(h).first?.message.contains("Suggested: S1") == false }
            #expect(cards(h).map(\.id) == [card.id])
            #expect(try await !h.events().contains { $0.messageID == card.id })
        }
    }

    @Test("deleted by someone, the card is posted again and pinned; one deleted quietly is found gone at the next edit")
    func recreated() async throws {
        try await withHarness(cards: true) { h in
            try await eventually("the card") { !cards(h).isEmpty }
            let first = try #require(cards(h).first).id
            await h.fake.delete(postID: first)
            try await eventually("a new card") { cards(h).first.map { $0.id != first } ?? false }
            let second = try #require(cards(h).first).id
            try await eventually("the new card pinned") { h.fake.pinnedPosts.contains(second) }

            // Deleted without the event reaching the bot: the next edit gets 404 and posts the card again.
            h.fake.deleteQuietly(postID: second)
            _ = await h.bot.handle(CommandInvocation(
                channel: TestIDs.channelKey, user: Person(id: TestIDs.alice.id, name: "Alice"), text: "detected", receivedAt: Date()
            ))
            try await eventually("a third card", within: .seconds(15)) {
                cards(h).first.map { $0.id != first && $0.id != second && $0.message.contains("detected: 20") } ?? false
            }
            #expect(cards(h).count == 1)
        }
    }
}

@Suite("Mattermost: `/postmortem pin <permalink>`", .serialized)
struct MattermostPermalinkTests {
    func pin(_ h: Harness, _ link: String) async throws -> String {
        let answer = try await h.fake.slashCommand(
            to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
            text: "pin \(link)"
        )
        return answer.json?["text"]?.string ?? ""
    }

    @Test("a linked post from before the incident joins its timeline at its own time as a key event; a deleted one is refused")
    func permalink() async throws {
        try await withHarness(openIncident: false) { h in
            try await withDeadline(.seconds(60), waitingFor: "the first hello") { await h.fake.waitForSocket { $0.freshHellos >= 1 } }
            let early = h.fake.postQuietly(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "replica lag on db-2 climbing")
            let earlier = h.fake.postQuietly(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "db-2 failover drill postponed")
            try await Task.sleep(for: .milliseconds(20))
            _ = await h.bot.handle(CommandInvocation(
                channel: TestIDs.channelKey, user: Person(id: TestIDs.alice.id, name: "Alice"), text: "start Database down sev2", receivedAt: Date()))
            let answer = try await pin(h, "https://mm.example.com/eng/pl/\(early.id)")
            #expect(answer.contains("at its own time"))
            let added = try #require(try await h.events().first { $0.messageID == early.id })
            #expect(added.keyReasons.contains(.pin))
            #expect(added.occurredAt == Date(timeIntervalSince1970: Double(early.create_at) / 1000))
            #expect(added.occurredAt < (try await h.events().first { $0.milestone == .started }?.occurredAt ?? .distantPast))

            // A 📌 on another post from before the start does the same.
            await h.fake.react(userID: TestIDs.alice.id, postID: earlier.id, emoji: "pushpin")
            try await eventually("the 📌'd post on the timeline") { try await h.events().contains { $0.messageID == earlier.id } }
            let pinned = try #require(try await h.events().first { $0.messageID == earlier.id })
            #expect(pinned.keyReasons.contains(.pin))
            #expect(pinned.occurredAt == Date(timeIntervalSince1970: Double(earlier.create_at) / 1000))

            let gone = h.fake.postQuietly(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "typo")
            h.fake.deleteQuietly(postID: gone.id)
            #expect(try await pin(h, "https://mm.example.com/eng/pl/\(gone.id)").contains("cannot see that message"))
            #expect(try await !h.events().contains { $0.messageID == gone.id })
        }
    }
}

@Suite("Mattermost: guided questions in threads", .serialized)
struct MattermostThreadedQuestionTests {
    @Test("the question is a thread's root post; a reply under it answers, a post in the channel stays timeline")
    func threaded() async throws {
        try await withHarness { h in
            _ = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "summary"
            )
            try await eventually("the question") { h.fake.posts(by: h.fake.botUser.id).contains { $0.message.contains("your next message") } }
            let question = try #require(h.fake.posts(by: h.fake.botUser.id).first { $0.message.contains("your next message") })
            #expect(question.root_id.isEmpty)
            try await eventually("the thread recorded") {
                try await h.bot.store.read { try $0.conversation(of: TestIDs.alice.id, in: TestIDs.channelKey)?.threadID } == question.id
            }
            let said = await h.fake.post(channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "restarting the pool now")
            try await eventually("the channel post on the timeline") { try await h.events().contains { $0.messageID == said.id } }
            let answer = await h.fake.post(
                channelID: TestIDs.channel, userID: TestIDs.alice.id, message: "Checkout failed for 38 minutes after a config change.",
                rootID: question.id)
            try await eventually("the answer taken") {
                h.fake.ephemeralPosts.contains { $0.userID == TestIDs.alice.id && $0.message.contains("Added P1 to summary") }
            }
            #expect(try await !h.events().contains { $0.messageID == answer.id })
        }
    }
}

@Suite("Mattermost: an incident in a channel of its own", .serialized)
struct MattermostIncidentChannelTests {
    @Test("start … --channel creates ~inc-<date>-<slug> in the team, adds the declarer and @people, starts the incident there and links it")
    func declared() async throws {
        try await withHarness(openIncident: false, incidentChannels: IncidentChannels()) { h in
            try await withDeadline(.seconds(60), waitingFor: "the first hello") { await h.fake.waitForSocket { $0.freshHellos >= 1 } }
            let carol = FakeMattermostUser(id: "c4r0lc4r0lc4r0lc4r0lc4r0l0", username: "carol")
            h.fake.addUser(carol)
            h.fake.addGroup(id: "gr0upgr0upgr0upgr0upgr0up0", name: "db-oncall", members: [carol.id, TestIDs.bob.id])
            let answer = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "start Checkout down sev1 --channel @bob @db-oncall @nobody"
            )
            try await eventually("the channel") { !h.fake.createdChannels.isEmpty }
            let made = try #require(h.fake.createdChannels.first)
            let day = String(UTCFormat.day(Date()).filter(\.isNumber))
            #expect(made.name == "inc-\(day)-checkout-down")
            #expect(made.header.contains("Checkout down (sev1)"))
            try await eventually("the members") {
                Set(h.fake.createdChannels.first?.members ?? []) == [h.fake.botUser.id, TestIDs.alice.id, TestIDs.bob.id, "c4r0lc4r0lc4r0lc4r0lc4r0l0"]
            }
            let there = ChannelKey(platform: .mattermost, channelID: made.id)
            try await eventually("the incident open there") { try await !h.bot.openTimeline(in: there).isEmpty }
            // The command's answer, in the channel it was declared from: the link (in_channel) and what did not work.
            let responses = [answer.json].compactMap { $0 } + (answer.json?["extra_responses"]?.arrayValue ?? [])
            #expect(responses.contains { $0["response_type"]?.string == "ephemeral" && ($0["text"]?.string ?? "").contains("@nobody") })
            try await eventually("the link where it was declared") {
                h.fake.posts(by: h.fake.botUser.id).contains { $0.channel_id == TestIDs.channel && $0.message.contains("~\(made.name)") }
            }
            try await eventually("the start said in the new channel") {
                h.fake.posts(by: h.fake.botUser.id).contains { $0.channel_id == made.id && $0.message.contains("Checkout down") }
            }
        }
    }
}
