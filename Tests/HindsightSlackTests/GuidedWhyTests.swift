@testable import HindsightBot
import Foundation
import HindsightCore
import HindsightTesting
import Testing

@Suite("The 5 whys guided through modals on Slack")
struct SlackGuidedWhyTests {
    static let chain = [
        "Search queries timed out in every region",
        "The search cluster lost two of its three nodes",
        "A kernel upgrade rebooted those nodes at the same time",
        "The upgrade job does not stagger reboots within a cluster",
        "Its rollout policy has no per-cluster concurrency limit",
    ]

    @Test("/postmortem why opens a modal; every submitted why posts the next level's question with a button whose click opens that level's modal, until the root cause is proposed")
    func chainThroughModals() async throws {
        try await withSlack { h in
            _ = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "why")
            try await eventually("the level 1 modal") { h.fake.openedViews.count == 1 }
            var view = try #require(h.fake.openedViews.last)
            for (index, answer) in Self.chain.enumerated() {
                let level = index + 1
                let submitted = try await h.fake.submitView(id: try #require(view["id"]?.string), user: Slack.alice, values: ["text": .text(answer)])
                #expect(submitted.payload?["response_action"] == nil, "level \(level) accepted: \(String(describing: submitted.payload))")
                let whys = try await h.whys()
                #expect(whys.map(\.text) == Array(Self.chain.prefix(level)))
                guard level < Self.chain.count else { break }

                // The next level's question, with the guided conversation's words and a button for its modal.
                let entry = try #require(whys.last)
                let question = h.bot.desk.guide.ask(.whyNext, ["answer": entry.text, "level": "\(level + 1)"])
                let (message, button) = try await h.nextWhyButton(answering: entry.reference)
                #expect(message["text"]?.string == question)
                let opened = h.calls("views.open").count
                let click = try await h.click(message, button)
                // Answered, not only received: the fake records a call when it arrives and its status once it answers.
                try await eventually("views.open for level \(level + 1)") {
                    h.calls("views.open").count == opened + 1 && h.calls("views.open").last?.status != 0
                }
                let call = try #require(h.calls("views.open").last)
                #expect(call.arguments["trigger_id"]?.string == click.triggerID, "the modal opened with the click's trigger_id")
                #expect(call.status == 200)
                try await eventually("the level \(level + 1) modal") { h.fake.openedViews.count == level + 1 }
                view = try #require(h.fake.openedViews.last)
                #expect(view["callback_id"]?.string == "why")
                #expect(view["blocks"]?[0]?["hint"]?["text"]?.string == question, "the modal asks the level's question")
            }

            // Five whys deep: the root cause is proposed, and no sixth level is asked.
            try await eventually("the root cause proposal") {
                h.fake.botMessages(in: Slack.channel).contains { $0["text"]?.string?.contains("rootcause confirm") == true }
            }
            let whys = try await h.whys()
            #expect(whys.map(\.text) == Self.chain, "the draft holds the chain in order")
            #expect(zip(whys.dropFirst(), whys).allSatisfy { $0.parent == $1.number }, "each why answers the one before it")
            #expect(whys.first?.parent == nil)
            let buttons = h.fake.botMessages(in: Slack.channel).flatMap(\.buttonValues)
            #expect(!buttons.contains("why under \(try #require(whys.last).reference)"), "no button after the root cause")
            #expect(h.calls("views.open").count == Self.chain.count)
        }
    }

    @Test("a level answered already opens no second modal: a stale click is refused, and a second modal opened before the answer cannot answer it again")
    func staleAndDuplicateClicks() async throws {
        try await withSlack { h in
            _ = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "why")
            try await eventually("the level 1 modal") { h.fake.openedViews.count == 1 }
            let first = try #require(h.fake.openedViews.last?["id"]?.string)
            _ = try await h.fake.submitView(id: first, user: Slack.alice, values: ["text": .text(Self.chain[0])])
            let p1 = try #require(try await h.whys().first)
            let (message, button) = try await h.nextWhyButton(answering: p1.reference)

            // A double click: both open a modal for level 2 (nothing answered it yet). The first submission answers it;
            // the second is refused in the modal, so level 2 keeps one answer.
            _ = try await h.click(message, button)
            try await eventually("the first level 2 modal") { h.fake.openedViews.count == 2 }
            _ = try await h.click(message, button, seen: message)
            try await eventually("the second level 2 modal") { h.fake.openedViews.count == 3 }
            let views = h.fake.openedViews.suffix(2).compactMap { $0["id"]?.string }
            let answered = try await h.fake.submitView(id: views[0], user: Slack.alice, values: ["text": .text(Self.chain[1])])
            #expect(answered.payload?["response_action"] == nil)
            let again = try await h.fake.submitView(id: views[1], user: Slack.bob, values: ["text": .text("A different second why")])
            #expect(again.payload?["response_action"]?.string == "errors")
            #expect(again.payload?["errors"]?["text"]?.string?.contains(p1.reference) == true)
            #expect(try await h.whys().map(\.text) == Array(Self.chain.prefix(2)))

            // A stale click on the answered level's button (a client that still shows it): no modal, an explanation.
            let opened = h.calls("views.open").count
            let posts = h.fake.responseURLPosts.count
            _ = try await h.click(message, button, seen: message)
            try await eventually("the refusal") {
                h.fake.responseURLPosts.dropFirst(posts).contains { $0["text"]?.string?.contains(p1.reference) == true }
            }
            #expect(h.calls("views.open").count == opened, "no second modal for a level already answered")
            #expect(try await h.whys().count == 2)
        }
    }
}

extension SlackHarness {
    /// The whys of the open incident's post-mortem, in the order they were added.
    func whys() async throws -> [PostmortemEntry] {
        try await bot.store.read { tx in
            guard let incident = try tx.openIncident(in: Slack.channelKey) else { return [] }
            return try tx.postmortem(of: incident.id)?.entries(in: .why) ?? []
        }
    }

    /// The bot's message with the button that opens the modal answering `reference`, once it is posted.
    func nextWhyButton(answering reference: String) async throws -> (message: FakeJSON, button: FakeJSON) {
        let command = "why under \(reference)"
        try await eventually("the question answering \(reference), with its button") {
            fake.botMessages(in: Slack.channel).contains { $0.buttonValues.contains(command) }
        }
        let message = try #require(fake.botMessages(in: Slack.channel).last { $0.buttonValues.contains(command) })
        let button = try #require(message.buttons.first { $0["value"]?.string == command })
        return (message, button)
    }

    func click(_ message: FakeJSON, _ button: FakeJSON, seen: FakeJSON? = nil) async throws -> FakeSlackAck {
        try await fake.clickButton(
            channel: Slack.channel, user: Slack.alice, messageTS: try #require(message["ts"]?.string),
            actionID: try #require(button["action_id"]?.string), value: try #require(button["value"]?.string), seen: seen
        )
    }
}

extension FakeJSON {
    /// The buttons in a message's `actions` blocks.
    var buttons: [FakeJSON] {
        (self["blocks"]?.array ?? []).filter { $0["type"]?.string == "actions" }.flatMap { $0["elements"]?.array ?? [] }
    }

    var buttonValues: [String] { buttons.compactMap { $0["value"]?.string } }
}
