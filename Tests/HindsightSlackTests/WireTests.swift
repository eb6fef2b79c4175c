import Foundation
import HindsightCore
import HindsightPrompts
import HindsightTesting
import Testing
@testable import HindsightSlack

/// Names without a directory.
struct IDNames: UserNameLookup {
    func displayName(of userID: String) async -> String { "name-of-\(userID)" }
}

@Suite struct SocketFrameTests {
    @Test func helloCarriesTheRefreshHint() throws {
        let frame = try SocketFrame.decode(##"{"type":"hello","num_connections":2,"debug_info":{"host":"applink-1","build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A0123"}}"##)
        guard case let .hello(connections, refreshAfter) = frame else { Issue.record("not hello: \(frame)"); return }
        #expect(connections == 2)
        #expect(refreshAfter == 18060)
    }

    @Test func disconnectReasons() throws {
        for reason in ["warning", "refresh_requested", "link_disabled"] {
            let frame = try SocketFrame.decode(#"{"type":"disconnect","reason":"\#(reason)","debug_info":{"host":"h"}}"#)
            guard case .disconnect(let got) = frame else { Issue.record("not disconnect"); continue }
            #expect(got == reason)
        }
    }

    @Test func eventsEnvelopeWithRetry() throws {
        let frame = try SocketFrame.decode(##"{"envelope_id":"e-1","type":"events_api","accepts_response_payload":false,"retry_attempt":2,"retry_reason":"timeout","payload":{"token":"t","team_id":"T0","api_app_id":"A0","type":"event_callback","event_id":"Ev01","event_time":1700000000,"event":{"type":"message","channel":"C1","channel_type":"channel","user":"U1","text":"rolling back","ts":"1700000000.000100","event_ts":"1700000000.000100","thread_ts":"1700000000.000050"}}}"##)
        guard case .events(let envelope) = frame else { Issue.record("not events: \(frame)"); return }
        #expect(envelope.id == "e-1")
        #expect(envelope.retryAttempt == 2)
        #expect(envelope.payload.event_id == "Ev01")
        #expect(envelope.payload.event.text == "rolling back")
        #expect(envelope.payload.event.thread_ts == "1700000000.000050")
    }

    @Test func anEnvelopeWithAnUnreadablePayloadIsStillAcknowledgeable() throws {
        let wrongType = try SocketFrame.decode(#"{"envelope_id":"e-2","type":"events_api","payload":{"event":{"type":42}}}"#)
        guard case .unreadable(let id, let type, _) = wrongType else { Issue.record("decoded a wrong payload: \(wrongType)"); return }
        #expect(id == "e-2")
        #expect(type == "events_api")
        let unknown = try SocketFrame.decode(#"{"envelope_id":"e-3","type":"workflow_step","payload":{}}"#)
        guard case .unreadable(let unknownID, _, _) = unknown else { Issue.record("unknown type decoded: \(unknown)"); return }
        #expect(unknownID == "e-3")
    }

    @Test func framesThatAreNotSocketModeThrow() {
        for text in ["", "null", "[1,2]", #"{"envelope_id":"x"}"#, #"{"type":"events_api"}"#, String(repeating: "[", count: 5000)] {
            #expect(throws: (any Error).self) { try SocketFrame.decode(text) }
        }
    }

    @Test func acksAreValidJSON() throws {
        #expect(SocketFrame.ack("abc") == #"{"envelope_id":"abc"}"#)
        let withPayload = SocketFrame.ack("a\"b", payload: Data(#"{"text":"hi"}"#.utf8))
        let object = try JSONSerialization.jsonObject(with: Data(withPayload.utf8)) as? [String: Any]
        #expect(object?["envelope_id"] as? String == "a\"b")
        #expect((object?["payload"] as? [String: Any])?["text"] as? String == "hi")
        // Whatever an envelope id holds, the ack reads back as that id.
        for id in ["", "a\\b", "q\"uote", "line\nbreak\ttab\r", "\u{01}\u{1f}\u{7f}", "slash/es", "é€😀", "ok-123_ABC"] {
            let ack = try JSONSerialization.jsonObject(with: Data(SocketFrame.ack(id).utf8)) as? [String: Any]
            #expect(ack?["envelope_id"] as? String == id, "\(id.debugDescription)")
        }
    }

    @Test func slashCommandAndInteractivePayloads() throws {
        let slash = try SocketFrame.decode(#"{"envelope_id":"s1","type":"slash_commands","accepts_response_payload":true,"payload":{"token":"t","team_id":"T","team_domain":"d","channel_id":"C1","channel_name":"inc","user_id":"U1","user_name":"ana","command":"/postmortem","text":"status","api_app_id":"A","response_url":"https://hooks/x","trigger_id":"tr"}}"#)
        guard case .slashCommand(let command) = slash else { Issue.record("not a slash command"); return }
        #expect(command.payload.text == "status")
        #expect(command.payload.trigger_id == "tr")
        let submission = try SocketFrame.decode(#"{"envelope_id":"i1","type":"interactive","payload":{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"note","private_metadata":"{}","state":{"values":{"due":{"v":{"type":"datepicker","selected_date":"2026-12-01"}},"owner":{"v":{"type":"users_select","selected_user":"U2"}},"text":{"v":{"type":"plain_text_input","value":"Add an alert"}},"sev":{"v":{"type":"static_select","selected_option":{"value":"SEV2"}}}}}}}}"#)
        guard case .interactive(let interactive) = submission else { Issue.record("not interactive"); return }
        let values = interactive.payload.view?.state?.values
        #expect(values?["due"]?["v"]?.text == "2026-12-01")
        #expect(values?["owner"]?["v"]?.text == "U2")
        #expect(values?["text"]?["v"]?.text == "Add an alert")
        #expect(values?["sev"]?["v"]?.text == "SEV2")
    }
}

@Suite struct EventTranslatorTests {
    let translator = EventTranslator(botUserID: "U0BOT", botID: "B0BOT")

    func event(_ json: String) throws -> SlackEvent {
        try SafeJSON.decode(SlackEvent.self, from: Data(json.utf8))
    }

    @Test func aPlainMessageWithThreadAndFiles() async throws {
        let inputs = await translator.inputs(for: try event(##"{"type":"message","channel":"C1","user":"U1","text":"see graph","ts":"1700000000.000200","thread_ts":"1700000000.000100","files":[{"id":"F1","name":"graph.png","permalink":"https://x/F1"}]}"##), names: IDNames())
        guard case .message(let message)? = inputs.first else { Issue.record("no message: \(inputs)"); return }
        #expect(inputs.count == 1)
        #expect(message.channel == ChannelKey(platform: .slack, channelID: "C1"))
        #expect(message.messageID == "1700000000.000200")
        #expect(message.author == Person(id: "U1", name: "name-of-U1"))
        #expect(message.threadParentID == "1700000000.000100")
        #expect(abs(message.sentAt.timeIntervalSince1970 - 1_700_000_000.0002) < 0.000_01)
        #expect(message.attachments == [Attachment(name: "graph.png", url: "https://x/F1")])
    }

    @Test func aThreadParentIsNotItsOwnReply() async throws {
        let inputs = await translator.inputs(for: try event(#"{"type":"message","channel":"C1","user":"U1","text":"x","ts":"1.5","thread_ts":"1.5"}"#), names: IDNames())
        guard case .message(let message)? = inputs.first else { Issue.record("no message"); return }
        #expect(message.threadParentID == nil)
    }

    @Test func editsAndDeletions() async throws {
        let edit = await translator.inputs(for: try event(#"{"type":"message","subtype":"message_changed","channel":"C1","hidden":true,"ts":"9.0","event_ts":"9.0","message":{"type":"message","user":"U1","text":"new","ts":"5.0","edited":{"user":"U1","ts":"8.0"}},"previous_message":{"user":"U1","text":"old","ts":"5.0"}}"#), names: IDNames())
        #expect(edit == [.edit(channel: ChannelKey(platform: .slack, channelID: "C1"), messageID: "5.0", newText: "new", editedAt: Date(timeIntervalSince1970: 8))])
        let deletion = await translator.inputs(for: try event(#"{"type":"message","subtype":"message_deleted","channel":"C1","hidden":true,"deleted_ts":"5.0","event_ts":"10.0","previous_message":{"user":"U1","text":"old","ts":"5.0"}}"#), names: IDNames())
        #expect(deletion == [.deletion(channel: ChannelKey(platform: .slack, channelID: "C1"), messageID: "5.0", deletedAt: Date(timeIntervalSince1970: 10))])
    }

    @Test("the bot's own messages (its user id or its bot id) are marked for the pipeline to drop; other bots' are not")
    func theBotsOwnMessagesAreMarkedOtherBotsAreNot() async throws {
        let pipeline = CapturePipeline.standard(redact: { $0 })
        for own in [
            #"{"type":"message","channel":"C1","user":"U0BOT","bot_id":"B0BOT","text":"Incident started","ts":"1.0"}"#,
            #"{"type":"message","subtype":"bot_message","channel":"C1","bot_id":"B0BOT","text":"Incident started","ts":"1.5"}"#,
        ] {
            let inputs = await translator.inputs(for: try event(own), names: IDNames())
            guard case .message(let message)? = inputs.first else { Issue.record("own message not translated: \(own)"); continue }
            #expect(message.isFromThisBot)
            #expect(pipeline.run(.message(message)) == .drop(.fromThisBot))
        }
        let alert = await translator.inputs(for: try event(#"{"type":"message","subtype":"bot_message","channel":"C1","bot_id":"B0ALERTS","text":"CPU high","ts":"2.0"}"#), names: IDNames())
        guard case .message(let message)? = alert.first else { Issue.record("other bot skipped"); return }
        #expect(message.author.id == "B0ALERTS")
        #expect(message.isFromIntegration && !message.isFromThisBot)
        let person = await translator.inputs(for: try event(#"{"type":"message","channel":"C1","user":"U1","text":"ack","ts":"3.0"}"#), names: IDNames())
        guard case .message(let said)? = person.first else { Issue.record("person skipped"); return }
        #expect(!said.isFromIntegration)
    }

    @Test func joinsAreCapturedTopicChangesAreNot() async throws {
        let join = await translator.inputs(for: try event(#"{"type":"message","subtype":"channel_join","channel":"C1","user":"U2","text":"<@U2> has joined the channel","ts":"3.0"}"#), names: IDNames())
        #expect(join.count == 1)
        let topic = await translator.inputs(for: try event(#"{"type":"message","subtype":"channel_topic","channel":"C1","user":"U2","text":"set the topic","ts":"4.0"}"#), names: IDNames())
        #expect(topic.isEmpty)
    }

    @Test func reactionsAndPins() async throws {
        let reaction = await translator.inputs(for: try event(#"{"type":"reaction_added","user":"U1","reaction":"pushpin","item":{"type":"message","channel":"C1","ts":"5.0"},"item_user":"U2","event_ts":"6.0"}"#), names: IDNames())
        #expect(reaction == [.reaction(channel: ChannelKey(platform: .slack, channelID: "C1"), messageID: "5.0", emoji: "pushpin", by: Person(id: "U1", name: "name-of-U1"), added: true)])
        let removed = await translator.inputs(for: try event(#"{"type":"reaction_removed","user":"U1","reaction":"pushpin","item":{"type":"message","channel":"C1","ts":"5.0"}}"#), names: IDNames())
        guard case .reaction(_, _, _, _, let added, _)? = removed.first else { Issue.record("no reaction"); return }
        #expect(!added)
        let onAFile = await translator.inputs(for: try event(#"{"type":"reaction_added","user":"U1","reaction":"pushpin","item":{"type":"file","file":"F1"}}"#), names: IDNames())
        #expect(onAFile.isEmpty)
        let pin = await translator.inputs(for: try event(#"{"type":"pin_added","user":"U1","channel_id":"C1","item":{"type":"message","channel":"C1","message":{"user":"U2","text":"root cause","ts":"5.0"}},"event_ts":"7.0"}"#), names: IDNames())
        #expect(pin == [.pin(channel: ChannelKey(platform: .slack, channelID: "C1"), messageID: "5.0", by: Person(id: "U1", name: "name-of-U1"), added: true)])
        // The bot's own reaction and pin are marked for the pipeline to drop.
        let own = await translator.inputs(for: try event(#"{"type":"reaction_added","user":"U0BOT","reaction":"white_check_mark","item":{"type":"message","channel":"C1","ts":"5.0"}}"#), names: IDNames())
        guard case .reaction(_, _, _, _, _, let fromThisBot)? = own.first else { Issue.record("no reaction"); return }
        #expect(fromThisBot)
        #expect(CapturePipeline.standard(redact: { $0 }).run(own[0]) == .drop(.fromThisBot))
        let ownPin = await translator.inputs(for: try event(#"{"type":"pin_added","user":"U0BOT","channel_id":"C1","item":{"type":"message","channel":"C1","message":{"user":"U0BOT","text":"card","ts":"5.0"}}}"#), names: IDNames())
        guard case .pin(_, _, _, _, let pinnedByBot)? = ownPin.first else { Issue.record("no pin"); return }
        #expect(pinnedByBot)
    }

    @Test func historyMessagesCarryTheirEdit() async throws {
        let message = try SafeJSON.decode(SlackMessage.self, from: Data(#"{"type":"message","user":"U1","text":"fixed","ts":"5.0","edited":{"user":"U1","ts":"6.0"}}"#.utf8))
        let inputs = await translator.inputs(forHistory: message, in: "C1", names: IDNames())
        #expect(inputs.count == 2)
        guard case .edit(_, let id, let text, _)? = inputs.last else { Issue.record("no edit"); return }
        #expect(id == "5.0")
        #expect(text == "fixed")
    }
}

@Suite struct SlackTextTests {
    @Test(arguments: [
        ("**Incident started**", "*Incident started*"),
        ("## Timeline", "*Timeline*"),
        ("- first\n- second", "• first\n• second"),
        ("see [the runbook](https://wiki/run?a=1&b=2)", "see <https://wiki/run?a=1&b=2|the runbook>"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("ping <@U123> in <#C1|inc> <!here>", "ping <@U123> in <#C1|inc> <!here>"),
        ("`**not bold** <x>`", "`**not bold** &lt;x&gt;`"),
        ("```\n**raw** <tag>\n```", "```\n**raw** &lt;tag&gt;\n```"),
        ("<script>", "&lt;script&gt;"),
    ])
    func markdownBecomesMrkdwn(markdown: String, mrkdwn: String) {
        #expect(SlackText.mrkdwn(markdown) == mrkdwn)
    }
}

@Suite struct ModalTests {
    let form = Form(id: "action", title: "Add an action item to the post-mortem", submitLabel: "Save", fields: [
        .init(name: "text", label: "What", kind: .multiline),
        .init(name: "owner", label: "Owner", kind: .user),
        .init(name: "due", label: "Due", kind: .date, optional: true, hint: "YYYY-MM-DD"),
        .init(name: "priority", label: "Priority", kind: .select([.init(label: "P1", value: "p1"), .init(label: "P2", value: "p2")]), initialValue: "p2"),
    ], context: "INC-7")

    @Test func aFormBecomesAModalSlackAccepts() throws {
        let view = ModalRendering.view(for: form, channel: "C1")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(view)) as? [String: Any]
        #expect(json?["type"] as? String == "modal")
        #expect(json?["callback_id"] as? String == "action")
        #expect(((json?["title"] as? [String: Any])?["text"] as? String)?.count ?? 99 <= 24)
        let blocks = json?["blocks"] as? [[String: Any]] ?? []
        #expect(blocks.map { $0["block_id"] as? String } == ["text", "owner", "due", "priority"])
        let elements = blocks.map { $0["element"] as? [String: Any] ?? [:] }
        #expect(elements.map { $0["type"] as? String } == ["plain_text_input", "users_select", "datepicker", "static_select"])
        #expect(elements.allSatisfy { $0["action_id"] as? String == "v" })
        #expect(((elements[3]["initial_option"] as? [String: Any])?["value"] as? String) == "p2")
        #expect(blocks[2]["optional"] as? Bool == true)
    }

    @Test func aSubmissionComesBackWithItsChannelAndContext() throws {
        let view = ModalRendering.view(for: form, channel: "C9")
        let metadata = String(decoding: try JSONEncoder().encode(view.privateMetadata), as: UTF8.self)
        let state = try SafeJSON.decode(InteractivePayload.View.self, from: Data("""
            {"id":"V1","callback_id":"action","private_metadata":\(metadata),
             "state":{"values":{"text":{"v":{"type":"plain_text_input","value":"Alert on queue depth"}},"owner":{"v":{"type":"users_select","selected_user":"U2"}},"due":{"v":{"type":"datepicker","selected_date":null}},"priority":{"v":{"type":"static_select","selected_option":{"value":"p1"}}}}}}
            """.utf8))
        let submission = try #require(ModalRendering.submission(state, user: Person(id: "U1", name: "ana"), at: Date(timeIntervalSince1970: 0)))
        #expect(submission.formID == "action")
        #expect(submission.context == "INC-7")
        #expect(submission.channel == ChannelKey(platform: .slack, channelID: "C9"))
        #expect(submission.values == ["text": "Alert on queue depth", "owner": "U2", "priority": "p1"])
        let errors = try #require(ModalRendering.errorsResponse(["due": "must be a date", "form": "store failed"], view: state))
        let decoded = try JSONSerialization.jsonObject(with: errors) as? [String: Any]
        #expect(decoded?["response_action"] as? String == "errors")
        let keyed = decoded?["errors"] as? [String: String] ?? [:]
        #expect(keyed["due"]?.contains("must be a date") == true)
        #expect(keyed.values.contains { $0.contains("store failed") })
        #expect(Set(keyed.keys).isSubset(of: ["text", "owner", "due", "priority"]))
    }
}

@Suite struct SlackConfigurationTests {
    @Test func fromTheEnvironment() throws {
        #expect(try SlackConfiguration.fromEnvironment([:]) == nil)
        let configuration = try #require(try SlackConfiguration.fromEnvironment([
            "SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-2", "SLACK_API_URL": "http://127.0.0.1:9/api", "SLACK_CONNECTIONS": "3",
        ]))
        #expect(configuration.apiURL == "http://127.0.0.1:9/api/")
        #expect(configuration.connections == 3)
    }

    @Test func mistakesSayWhatToFix() {
        #expect(throws: SlackConfigurationError.missing("SLACK_BOT_TOKEN", because: "SLACK_APP_TOKEN is set")) {
            try SlackConfiguration.fromEnvironment(["SLACK_APP_TOKEN": "xapp-1"])
        }
        #expect(throws: SlackConfigurationError.wrongToken("SLACK_APP_TOKEN", expected: "xapp-")) {
            try SlackConfiguration.fromEnvironment(["SLACK_APP_TOKEN": "xoxb-1", "SLACK_BOT_TOKEN": "xoxb-2"])
        }
        #expect(throws: SlackConfigurationError.invalidConnections("11")) {
            try SlackConfiguration.fromEnvironment(["SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-2", "SLACK_CONNECTIONS": "11"])
        }
        #expect(SlackConfigurationError.wrongToken("SLACK_BOT_TOKEN", expected: "xoxb-").description.contains("OAuth & Permissions"))
    }
}

@Suite struct SlackSentencesTests {
    @Test("the shipped Prompts/ have every sentence the Slack adapter says, with the placeholders it gives them")
    func shipped() throws {
        let prompts = try PromptSet(directory: TestBot.prompts)
        try prompts.check(SlackMessageKey.self)
        #expect(prompts.messages.render(SlackMessageKey.missingScope, ["scope": "pins:write"]).contains("pins:write"))
    }
}
