import ArgumentParser
import Foundation
import HindsightBot
import HindsightConsole
import HindsightCore
import HindsightMattermost
import HindsightNet
import HindsightPrompts
import HindsightServer
import HindsightSlack
import HindsightStore
import Metrics
import Prometheus
import HindsightWeb
import HindsightWebhooks
import Logging
import ServiceLifecycle

/// The chat platforms `run` connects to, with the bot's HTTP server, as one service group: SIGTERM and SIGINT shut
/// them down gracefully (open requests finish, sockets close) and the process exits 0.
struct Platforms {
    /// How each platform writes mentions and links in its messages, for the report and the checks.
    static let markups: [Platform: any ChatMarkup] = [.slack: SlackMarkup()]
    /// Every platform this build can talk to: what `--platform` and signal routes accept.
    static let known: [Platform] = [.console, .slack, .mattermost]

    /// The platform named `name`, if this build knows it.
    static func named(_ name: String) -> Platform? { known.first { $0.rawValue == name } }

    private let services: [any Service]
    private let logger: Logger
    private let cleanup: @Sendable () -> Void

    /// The websocket client for the chat platforms when Slack or Mattermost is configured, already setting up its TLS
    /// context (the system's CA certificates) on a thread of its own; nil for the console. A half-configured platform
    /// gets none here: `init` refuses it with what is missing.
    static func preparedWebSockets(_ values: [String: String]) -> WebSocketClient? {
        guard (try? MattermostConfiguration.fromEnvironment(values)) != nil || (try? SlackConfiguration.fromEnvironment(values)) != nil
        else { return nil }
        let client = webSocketClient()
        Thread.detachNewThread { try? client.prepare() }
        return client
    }

    /// Slack's `auth.test` and first Socket Mode connection, begun on the network while the rest of `run` starts; nil
    /// when Slack is not configured.
    static func slackHeadStart(_ values: [String: String], webSockets: WebSocketClient, logger: Logger) -> SlackHeadStart? {
        guard let slack = (try? SlackConfiguration.fromEnvironment(values)) ?? nil else { return nil }
        // The metrics first, so the handshake's calls are counted like every other (`/metrics`, `method="auth.test"`).
        _ = metricsRegistry
        return SlackHeadStart(configuration: slack, http: SharedHTTP.client, webSockets: webSockets, logger: logger)
    }

    private static func webSocketClient() -> WebSocketClient { WebSocketClient(logger: Logger(label: "hindsight.websocket")) }

    /// Builds the adapters whose credentials are configured; throws a readable error for half-configured ones.
    /// - Parameter callbackSecret: signs and checks the tokens in Mattermost buttons and dialogs.
    init(_ app: Composition, callbackSecret: String) throws {
        logger = app.logger
        var services: [any Service] = []
        var routes: [any HTTPRoutes] = []
        let mattermost: MattermostConfiguration?
        let slack: SlackConfiguration?
        do {
            mattermost = try MattermostConfiguration.fromEnvironment(app.source.values)
            slack = try SlackConfiguration.fromEnvironment(app.source.values)
        } catch let error as MattermostConfigurationError {
            throw ValidationError(error.description)
        } catch {
            throw ValidationError("\(error)")
        }
        let web = try WebSetup.routes(app)
        let bot = app.bot
        let store: BotHTTPServer.ReadinessCheck = {
            // Readable, and the last capture was written: while writes fail nothing is acknowledged.
            let open = try? await bot.openIncidentCount()
            return ("store", open != nil && !bot.isFailingToCapture)
        }
        guard mattermost != nil || slack != nil else {
            // Console only: no network clients, no threads; the HTTP server only for the web archive.
            services = web.map { [Self.server(app, routes: [$0], readiness: [store])] } ?? []
            self.services = services
            cleanup = {}
            return
        }
        let http = SharedHTTP.client
        let webSockets = app.webSockets ?? Self.webSocketClient()
        cleanup = {
            webSockets.shutdown()
            http.shutdown()
        }
        var posters: [Platform: @Sendable ([Reply], String, String?) -> Void] = [:]
        var cards: [Platform: any CardSurface] = [:]
        // Each chat connection's readiness, with a detail shown next to its name (a backfill in progress).
        var connected: [(String, @Sendable () -> Bool, @Sendable () -> String?)] = []
        if let mattermost {
            let adapter = MattermostAdapter(
                configuration: mattermost, bot: app.bot, http: http, webSockets: webSockets, logger: app.logger,
                callbacks: CallbackSigner(secret: Array(callbackSecret.utf8))
            )
            services.append(adapter)
            routes.append(adapter.routes)
            posters[.mattermost] = { adapter.post($0, in: $1, for: $2) }
            cards[.mattermost] = adapter.cardSurface
            app.bot.channelMakers.register(adapter.channelMaker, for: .mattermost)
            connected.append(("mattermost", { adapter.isConnected }, { adapter.backfillSummary }))
            app.logger.info("mattermost configured", metadata: ["server": "\(mattermost.serverURL)"])
        }
        if let slack {
            let adapter = SlackAdapter(
                configuration: slack, bot: app.bot, http: http, webSockets: webSockets, logger: app.logger, headStart: app.slackHeadStart)
            services.append(adapter)
            posters[.slack] = { adapter.post($0, in: $1, for: $2) }
            cards[.slack] = adapter.cardSurface
            app.bot.channelMakers.register(adapter.channelMaker, for: .slack)
            connected.append(("slack", { adapter.isConnected }, { adapter.backfillSummary }))
            app.logger.info("slack configured", metadata: ["api": "\(slack.apiURL)", "connections": "\(slack.connections)"])
        }
        let post: @Sendable ([Reply], ChannelKey) -> Void = { [posters] replies, channel in posters[channel.platform]?(replies, channel.channelID, nil) }
        // Replies are held in the store until posted, and the scheduler's process posts those left behind.
        app.bot.outbox.enable(retryAfter: app.settings.replyRetryAfter)
        if app.settings.liveCard { services.append(CardKeeper(bot: app.bot, surfaces: cards, logger: app.logger)) }
        services.append(ReminderScheduler(bot: app.bot, interval: app.schedulerInterval, lease: app.lease, logger: app.logger,
                                          deliver: { reminder in post([reminder.reply], reminder.channel) },
                                          redeliver: { [posters] held in posters[held.channel.platform]?([held.reply], held.channel.channelID, held.userID) }))
        let webhooks = try WebhookSetup.configuration(app.source)
        if !webhooks.isEmpty {
            routes.append(WebhookRoutes(configuration: webhooks, bot: app.bot, sink: { replies, channel in post(replies, channel) }, logger: app.logger))
            app.logger.info("webhooks configured")
        }
        if let web { routes.append(web) }
        var checks = [store]
        if !(app.lease is SoleProcess) {
            // Replicas on PostgreSQL: which of them runs the scheduled work (both are ready either way).
            let lease = app.lease
            checks.append { (await lease.holds() ? "scheduler (this replica)" : "scheduler (another replica)", true) }
        }
        for (name, isUp, detail) in connected { checks.append { (detail().map { "\(name) (\($0))" } ?? name, isUp()) } }
        // Bind only what is needed: Mattermost calls back, a webhook is configured, or the operator asked for the
        // health and metrics endpoints by setting the port or the address.
        let wantsOperations = app.source["HINDSIGHT_HTTP_PORT"] != nil || app.source["HINDSIGHT_HTTP_HOST"] != nil
        guard !routes.isEmpty || wantsOperations else {
            app.logger.info("no HTTP server: nothing configured needs one (set HINDSIGHT_HTTP_PORT for /healthz, /readyz and /metrics)")
            self.services = services
            return
        }
        services.insert(Self.server(app, routes: routes, readiness: checks), at: 0)
        self.services = services
    }

    /// The bot's HTTP server with `routes`, `/healthz`, `/readyz` (with `readiness`) and `/metrics`.
    private static func server(_ app: Composition, routes: [any HTTPRoutes], readiness: [BotHTTPServer.ReadinessCheck]) -> BotHTTPServer {
        let registry = Self.metricsRegistry
        let bot = app.bot
        return BotHTTPServer(
            configuration: .init(host: app.settings.httpHost, port: app.settings.httpPort), routes: routes, logger: app.logger,
            readiness: readiness,
            metrics: {
                if let open = try? await bot.openIncidentCount() {
                    Gauge(label: "hindsight_open_incidents").record(open)
                }
                return registry.emitToString()
            }
        )
    }

    /// The process's metrics: swift-metrics instruments everywhere, exported in Prometheus format on `/metrics`.
    /// Bootstrapped once, the first time a platform runs (MetricsSystem allows one bootstrap per process).
    static let metricsRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// True when no chat platform is configured: `run` falls back to the console channel.
    var isEmpty: Bool { services.isEmpty }

    /// Runs every service until a signal asks them to stop or one of them fails; returns after a graceful stop.
    func run() async throws {
        defer { cleanup() }
        let group = ServiceGroup(configuration: .init(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.notice("stopped gracefully")
    }
}

extension PromptSet {
    /// The prompts, with every adapter's own sentences checked too (`PromptSet` itself knows only the core's keys).
    static func checked(explicit: String?) throws(PromptsError) -> PromptSet {
        let prompts = try PromptSet(explicit: explicit)
        try prompts.check(SlackMessageKey.self)
        try prompts.check(MattermostMessageKey.self)
        try prompts.check(ConsoleMessageKey.self)
        return prompts
    }
}
