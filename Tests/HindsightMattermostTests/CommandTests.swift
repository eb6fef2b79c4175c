@testable import HindsightBot
import Foundation
import HindsightCore
import HindsightServer
import HindsightTesting
import Testing

@Suite("Slash commands, dialogs and REST behaviour")
struct CommandTests {
    @Test("a slash command with a wrong token is refused with 401 and nothing is stored")
    func wrongToken() async throws {
        try await withHarness(openIncident: false) { h in
            let response = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: "wrong-token", channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "start Payments failing sev1"
            )
            #expect(response.status == 401)
            let count = try await h.bot.store.read { tx in try tx.eventCount() }
            let incident = try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) }
            #expect(count == 0)
            #expect(incident == nil)
        }
    }

    @Test("a slash command with the right token runs and answers in the channel")
    func rightToken() async throws {
        try await withHarness(openIncident: false) { h in
            let response = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "start Payments failing sev1"
            )
            #expect(response.status == 200)
            #expect(response.json?["response_type"]?.string == "in_channel")
            #expect(response.json?["text"]?.string?.isEmpty == false)
            let incident = try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) }
            #expect(incident?.title == "Payments failing")
        }
    }

    @Test("/postmortem start with no title opens a dialog; a field error keeps it open, then a valid submission starts the incident")
    func dialogRoundTrip() async throws {
        try await withHarness(openIncident: false) { h in
            let response = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "start", triggerID: "tr1gger"
            )
            #expect(response.status == 200)
            let dialog = try #require(h.fake.openedDialogs.first)
            #expect(dialog["trigger_id"]?.string == "tr1gger")
            #expect(dialog["url"]?.string == "https://bot.example.com/mattermost/dialog")
            let callbackID = try #require(dialog["dialog"]?["callback_id"]?.string)
            let state = dialog["dialog"]?["state"]?.string ?? ""
            // The fake delivers the submission to the bot's server (the public URL would proxy to it).
            let rejected = try await h.fake.submitDialog(
                to: h.botURL + "/mattermost/dialog", callbackID: callbackID, state: state, channelID: TestIDs.channel,
                userID: TestIDs.alice.id, submission: ["title": .string("")]
            )
            #expect(rejected.status == 200)
            #expect(rejected.json?["errors"]?["title"]?.string?.isEmpty == false)
            #expect(try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) } == nil)
            let accepted = try await h.fake.submitDialog(
                to: h.botURL + "/mattermost/dialog", callbackID: callbackID, state: state, channelID: TestIDs.channel,
                userID: TestIDs.alice.id, submission: ["title": .string("Checkout errors"), "severity": .string("sev2")]
            )
            #expect(accepted.status == 200)
            #expect(accepted.json == .object([:]))
            let incident = try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) }
            #expect(incident?.title == "Checkout errors")
            // The acceptance replies are posted over REST afterwards.
            try await eventually("the bot's reply posted") { !h.fake.posts(by: h.fake.botUser.id).isEmpty || !h.fake.ephemeralPosts.isEmpty }
        }
    }
}

@Suite("Message buttons")
struct ButtonTests {
    @Test("a click on a button the bot signed runs its /postmortem command for the person who clicked")
    func click() async throws {
        try await withHarness { h in
            let token = TestIDs.callbacks.issue(.button, purpose: "severity sev1", channelID: TestIDs.channel)
            let response = try await h.fake.clickButton(
                to: h.botURL + "/mattermost/action", context: .object(["command": .string("severity sev1"), "token": .string(token)]),
                channelID: TestIDs.channel, userID: TestIDs.bob.id, postID: "p0stp0stp0stp0stp0stp0stp0"
            )
            #expect(response.status == 200)
            let incident = try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) }
            #expect(incident?.severity.rawValue == "sev1")
        }
    }
}

@Suite("Slash command answers over the post limit")
struct LongAnswerTests {
    @Test("an answer longer than the post limit continues in extra_responses, nothing cut")
    func extraResponses() async throws {
        try await withHarness(openIncident: false, maxPostLength: 120) { h in
            let response = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "help"
            )
            #expect(response.status == 200)
            let json = try #require(response.json)
            guard case .array(let extra)? = json["extra_responses"] else { Issue.record("no extra_responses"); return }
            let texts = [json["text"]?.string ?? ""] + extra.compactMap { $0["text"]?.string }
            #expect(texts.allSatisfy { $0.unicodeScalars.count <= 120 })
            let whole = texts.joined()
            #expect(whole.contains("/postmortem start"))
            #expect(whole.unicodeScalars.count > 120)
        }
    }
}

@Suite("Publishing the report on Mattermost")
struct MattermostPublishTests {
    @Test("publish posts the summary with the report file in the incident channel and in a stakeholder channel")
    func publishToStakeholders() async throws {
        try await withHarness { h in
            let stakeholders = "st4keh0lderst4keh0lderst4k"
            h.fake.addChannel(id: stakeholders, name: "leadership")
            let response = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
                text: "publish --force to ~\(stakeholders)"
            )
            #expect(response.status == 200)
            let bot = h.fake.botUser.id
            try await eventually("the report in both channels") {
                let withFiles = h.fake.posts(by: bot).filter { !($0.file_ids ?? []).isEmpty }
                return Set(withFiles.map(\.channel_id)) == [TestIDs.channel, stakeholders]
            }
            let posts = h.fake.posts(by: bot)
            #expect(posts.contains { $0.channel_id == TestIDs.channel && $0.message.contains("post-mortem published") })
            #expect(posts.contains { $0.channel_id == stakeholders && $0.message.contains("Post-mortem of") })
        }
    }
}
