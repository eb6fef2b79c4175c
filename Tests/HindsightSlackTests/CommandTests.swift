@testable import HindsightBot
import Foundation
import HindsightCore
import HindsightTesting
import Testing

@Suite("Slash commands, modals and buttons over Socket Mode")
struct SlackCommandTests {
    @Test("a command is answered in its acknowledgement: ephemeral by default, in_channel for what everyone should see")
    func answeredInTheAck() async throws {
        try await withSlack(openIncident: false) { h in
            let started = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "start Payments are failing sev1")
            #expect(started.latency < .seconds(3))
            #expect(started.payload?["response_type"]?.string == "in_channel")
            #expect(started.payload?["text"]?.string?.contains("Payments are failing") == true)
            let status = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.bob, text: "status")
            #expect(status.payload?["response_type"]?.string == "ephemeral")
            let unknown = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.bob, text: "frobnicate")
            #expect(unknown.payload?["text"]?.string?.contains("help") == true, "an unknown subcommand says how to get help")
            let open = try await h.bot.store.read { tx in try tx.openIncident(in: Slack.channelKey) }
            #expect(open?.title == "Payments are failing")
        }
    }

    @Test("slash command → modal → field errors → valid submission")
    func modalRoundTrip() async throws {
        try await withSlack { h in
            let ack = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "note")
            #expect(ack.latency < .seconds(3))
            try await eventually("the modal opened") { !h.fake.openedViews.isEmpty }
            let view = try #require(h.fake.openedViews.first)
            let viewID = try #require(view["id"]?.string)
            #expect(view["callback_id"]?.string == "note")

            let rejected = try await h.fake.submitView(id: viewID, user: Slack.alice, values: ["text": .text("Failed over to the replica"), "at": .text("yesterday-ish o'clock")])
            #expect(rejected.payload?["response_action"]?.string == "errors")
            #expect(rejected.payload?["errors"]?["at"]?.string != nil, "the error sits on the time field")

            let accepted = try await h.fake.submitView(id: viewID, user: Slack.alice, values: ["text": .text("Failed over to the replica")])
            #expect(accepted.payload == nil || accepted.payload?["response_action"] == nil, "an accepted submission closes the modal")
            try await eventually("the note on the timeline") { try await h.events().contains { $0.text == "Failed over to the replica" } }
        }
    }

    @Test("an action item through a modal: user picker, date picker and priority come back as the item")
    func actionItemModal() async throws {
        try await withSlack { h in
            _ = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "action")
            try await eventually("the modal opened") { h.fake.openedViews.contains { $0["callback_id"]?.string == "action" } }
            let view = try #require(h.fake.openedViews.first { $0["callback_id"]?.string == "action" })
            let ack = try await h.fake.submitView(id: try #require(view["id"]?.string), user: Slack.alice, values: [
                "text": .text("Alert on replication lag above 30 s"), "owner": .user(Slack.bob), "due": .date("2026-12-15"),
                "priority": .option("P1"),
            ])
            #expect(ack.payload?["response_action"] == nil, "\(String(describing: ack.payload))")
            try await eventually("the item in the draft") {
                try await h.bot.store.read { tx in
                    guard let incident = try tx.openIncident(in: Slack.channelKey) else { return false }
                    return try tx.postmortem(of: incident.id)?.actions.first?.owner == "<@\(Slack.bob)>"
                }
            }
        }
    }

    @Test("a suggested milestone's buttons confirm it, and the message then shows who chose")
    func buttonsConfirmASuggestion() async throws {
        try await withSlack { h in
            await h.fake.postMessage(channel: Slack.channel, user: Slack.bob, text: "we rolled back the deploy and errors are back to normal")
            try await eventually("a suggestion with buttons") {
                h.fake.botMessages(in: Slack.channel).contains { message in
                    message["blocks"]?.array?.contains { $0["type"]?.string == "actions" } == true
                }
            }
            let message = try #require(h.fake.botMessages(in: Slack.channel).last { $0["blocks"] != nil })
            let actions = try #require(message["blocks"]?.array?.first { $0["type"]?.string == "actions" }?["elements"]?.array)
            let confirm = try #require(actions.first)
            _ = try await h.fake.clickButton(
                channel: Slack.channel, user: Slack.alice, messageTS: try #require(message["ts"]?.string),
                actionID: try #require(confirm["action_id"]?.string), value: try #require(confirm["value"]?.string)
            )
            try await eventually("mitigated set") {
                try await h.bot.store.read { tx in try tx.openIncident(in: Slack.channelKey)?.milestones[.mitigated] } != nil
            }
            try await eventually("the buttons replaced") { !h.calls("chat.update").isEmpty }
        }
    }

    @Test("a command in a channel the bot is not in explains how to invite it")
    func notInChannel() async throws {
        try await withSlack { h in
            _ = try await h.fake.slashCommand(channel: Slack.quiet, user: Slack.alice, text: "status")
            try await eventually("the explanation") {
                h.fake.responseURLPosts.contains { $0["text"]?.string?.contains("/invite @hindsight") == true }
            }
        }
    }

    @Test("a reply Slack cannot post (not_in_channel) is explained to the person who asked")
    func replyRefused() async throws {
        try await withSlack { h in
            // Publishing to a stakeholder channel the bot is not in: the publication fails there, and the asker hears why.
            _ = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "note rolled back to v41")
            h.adapter.post([Reply(.channel, "Status update for stakeholders")], in: Slack.quiet)
            try await eventually("the refusal was seen") { h.calls("chat.postMessage").contains { $0.arguments["channel"]?.string == Slack.quiet } }
            #expect(!h.fake.messages(in: Slack.quiet).contains { $0["text"]?.string == "Status update for stakeholders" })
        }
    }

    @Test("a 429 storm: each call waits the Retry-After of its own method, and every reply still arrives")
    func rateLimitStorm() async throws {
        try await withSlack { h in
            // Two seconds of Retry-After: a command held up behind one would be acknowledged after 2 s, and one that
            // was not still has room under the 1.5 s bound on a machine busy with the rest of the suite.
            h.fake.rateLimit(method: "chat.postMessage", next: 4, retryAfter: 2)
            h.adapter.post([Reply(.channel, "first"), Reply(.channel, "second")], in: Slack.channel)
            // Another method is not held up by chat.postMessage's limit.
            let ack = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "note")
            try await eventually("the modal opened while chat.postMessage waited") { !h.fake.openedViews.isEmpty }
            #expect(ack.latency < .milliseconds(1_500))
            try await eventually("both delivered", within: .seconds(25)) {
                let texts = h.fake.botMessages(in: Slack.channel).compactMap { $0["text"]?.string }
                return texts.contains("first") && texts.contains("second")
            }
            let posts = h.calls("chat.postMessage")
            let limited = posts.filter { $0.status == 429 }
            #expect(limited.count == 4)
            // After each 429, the next chat.postMessage came no sooner than Retry-After.
            for (index, call) in posts.enumerated() where call.status == 429 && index + 1 < posts.count {
                #expect(call.at.duration(to: posts[index + 1].at) >= .milliseconds(1_990))
            }
            let viewOpened = try #require(h.calls("views.open").first)
            let lastPost = try #require(posts.last)
            #expect(viewOpened.at < lastPost.at, "views.open did not wait for chat.postMessage")
        }
    }

    @Test("a long timeline is uploaded as a file with the current upload flow")
    func fileUpload() async throws {
        try await withSlack { h in
            for index in 0..<120 {
                await h.fake.postMessage(channel: Slack.channel, user: Slack.bob, text: "step \(index): " + String(repeating: "checking replication lag on db-\(index) ", count: 4))
            }
            try await eventually("stored", within: .seconds(20)) { try await h.storedMessageIDs().count >= 120 }
            _ = try await h.fake.slashCommand(channel: Slack.channel, user: Slack.alice, text: "timeline all")
            try await eventually("uploaded", within: .seconds(10)) { !h.fake.uploadedFiles.isEmpty }
            let file = try #require(h.fake.uploadedFiles.first)
            #expect(file.channel == Slack.channel)
            #expect(String(decoding: file.contents, as: UTF8.self).contains("step 119"))
            #expect(!h.calls("files.getUploadURLExternal").isEmpty && !h.calls("files.completeUploadExternal").isEmpty)
        }
    }
}
