import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import HindsightSlack
import HindsightTesting
import Logging
import ServiceLifecycle
import Testing

@Suite("Connecting to Slack while the bot starts")
struct HeadStartTests {
    @Test("the connection opened before the bot is built waits unacknowledged; the adapter then stores what it carried and opens no other")
    func headStart() async throws {
        try await FakeSlack.run(configuration: .init(ackTimeout: .seconds(30))) { fake in
            fake.addChannel(id: Slack.channel, name: "inc-db")
            fake.addUser(id: Slack.alice, name: "alice", displayName: "Alice")
            var logger = Logger(label: "slack-test")
            logger.logLevel = .warning
            let configuration = try SlackConfiguration(
                appToken: fake.appToken, botToken: fake.botToken, apiURL: fake.apiURL, connections: 1,
                pingInterval: .seconds(5), keepAliveTimeout: .seconds(15), helloTimeout: .seconds(2))
            let webSockets = WebSocketClient(logger: logger)
            defer { webSockets.shutdown() }

            // The handshake first, as `run` begins it before Prompts/ load and the store opens.
            let headStart = SlackHeadStart(configuration: configuration, http: TestHTTP.client, webSockets: webSockets, logger: logger)
            // Two HTTP calls and a websocket: under the whole suite on two cores this has taken close to ten seconds.
            try await eventually("the early hello", within: .seconds(30)) { await fake.stats.hellosSent == 1 }

            // The bot, built meanwhile, with an open incident; a message arrives on the early connection.
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-headstart-\(UUID().uuidString).sqlite").path
            let bot = try TestBot.make(path: path, markups: [.slack: SlackMarkup()])
            _ = await bot.handle(CommandInvocation(
                channel: Slack.channelKey, user: Person(id: Slack.alice, name: "Alice"), text: "start Database down sev2",
                receivedAt: Date().addingTimeInterval(-60)))
            let ts = await fake.postMessage(channel: Slack.channel, user: Slack.alice, text: "replica lag at 40s")
            try await Task.sleep(for: .milliseconds(300))
            #expect(await fake.stats.ackedEvents == 0, "nothing is acknowledged before the adapter stores it")

            let adapter = SlackAdapter(
                configuration: configuration, bot: bot, http: TestHTTP.client, webSockets: webSockets, logger: logger, headStart: headStart)
            let services = ServiceGroup(configuration: .init(services: [.init(service: adapter)], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                try await eventually("the early message stored and acknowledged") {
                    let stored = try await bot.openTimeline(in: Slack.channelKey).contains { $0.messageID == ts }
                    let acked = await fake.stats.ackedEvents
                    return stored && acked == 1
                }
                #expect(adapter.isConnected)
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
            }
            #expect(fake.calls.filter { $0.method == "auth.test" }.count == 1)
            #expect(fake.calls.filter { $0.method == "apps.connections.open" }.count == 1)
            #expect(await fake.stats.connectionsOpened == 1)
        }
    }

    @Test("a bot token Slack refuses stops the start with what to do, and no connection is opened")
    func refusedToken() async throws {
        try await FakeSlack.run(configuration: .init()) { fake in
            let logger = Logger(label: "slack-test")
            let configuration = try SlackConfiguration(
                appToken: fake.appToken, botToken: "xoxb-revoked", apiURL: fake.apiURL, connections: 1,
                pingInterval: .seconds(5), keepAliveTimeout: .seconds(15), helloTimeout: .seconds(2))
            let webSockets = WebSocketClient(logger: logger)
            defer { webSockets.shutdown() }
            let headStart = SlackHeadStart(configuration: configuration, http: TestHTTP.client, webSockets: webSockets, logger: logger)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-headstart-\(UUID().uuidString).sqlite").path
            let adapter = SlackAdapter(
                configuration: configuration, bot: try TestBot.make(path: path), http: TestHTTP.client, webSockets: webSockets, logger: logger,
                headStart: headStart)
            await #expect {
                try await adapter.run()
            } throws: { error in
                (error as? SlackStartupError)?.description.contains("SLACK_BOT_TOKEN") == true
            }
            #expect(fake.calls.filter { $0.method == "apps.connections.open" }.isEmpty)
            #expect(await fake.stats.connectionsOpened == 0)
        }
    }
}
