import Foundation
import HindsightNet
import HindsightTesting
import Logging
import Testing

/// The fake Slack checked with Hindsight's own libcurl HTTP client and libwebsockets client, which know nothing of
/// the fake: if these pass, an adapter written from slack.md can talk to it unchanged.
@Suite("FakeSlack speaks Slack's Web API and Socket Mode to independent clients")
struct FakeSlackSelfTests {
    static let http = HTTPClient(logger: Logger(label: "fake-slack-self-tests"))
    static let channel = "C0INCIDENT"
    static let alice = "U0ALICE"

    @Test("auth.test answers the bot's identity for the bot token, and Slack's errors for missing or wrong tokens")
    func authTest() async throws {
        try await FakeSlack.run { slack in
            let good = try await Self.call(slack, "auth.test", token: slack.botToken)
            #expect(good.status == 200)
            #expect(good.json["ok"] == true)
            #expect(good.json["user_id"]?.string == "U0BOT")
            #expect(good.json["bot_id"]?.string == "B0BOT")
            #expect(good.json["team_id"]?.string == "T0TEAM")

            #expect(try await Self.call(slack, "auth.test", token: "xoxb-wrong").json["error"] == "invalid_auth")
            #expect(try await Self.call(slack, "auth.test", token: nil).json["error"] == "not_authed")
            #expect(try await Self.call(slack, "auth.test", token: slack.appToken).json["error"] == "not_allowed_token_type")
            #expect(try await Self.call(slack, "apps.connections.open", token: slack.botToken).json["error"] == "not_allowed_token_type")
            #expect(try await Self.call(slack, "no.such.method", token: slack.botToken).json["error"] == "unknown_method")
            #expect(slack.calls.map(\.method) == [
                "auth.test", "auth.test", "auth.test", "auth.test", "apps.connections.open", "no.such.method",
            ])
        }
    }

    @Test("a Socket Mode link opens with a single-use ticket, says hello, delivers an event and records its ack")
    func socketModeRoundTrip() async throws {
        try await FakeSlack.run { slack in
            slack.addChannel(id: Self.channel, name: "incident")
            let sockets = WebSocketClient(logger: Logger(label: "fake-slack-self-tests.ws"))
            defer { sockets.shutdown() }
            let url = try await Self.openURL(slack)
            #expect(url.hasPrefix("ws://127.0.0.1:") && url.contains("/link/?ticket=") && url.hasSuffix("&app_id=A0FAKE"))
            let link = try await sockets.connect(to: url)

            let hello = try await Self.nextFrame(link)
            #expect(hello["type"] == "hello")
            #expect(hello["num_connections"] == 1)
            #expect(hello["debug_info"]?["approximate_connection_time"] == 18060)
            #expect(hello["connection_info"]?["app_id"] == "A0FAKE")

            let ts = await slack.postMessage(channel: Self.channel, user: Self.alice, text: "rolling back the deploy")
            let envelope = try await Self.nextFrame(link)
            #expect(envelope["type"] == "events_api")
            #expect(envelope["accepts_response_payload"] == false)
            #expect(envelope["retry_attempt"] == 0)
            #expect(envelope["retry_reason"] == "")
            let event = envelope["payload"]?["event"]
            #expect(envelope["payload"]?["type"] == "event_callback")
            #expect(envelope["payload"]?["event_id"]?.string?.hasPrefix("Ev") == true)
            #expect(event?["type"] == "message")
            #expect(event?["channel"]?.string == Self.channel)
            #expect(event?["channel_type"] == "channel")
            #expect(event?["user"]?.string == Self.alice)
            #expect(event?["text"] == "rolling back the deploy")
            #expect(event?["ts"]?.string == ts)
            #expect(event?["event_ts"]?.string == ts)
            #expect(event?["client_msg_id"]?.string != nil)

            try link.send(text: "{not json")
            try link.send(text: #"{"envelope_id":"never-sent"}"#)
            try link.send(text: FakeJSON.object(["envelope_id": envelope["envelope_id"]!]).text)
            #expect(await slack.waitForAcks(1, timeout: .seconds(5)))
            #expect(await slack.waitFor(timeout: .seconds(5)) { $0.malformedFrames == 1 && $0.unknownAcks == 1 })
            let stats = await slack.stats
            #expect(stats.acked == 1)
            #expect(stats.ackedEvents == 1)
            #expect(stats.ackLatencies.count == 1)
            #expect(stats.hellosSent == 1)
            #expect(stats.liveConnections == 1)

            // The ticket was used: a second connection with it is closed at once.
            let reused = try await sockets.connect(to: url)
            guard case .closed(.closedByPeer(let code, _))? = try await nextElement(of: reused.events, waitingFor: "the refusal") else {
                Issue.record("a reused ticket should be refused with a close frame")
                return
            }
            #expect(code == 1008)
            #expect(await slack.stats.connectionsRefused == 1)
        }
    }

    @Test("an unacknowledged envelope comes again with a new envelope_id, the same event_id and retry_attempt 1, then is given up")
    func redelivery() async throws {
        // Three seconds of ack timeout: the test acks the redelivery within it, and with one second a CI machine
        // running the whole suite on two cores missed it (the first event was given up instead of the second).
        try await Self.withLinkedSlack(configuration: .init(ackTimeout: .seconds(3), maxRetries: 1)) { slack, link in

            await slack.postMessage(channel: Self.channel, user: Self.alice, text: "db-1 is down")
            let first = try await Self.nextFrame(link)
            let second = try await Self.nextFrame(link, within: .seconds(10))
            #expect(second["payload"]?["event_id"] == first["payload"]?["event_id"])
            #expect(second["envelope_id"] != first["envelope_id"])
            #expect(second["retry_attempt"] == 1)
            #expect(second["retry_reason"] == "timeout")
            try link.send(text: FakeJSON.object(["envelope_id": second["envelope_id"]!]).text)
            #expect(await slack.waitForAcks(1, timeout: .seconds(5)))

            await slack.postMessage(channel: Self.channel, user: Self.alice, text: "nobody acks this")
            let ignored = try await Self.nextFrame(link)
            // Given up after its delivery and one redelivery, each waiting out the ack timeout.
            #expect(await slack.waitFor(timeout: .seconds(20)) { $0.givenUp == 1 })
            let stats = await slack.stats
            #expect(stats.givenUpEventIDs == [ignored["payload"]?["event_id"]?.string ?? "?"])
            #expect(stats.redeliveries == 2)
            #expect(stats.ackedEvents == 1)
        }
    }

    @Test("the load path delivers each of many messages as its own envelope in post order, stored in history, and redelivers the ones not acknowledged")
    func loadPath() async throws {
        // Every other envelope is acknowledged as soon as it is read; ten seconds of ack timeout leave a suite that
        // keeps the test's task waiting for the cores room to do that before the rest come again.
        try await Self.withLinkedSlack(configuration: .init(ackTimeout: .seconds(10), maxRetries: 1)) { slack, link in
            let posted = (0..<40).map { (Self.channel, Self.alice, "line \($0): \"quoted\", tab\there, ünïcode ✅") }
            let stamps = await slack.postMessages(posted)
            var envelopes: [FakeJSON] = []
            for index in posted.indices {
                let envelope = try await Self.nextFrame(link)
                envelopes.append(envelope)
                if index % 2 == 0 { try link.send(text: #"{"envelope_id":""# + (envelope["envelope_id"]?.string ?? "") + #""}"#) }
            }
            #expect(envelopes.map { $0["payload"]?["event"]?["ts"]?.string ?? "?" } == stamps)
            #expect(envelopes.map { $0["payload"]?["event"]?["text"]?.string ?? "?" } == posted.map(\.2))
            #expect(Set(envelopes.compactMap { $0["payload"]?["event_id"]?.string }).count == posted.count)
            #expect(Set(envelopes.compactMap { $0["envelope_id"]?.string }).count == posted.count)
            #expect(envelopes.allSatisfy { $0["type"] == "events_api" && $0["retry_attempt"] == 0 && $0["payload"]?["team_id"] == "T0TEAM" })
            #expect(slack.messages(in: Self.channel).map { $0["ts"]?.string ?? "?" } == stamps)

            // The ones not acknowledged come again, in the order they went out, with a new envelope id and the same
            // event id. (An acknowledged one may come again too when the suite keeps the fake from reading its ack
            // for longer than the timeout, as Slack would redeliver it.)
            let unacked = envelopes.enumerated().filter { $0.offset % 2 == 1 }.map { $0.element["payload"]?["event_id"]?.string ?? "?" }
            var again: [FakeJSON] = []
            while again.count < posted.count, !Set(unacked).isSubset(of: again.compactMap { $0["payload"]?["event_id"]?.string }) {
                again.append(try await Self.nextFrame(link, within: .seconds(30)))
            }
            #expect(again.map { $0["payload"]?["event_id"]?.string ?? "?" }.filter(unacked.contains) == unacked)
            #expect(again.allSatisfy { $0["retry_attempt"] == 1 && $0["retry_reason"] == "timeout" && $0["envelope_id"] != nil })
            let firstEnvelopes = Set(envelopes.compactMap { $0["envelope_id"]?.string })
            let newEnvelopes = again.compactMap { $0["envelope_id"]?.string }.filter { !firstEnvelopes.contains($0) }
            #expect(newEnvelopes.count == again.count, "each redelivery has an envelope id of its own")
            #expect(await slack.stats.redeliveries >= posted.count / 2)
        }
    }

    @Test("the fakes' JSON text reads back as the value it was written from")
    func jsonText() throws {
        let value: FakeJSON = [
            "text": "quote \" backslash \\ newline \n tab \t bell \u{07} slash / ünïcode ✅ 👩‍💻",
            "numbers": [0, 1, -42, .number(0.5), .number(-1.25e-7), .number(1e20), .number(123_456_789_012_345)],
            "flags": [true, false, .null], "empty": [:], "none": [], "nested": ["a": ["b": ["c": "d"]]],
        ]
        #expect(FakeJSON.parse(Data(value.text.utf8)) == value)
        #expect(FakeJSON.parse(Data(FakeJSON.string("\u{01}\u{1F}").text.utf8)) == .string("\u{01}\u{1F}"))
    }

    @Test("conversations.history pages newest first with an opaque cursor, leaves out replies and honours oldest/latest")
    func historyPagination() async throws {
        try await FakeSlack.run { slack in
            slack.addChannel(id: Self.channel, name: "incident")
            slack.addChannel(id: "C0ELSEWHERE", name: "elsewhere", botIsMember: false)
            let posted = (0..<5).map { slack.postMessageUndelivered(channel: Self.channel, user: Self.alice, text: "update \($0)") }
            let reply = await slack.postMessage(channel: Self.channel, user: Self.alice, text: "in thread", threadTS: posted[1])

            var seen: [String] = []
            var cursor = ""
            var pages = 0
            repeat {
                let page = try await Self.call(slack, "conversations.history", token: slack.botToken, form: [
                    ("channel", Self.channel), ("limit", "2"), ("cursor", cursor),
                ]).json
                #expect(page["ok"] == true)
                seen += page["messages"]?.array?.compactMap { $0["ts"]?.string } ?? []
                cursor = page["response_metadata"]?["next_cursor"]?.string ?? ""
                #expect(page["has_more"]?.bool == !cursor.isEmpty)
                pages += 1
            } while !cursor.isEmpty && pages < 10
            #expect(seen == Array(posted.reversed()))
            #expect(pages == 3)

            let all = try await Self.call(slack, "conversations.history", token: slack.botToken, json: ["channel": .string(Self.channel)]).json
            let parent = all["messages"]?.array?.first { $0["ts"]?.string == posted[1] }
            #expect(parent?["reply_count"] == 1)
            #expect(parent?["latest_reply"]?.string == reply)

            let window = try await Self.call(slack, "conversations.history", token: slack.botToken, form: [
                ("channel", Self.channel), ("oldest", posted[1]), ("latest", posted[3]),
            ]).json
            #expect(window["messages"]?.array?.compactMap { $0["ts"]?.string } == [posted[2]])
            let inclusive = try await Self.call(slack, "conversations.history", token: slack.botToken, form: [
                ("channel", Self.channel), ("oldest", posted[1]), ("latest", posted[3]), ("inclusive", "true"),
            ]).json
            #expect(inclusive["messages"]?.array?.compactMap { $0["ts"]?.string } == [posted[3], posted[2], posted[1]])

            let thread = try await Self.call(slack, "conversations.replies", token: slack.botToken, form: [
                ("channel", Self.channel), ("ts", posted[1]),
            ]).json
            #expect(thread["messages"]?.array?.compactMap { $0["ts"]?.string } == [posted[1], reply])

            let outside = try await Self.call(slack, "conversations.history", token: slack.botToken, form: [("channel", "C0ELSEWHERE")])
            #expect(outside.json["error"] == "not_in_channel")
            let unknown = try await Self.call(slack, "conversations.history", token: slack.botToken, form: [("channel", "C0NOPE")])
            #expect(unknown.json["error"] == "channel_not_found")
        }
    }

    @Test("a rate-limited method answers 429 with Retry-After, then works again; injected 5xx come with an HTML body")
    func rateLimitAndFailures() async throws {
        try await FakeSlack.run { slack in
            slack.addChannel(id: Self.channel, name: "incident")
            slack.rateLimit(method: "chat.postMessage", next: 1, retryAfter: 7)
            let message: FakeJSON = ["channel": .string(Self.channel), "text": "Incident opened"]

            let limited = try await Self.call(slack, "chat.postMessage", token: slack.botToken, json: message)
            #expect(limited.status == 429)
            #expect(limited.response.retryAfter == .seconds(7))
            #expect(limited.json["error"] == "ratelimited")

            let posted = try await Self.call(slack, "chat.postMessage", token: slack.botToken, json: message)
            #expect(posted.status == 200)
            #expect(posted.json["ok"] == true)
            #expect(posted.json["message"]?["bot_id"] == "B0BOT")
            #expect(slack.botMessages(in: Self.channel).map { $0["text"] } == ["Incident opened"])

            slack.failNext(method: "chat.postMessage", count: 1, status: 503)
            let failed = try await Self.call(slack, "chat.postMessage", token: slack.botToken, json: message)
            #expect(failed.status == 503)
            #expect(FakeJSON.parse(failed.response.body) == nil)

            #expect(slack.calls.map(\.status) == [429, 200, 503])
            #expect(slack.calls.allSatisfy { $0.method == "chat.postMessage" && $0.arguments["channel"]?.string == Self.channel })
        }
    }

    @Test("views.open takes a slash command's trigger_id once, and refuses expired, reused or unknown ones")
    func viewsOpenTriggers() async throws {
        // Expiry is tested with expireTriggers(): a loaded machine must not turn Slack's 3 seconds into a failure.
        try await Self.withLinkedSlack(configuration: .init(triggerLifetime: .seconds(60))) { slack, link in

            let trigger = try await Self.runSlashCommand(slack, link: link)
            let view = Self.actionItemModal(blocks: [Self.input("text", element: "plain_text_input")])
            let opened = try await Self.call(slack, "views.open", token: slack.botToken, json: ["trigger_id": .string(trigger), "view": view])
            #expect(opened.json["ok"] == true)
            #expect(opened.json["view"]?["id"]?.string?.hasPrefix("V") == true)
            #expect(opened.json["view"]?["hash"]?.string?.isEmpty == false)
            #expect(slack.openedViews.count == 1)
            let reused = try await Self.call(slack, "views.open", token: slack.botToken, json: ["trigger_id": .string(trigger), "view": view])
            #expect(reused.json["error"] == "exchanged_trigger_id")

            let second = try await Self.runSlashCommand(slack, link: link)
            slack.expireTriggers()
            let expired = try await Self.call(slack, "views.open", token: slack.botToken, json: ["trigger_id": .string(second), "view": view])
            #expect(expired.json["error"] == "expired_trigger_id")
            let unknown = try await Self.call(slack, "views.open", token: slack.botToken, json: ["trigger_id": "123.456.nope", "view": view])
            #expect(unknown.json["error"] == "invalid_trigger_id")

            let third = try await Self.runSlashCommand(slack, link: link)
            let longTitle = view.object!.merging(["title": ["type": "plain_text", "text": "A title far longer than Slack allows"]]) { _, new in new }
            let invalid = try await Self.call(slack, "views.open", token: slack.botToken, json: ["trigger_id": .string(third), "view": .object(longTitle)])
            #expect(invalid.json["error"] == "invalid_arguments")
        }
    }

    @Test("refresh_requested (after a warning) moves envelopes to the new connection; the old one is closed after the grace")
    func refresh() async throws {
        try await FakeSlack.run(configuration: .init(refreshGrace: .milliseconds(100))) { slack in
            slack.addChannel(id: Self.channel, name: "incident")
            let sockets = WebSocketClient(logger: Logger(label: "fake-slack-self-tests.ws"))
            defer { sockets.shutdown() }
            let old = try await Self.connect(slack, with: sockets)
            await slack.requestRefresh(warningFirst: true)
            #expect(try await Self.nextFrame(old)["reason"] == "warning")
            let refresh = try await Self.nextFrame(old)
            #expect(refresh["type"] == "disconnect")
            #expect(refresh["reason"] == "refresh_requested")
            #expect(refresh["debug_info"]?["host"]?.string?.isEmpty == false)

            let new = try await sockets.connect(to: try await Self.openURL(slack))
            #expect(try await Self.nextFrame(new)["type"] == "hello")
            await slack.postMessage(channel: Self.channel, user: Self.alice, text: "after the refresh")
            #expect(try await Self.nextFrame(new)["payload"]?["event"]?["text"] == "after the refresh")
            let closed = try await nextElement(of: old.events, waitingFor: "the old connection's close")
            guard case .closed(.closedByPeer)? = closed else {
                Issue.record("the old connection should end with the server's close frame, got \(String(describing: closed))")
                return
            }
            #expect(await slack.waitFor(timeout: .seconds(5)) { $0.liveConnections == 1 && $0.connectionsOpened == 2 })
        }
    }

    @Test("a file goes up through getUploadURLExternal, the upload URL and completeUploadExternal into the channel")
    func fileUpload() async throws {
        try await FakeSlack.run { slack in
            slack.addChannel(id: Self.channel, name: "incident")
            let report = Data("# Post-mortem\n".utf8)
            let ticket = try await Self.call(slack, "files.getUploadURLExternal", token: slack.botToken, form: [
                ("filename", "postmortem.md"), ("length", "\(report.count)"),
            ]).json
            let uploadURL = try #require(ticket["upload_url"]?.string)
            let fileID = try #require(ticket["file_id"]?.string)
            let neverUploaded = try await Self.call(slack, "files.completeUploadExternal", token: slack.botToken, json: [
                "files": [["id": .string(fileID), "title": "Post-mortem"]], "channel_id": .string(Self.channel),
            ])
            #expect(neverUploaded.json["error"] == "file_not_found")

            let upload = try await Self.http.execute(HTTPClient.Request(.post, url: uploadURL, body: .data(report, contentType: "text/markdown")))
            #expect(upload.status == 200)
            #expect(upload.text == "OK - \(report.count)")
            // Form-encoded, `files` arrives as JSON text, as Slack's SDKs send it.
            let done = try await Self.call(slack, "files.completeUploadExternal", token: slack.botToken, form: [
                ("files", #"[{"id":"\#(fileID)","title":"Post-mortem"}]"#), ("channel_id", Self.channel), ("initial_comment", "The report"),
            ]).json
            #expect(done["ok"] == true)
            #expect(done["files"]?[0]?["id"]?.string == fileID)
            let uploaded = slack.uploadedFiles
            #expect(uploaded.count == 1)
            #expect(uploaded.first?.contents == report)
            #expect(uploaded.first?.name == "postmortem.md")
            #expect(uploaded.first?.channel == Self.channel)
            #expect(uploaded.first?.initialComment == "The report")
            let shared = slack.botMessages(in: Self.channel).last
            #expect(shared?["text"] == "The report")
            #expect(shared?["files"]?[0]?["id"]?.string == fileID)
        }
    }

    @Test("a modal submission carries the view's state values; a button click carries the block, and its response_url replaces the message")
    func submissionAndClick() async throws {
        try await Self.withLinkedSlack(configuration: .init(triggerLifetime: .seconds(60))) { slack, link in
            slack.addUser(id: Self.alice, name: "alice", displayName: "Alice", realName: "Alice Liddell")

            let trigger = try await Self.runSlashCommand(slack, link: link)
            let view = Self.actionItemModal(blocks: [
                Self.input("owner", element: "users_select"), Self.input("due", element: "datepicker"),
                Self.input("text", element: "plain_text_input"),
            ])
            let opened = try await Self.call(slack, "views.open", token: slack.botToken, json: ["trigger_id": .string(trigger), "view": view])
            let viewID = try #require(opened.json["view"]?["id"]?.string)

            async let submitted = slack.submitView(id: viewID, user: Self.alice, values: ["owner": .user(Self.alice), "due": .date("2026-12-01")])
            let submission = try await Self.nextFrame(link)
            #expect(submission["type"] == "interactive")
            let payload = submission["payload"]
            #expect(payload?["type"] == "view_submission")
            #expect(payload?["user"]?["id"]?.string == Self.alice)
            #expect(payload?["user"]?["username"] == "alice")
            #expect(payload?["view"]?["callback_id"] == "pm_action")
            #expect(payload?["view"]?["private_metadata"] == "INC-1")
            let values = payload?["view"]?["state"]?["values"]
            #expect(values?["owner"]?["v"] == ["type": "users_select", "selected_user": .string(Self.alice)])
            #expect(values?["due"]?["v"] == ["type": "datepicker", "selected_date": "2026-12-01"])
            #expect(values?["text"]?["v"] == ["type": "plain_text_input", "value": .null])
            try link.send(text: FakeJSON.object([
                "envelope_id": submission["envelope_id"]!, "payload": ["response_action": "errors", "errors": ["text": "Say what to do"]],
            ]).text)
            #expect(try await submitted.payload?["response_action"] == "errors")

            let posted = try await Self.call(slack, "chat.postMessage", token: slack.botToken, json: [
                "channel": .string(Self.channel), "text": "Milestone?",
                "blocks": [["type": "actions", "block_id": "milestone", "elements": [[
                    "type": "button", "action_id": "confirm_milestone", "text": ["type": "plain_text", "text": "Confirm"], "value": "m1",
                ]]]],
            ]).json
            let messageTS = try #require(posted["ts"]?.string)
            _ = try await Self.nextFrame(link)  // the bot hears its own message
            async let clicked = slack.clickButton(channel: Self.channel, user: Self.alice, messageTS: messageTS, actionID: "confirm_milestone", value: "m1")
            let click = try await Self.nextFrame(link)
            let action = click["payload"]?["actions"]?[0]
            #expect(click["payload"]?["type"] == "block_actions")
            #expect(action?["action_id"] == "confirm_milestone")
            #expect(action?["block_id"] == "milestone")
            #expect(action?["value"] == "m1")
            #expect(click["payload"]?["message"]?["ts"]?.string == messageTS)
            try link.send(text: FakeJSON.object(["envelope_id": click["envelope_id"]!]).text)
            _ = try await clicked

            let responseURL = try #require(click["payload"]?["response_url"]?.string)
            let reply = try await Self.http.execute(HTTPClient.Request(
                .post, url: responseURL, body: .json(Data(#"{"replace_original":true,"text":"Milestone confirmed"}"#.utf8))
            ))
            #expect(reply.status == 200)
            #expect(slack.responseURLPosts.last?["text"] == "Milestone confirmed")
            let replaced = slack.botMessages(in: Self.channel).first { $0["ts"]?.string == messageTS }
            #expect(replaced?["text"] == "Milestone confirmed")
            #expect(replaced?["edited"] != nil)
        }
    }

    // MARK: Helpers

    struct APIResponse {
        var response: HTTPClient.Response
        var status: Int { response.status }
        var json: FakeJSON { FakeJSON.parse(response.body) ?? .null }
    }

    static func call(_ slack: FakeSlack, _ method: String, token: String?, json: FakeJSON = [:]) async throws -> APIResponse {
        try await send(slack, method, token: token, body: .json(Data(json.text.utf8)))
    }

    static func call(_ slack: FakeSlack, _ method: String, token: String?, form: [(String, String)]) async throws -> APIResponse {
        try await send(slack, method, token: token, body: .form(form))
    }

    private static func send(_ slack: FakeSlack, _ method: String, token: String?, body: HTTPClient.Body) async throws -> APIResponse {
        var headers = HTTPClient.Headers()
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return APIResponse(response: try await http.execute(HTTPClient.Request(.post, url: slack.apiURL + method, headers: headers, body: body)))
    }

    /// `apps.connections.open` with the app token; the WebSocket URL.
    static func openURL(_ slack: FakeSlack) async throws -> String {
        let opened = try await call(slack, "apps.connections.open", token: slack.appToken, form: [])
        return try #require(opened.json["url"]?.string)
    }

    /// Runs `body` with a fake that has the incident channel and a Socket Mode connection past its `hello`.
    static func withLinkedSlack(
        configuration: FakeSlack.Configuration = .init(), _ body: @Sendable (FakeSlack, WebSocketConnection) async throws -> Void
    ) async throws {
        try await FakeSlack.run(configuration: configuration) { slack in
            slack.addChannel(id: channel, name: "incident")
            let sockets = WebSocketClient(logger: Logger(label: "fake-slack-self-tests.ws"))
            defer { sockets.shutdown() }
            try await body(slack, try await connect(slack, with: sockets))
        }
    }

    /// The action-item modal of slack.md with these input blocks.
    static func actionItemModal(blocks: [FakeJSON]) -> FakeJSON {
        [
            "type": "modal", "callback_id": "pm_action", "private_metadata": "INC-1",
            "title": ["type": "plain_text", "text": "Action item"], "submit": ["type": "plain_text", "text": "Save"],
            "blocks": .array(blocks),
        ]
    }

    static func input(_ blockID: String, element type: String) -> FakeJSON {
        [
            "type": "input", "block_id": .string(blockID), "label": ["type": "plain_text", "text": .string(blockID)],
            "element": ["type": .string(type), "action_id": "v"],
        ]
    }

    /// A Socket Mode connection that has received its `hello`.
    static func connect(_ slack: FakeSlack, with sockets: WebSocketClient) async throws -> WebSocketConnection {
        let link = try await sockets.connect(to: try await openURL(slack))
        let hello = try await nextFrame(link)
        #expect(hello["type"] == "hello")
        return link
    }

    /// The next text frame as JSON.
    static func nextFrame(_ link: WebSocketConnection, within deadline: Duration = .seconds(5)) async throws -> FakeJSON {
        let event = try await nextElement(of: link.events, within: deadline, waitingFor: "a Socket Mode frame")
        guard case .text(let text)? = event else {
            Issue.record("expected a text frame, got \(String(describing: event))")
            return .null
        }
        return FakeJSON.parse(Data(text.utf8)) ?? .string(text)
    }

    /// Runs `/postmortem action` and acks it the way an adapter would; returns the envelope's trigger id.
    static func runSlashCommand(_ slack: FakeSlack, link: WebSocketConnection) async throws -> String {
        async let ack = slack.slashCommand(channel: channel, user: alice, text: "action")
        let envelope = try await nextFrame(link)
        #expect(envelope["type"] == "slash_commands")
        #expect(envelope["accepts_response_payload"] == true)
        let payload = envelope["payload"]
        #expect(payload?["command"] == "/postmortem")
        #expect(payload?["text"] == "action")
        #expect(payload?["channel_id"]?.string == channel)
        #expect(payload?["response_url"]?.string?.hasPrefix("http://127.0.0.1:") == true)
        try link.send(text: FakeJSON.object([
            "envelope_id": envelope["envelope_id"]!, "payload": ["response_type": "ephemeral", "text": "Opening…"],
        ]).text)
        let received = try await ack
        #expect(received.envelopeID == envelope["envelope_id"]?.string)
        #expect(received.payload?["text"] == "Opening…")
        return try #require(payload?["trigger_id"]?.string)
    }
}
