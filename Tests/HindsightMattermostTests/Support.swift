import Foundation
import HindsightBot
import HindsightCore
import HindsightMattermost
import HindsightNet
import HindsightServer
import HindsightStore
import HindsightTesting
import Logging
import ServiceLifecycle

enum TestIDs {
    static let channel = "ch4nch4nch4nch4nch4nch4nch"
    static let alice = FakeMattermostUser(id: "al1ceal1ceal1ceal1ceal1ce0", username: "alice", firstName: "Alice", lastName: "Liddell")
    static let bob = FakeMattermostUser(id: "b0bb0bb0bb0bb0bb0bb0bb0bb0", username: "bob")
    static let commandToken = "c0mmandt0kenc0mmandt0ken0"
    static let channelKey = ChannelKey(platform: .mattermost, channelID: channel)
    /// The harness bot's callback signing secret; a signer with another secret plays a forger.
    static let callbackSecret = Array("harness-callback-secret-0123456789".utf8)
    static let callbacks = CallbackSigner(secret: callbackSecret)
}

/// A real bot over a temporary SQLite file (at `path` when given).
func makeBot(path: String = temporaryDatabasePath(), incidentChannels: IncidentChannels? = nil) throws -> Bot {
    try TestBot.make(path: path, incidentChannels: incidentChannels)
}

func temporaryDatabasePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-mm-\(UUID().uuidString).sqlite").path
}

/// Everything an adapter test needs: the fake, the bot, the adapter running, and the bot's HTTP server.
struct Harness: Sendable {
    let fake: FakeMattermost
    let bot: Bot
    let adapter: MattermostAdapter
    /// `http://127.0.0.1:PORT` of the bot's own HTTP server.
    let botURL: String
    let sleeps: SleepLog
    /// The bot's SQLite file.
    let databasePath: String

    /// Posts stored for the channel's open incident, by message id.
    func storedMessageIDs() async throws -> [String] { try await events().compactMap(\.messageID) }

    /// Waits for the first hello and the start-up backfill's REST request, so later posts arrive live.
    func waitUntilCaughtUp() async throws {
        let fake = self.fake
        try await withDeadline(.seconds(60), waitingFor: "the first hello") { await fake.waitForSocket { $0.freshHellos >= 1 } }
        try await eventually("the start-up backfill") { fake.requests.contains { $0.contains("/posts?since=") } }
    }

    func events() async throws -> [TimelineEvent] { try await bot.openTimeline(in: TestIDs.channelKey) }
}

/// Records 429 waits instead of spending them.
final class SleepLog: Sendable {
    private let waits = Mutex<[Duration]>([])
    var all: [Duration] { waits.withLock { $0 } }
    func record(_ duration: Duration) { waits.withLock { $0.append(duration) } }
}

import Synchronization

/// Starts the fake, a bot with an open incident in the test channel, the adapter and the bot's HTTP server.
func withHarness(
    openIncident: Bool = true, pingInterval: Duration = .seconds(10), maxPostLength: Int = 16_383, cards: Bool = false,
    incidentChannels: IncidentChannels? = nil,
    _ body: @Sendable @escaping (Harness) async throws -> Void
) async throws {
    try await FakeMattermost.run { fake in
        fake.addChannel(id: TestIDs.channel, name: "incident-db")
        fake.addUser(TestIDs.alice)
        fake.addUser(TestIDs.bob)
        let databasePath = temporaryDatabasePath()
        let bot = try makeBot(path: databasePath, incidentChannels: incidentChannels)
        if openIncident {
            _ = await bot.handle(CommandInvocation(
                channel: TestIDs.channelKey, user: Person(id: TestIDs.alice.id, name: "Alice"), text: "start Database down sev2",
                receivedAt: Date().addingTimeInterval(-60)
            ))
        }
        var logger = Logger(label: "mattermost-test")
        logger.logLevel = .warning
        let configuration = try MattermostConfiguration(
            serverURL: fake.baseURL, token: fake.token, commandToken: TestIDs.commandToken,
            publicURL: "https://bot.example.com", webSocketURL: fake.webSocketURL,
            maxPostLength: maxPostLength, pingInterval: pingInterval
        )
        let webSockets = WebSocketClient(logger: logger)
        defer { webSockets.shutdown() }
        let sleeps = SleepLog()
        let adapter = MattermostAdapter(
            configuration: configuration, bot: bot, http: TestHTTP.client, webSockets: webSockets, logger: logger,
            callbacks: TestIDs.callbacks,
            reconnectPolicy: ReconnectPolicy(initialDelay: .milliseconds(5), maximumDelay: .milliseconds(50), jitter: .none),
            sleep: { sleeps.record($0) }
        )
        let server = BotHTTPServer(configuration: .init(host: "127.0.0.1", port: 0), routes: [adapter.routes], logger: logger)
        // As in the executable: services in a group, stopped by a graceful shutdown.
        bot.channelMakers.register(adapter.channelMaker, for: .mattermost)
        // The card keeper only where a test looks at cards: elsewhere the bot's own card posts would be extra posts.
        let keeper: [ServiceGroupConfiguration.ServiceConfiguration] = cards
            ? [.init(service: CardKeeper(bot: bot, surfaces: [.mattermost: adapter.cardSurface], logger: logger))] : []
        let services = ServiceGroup(configuration: .init(services: [.init(service: server), .init(service: adapter)] + keeper, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            guard let port = await server.boundPort() else { throw HarnessError.serverDidNotStart }
            let harness = Harness(fake: fake, bot: bot, adapter: adapter, botURL: "http://127.0.0.1:\(port)", sleeps: sleeps, databasePath: databasePath)
            do {
                if openIncident { try await harness.waitUntilCaughtUp() }
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

enum HarnessError: Error {
    case serverDidNotStart
}
