@testable import HindsightBot
import Foundation
import HindsightCore
import HindsightNet
import HindsightPrompts
import HindsightTesting
import Logging
import Testing
@testable import HindsightMattermost

@Suite("Mattermost REST: startup, rate limits, long posts")
struct RESTTests {
    @Test("a 401 from users/me stops the adapter with a clear message naming MATTERMOST_TOKEN")
    func badToken() async throws {
        try await FakeMattermost.run { fake in
            let bot = try makeBot()
            let configuration = try MattermostConfiguration(serverURL: fake.baseURL, token: "not-the-token", webSocketURL: fake.webSocketURL)
            let webSockets = WebSocketClient(logger: Logger(label: "test"))
            defer { webSockets.shutdown() }
            let adapter = MattermostAdapter(
                configuration: configuration, bot: bot, http: TestHTTP.client, webSockets: webSockets, logger: Logger(label: "test"),
                callbacks: TestIDs.callbacks
            )
            do {
                try await adapter.run()
                Issue.record("run() should have failed")
            } catch let error as MattermostStartupError {
                #expect(error.cause == .unauthorized(id: "api.context.session_expired.app_error"))
                #expect(error.description.contains("MATTERMOST_TOKEN"))
                #expect(!error.description.contains("not-the-token"))
            }
            #expect(await fake.socketStats.connections == 0)
        }
    }

    @Test("a 429 is retried after Retry-After seconds; persistent 429s become rateLimited")
    func rateLimited() async throws {
        try await FakeMattermost.run { fake in
            let sleeps = SleepLog()
            let rest = MattermostREST(
                baseURL: fake.baseURL, token: fake.token, transport: TestHTTP.client, logger: Logger(label: "test"),
                maxAttempts: 4, sleep: { sleeps.record($0) }
            )
            fake.rateLimit(next: 2, retryAfter: 3)
            let me = try await rest.me()
            #expect(me.id == fake.botUser.id)
            #expect(sleeps.all == [.seconds(3), .seconds(3)])
            #expect(fake.requests.filter { $0 == "GET /api/v4/users/me" }.count == 3)
            fake.rateLimit(next: 10, retryAfter: 1)
            await #expect(throws: MattermostAPIError.rateLimited) { try await rest.me() }
        }
    }

    @Test("errors decode the JSON body's id")
    func notFound() async throws {
        try await FakeMattermost.run { fake in
            let rest = MattermostREST(baseURL: fake.baseURL, token: fake.token, transport: TestHTTP.client, logger: Logger(label: "test"))
            await #expect(throws: MattermostAPIError.notFound(id: "app.channel.get.existing.app_error")) { try await rest.channel("nope") }
        }
    }

    @Test("over-long text is split at line breaks into posts within the limit, losing nothing")
    func split() {
        let text = (1...50).map { "line \($0) " + String(repeating: "x", count: 30) }.joined(separator: "\n")
        let pieces = TextSplit.split(text, limit: 200)
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.unicodeScalars.count <= 200 })
        #expect(pieces.joined() == text)
        let unbroken = String(repeating: "é", count: 450)
        #expect(TextSplit.split(unbroken, limit: 200).map(\.count) == [200, 200, 50])
    }

    @Test("a long reply is posted as several posts through the REST API")
    func longReplyPosted() async throws {
        try await FakeMattermost.run { fake in
            fake.addChannel(id: TestIDs.channel, name: "incident-db")
            let rest = MattermostREST(baseURL: fake.baseURL, token: fake.token, transport: TestHTTP.client, logger: Logger(label: "test"))
            let bot = try makeBot()
            let poster = ReplyPoster(
                rest: rest, maxPostLength: 100, publicURL: nil, messages: bot.desk.messages, logger: Logger(label: "test"), callbacks: TestIDs.callbacks
            )
            let text = (1...20).map { "row \($0) of the timeline" }.joined(separator: "\n")
            await poster.post(.init(.channel, text, actions: [.init(label: "Confirm", command: "confirm S1")]), channelID: TestIDs.channel, userID: nil)
            let posts = fake.posts(by: fake.botUser.id)
            #expect(posts.count > 1)
            #expect(posts.allSatisfy { $0.message.count <= 100 })
            #expect(posts.map(\.message).joined().contains("row 20 of the timeline"))
            #expect(posts.last?.message.contains("/postmortem confirm S1") == true)
        }
    }
}

@Suite struct MattermostSentencesTests {
    @Test("the shipped Prompts/ have every sentence the Mattermost adapter says, with the placeholders it gives them")
    func shipped() throws {
        let prompts = try PromptSet(directory: TestBot.prompts)
        try prompts.check(MattermostMessageKey.self)
        #expect(prompts.messages.render(MattermostMessageKey.failed, ["reason": "HTTP 502"]).contains("HTTP 502"))
    }
}
