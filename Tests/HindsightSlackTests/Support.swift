import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import HindsightSlack
import HindsightStore
import HindsightTesting
import Logging
import ServiceLifecycle
import Synchronization

enum Slack {
    static let channel = "C0INCIDENT"
    static let quiet = "C0NOTMEMBER"
    static let alice = "U0ALICE"
    static let bob = "U0BOB"
    static let channelKey = ChannelKey(platform: .slack, channelID: channel)
}

/// The fake Slack, a real bot with an open incident in `Slack.channel`, and the adapter running against them.
struct SlackHarness: Sendable {
    let fake: FakeSlack
    let bot: Bot
    let adapter: SlackAdapter
    /// The bot's SQLite file.
    let databasePath: String

    /// Message ids (Slack `ts`) stored on the open incident's timeline.
    func storedMessageIDs() async throws -> [String] { try await events().compactMap(\.messageID) }

    func events() async throws -> [TimelineEvent] { try await bot.openTimeline(in: Slack.channelKey) }

    /// Web API calls of one method.
    func calls(_ method: String) -> [FakeSlackCall] { fake.calls.filter { $0.method == method } }
}

func withSlack(
    openIncident: Bool = true, connections: Int = 1, fakeConfiguration: FakeSlack.Configuration = .init(ackTimeout: .milliseconds(800)),
    helloTimeout: Duration = .seconds(2), commandDeadline: Duration = .milliseconds(2000), cards: Bool = false,
    incidentChannels: IncidentChannels? = nil,
    _ body: @Sendable @escaping (SlackHarness) async throws -> Void
) async throws {
    try await FakeSlack.run(configuration: fakeConfiguration) { fake in
        fake.addChannel(id: Slack.channel, name: "inc-db")
        fake.addChannel(id: Slack.quiet, name: "elsewhere", botIsMember: false)
        fake.addUser(id: Slack.alice, name: "alice", displayName: "Alice")
        fake.addUser(id: Slack.bob, name: "bob", displayName: "Bob")
        let databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-slack-\(UUID().uuidString).sqlite").path
        let bot = try TestBot.make(path: databasePath, markups: [.slack: SlackMarkup()], incidentChannels: incidentChannels)
        if openIncident {
            _ = await bot.handle(CommandInvocation(
                channel: Slack.channelKey, user: Person(id: Slack.alice, name: "Alice"), text: "start Database down sev2",
                receivedAt: Date().addingTimeInterval(-60)
            ))
        }
        var logger = Logger(label: "slack-test")
        logger.logLevel = .warning
        let configuration = try SlackConfiguration(
            appToken: fake.appToken, botToken: fake.botToken, apiURL: fake.apiURL, connections: connections,
            pingInterval: .seconds(5), keepAliveTimeout: .seconds(15), helloTimeout: helloTimeout, commandDeadline: commandDeadline
        )
        let webSockets = WebSocketClient(logger: logger)
        defer { webSockets.shutdown() }
        let adapter = SlackAdapter(
            configuration: configuration, bot: bot, http: TestHTTP.client, webSockets: webSockets, logger: logger,
            reconnectPolicy: ReconnectPolicy(initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200), jitter: .full)
        )
        bot.channelMakers.register(adapter.channelMaker, for: .slack)
        // The card keeper only where a test looks at cards: elsewhere the bot's own card posts would be extra calls.
        let keeper: [ServiceGroupConfiguration.ServiceConfiguration] = cards
            ? [.init(service: CardKeeper(bot: bot, surfaces: [.slack: adapter.cardSurface], logger: logger))] : []
        let services = ServiceGroup(configuration: .init(services: [.init(service: adapter)] + keeper, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let harness = SlackHarness(fake: fake, bot: bot, adapter: adapter, databasePath: databasePath)
            do {
                // A bound for a failing test only: with the whole suite running in parallel on 2 cores, CPU-heavy suites can hold
                // the process for seconds (the bot then retries its own 2 s hello timeout until one gets through).
                try await eventually("the first hello", within: .seconds(60)) { await fake.stats.hellosSent >= connections && adapter.isConnected }
                if openIncident {
                    try await eventually("the start-up backfill") { !harness.calls("conversations.history").isEmpty }
                }
                try await body(harness)
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
