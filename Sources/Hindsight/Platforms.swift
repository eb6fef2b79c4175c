import ArgumentParser
import HindsightBot
import HindsightMattermost
import HindsightNet
import HindsightServer
import Metrics
import Prometheus
import HindsightWebhooks
import Logging
import ServiceLifecycle

/// The chat platforms `run` connects to, with the bot's HTTP server, as one service group: SIGTERM and SIGINT shut
/// them down gracefully (open requests finish, sockets close) and the process exits 0.
struct Platforms {
    private let services: [any Service]
    private let logger: Logger
    private let cleanup: @Sendable () -> Void

    /// Builds the adapters whose credentials are configured; throws a readable error for half-configured ones.
    init(_ app: Composition) throws {
        logger = app.logger
        var services: [any Service] = []
        var routes: [any HTTPRoutes] = []
        let mattermost: MattermostConfiguration?
        do {
            mattermost = try MattermostConfiguration.fromEnvironment(app.source.values)
        } catch {
            throw ValidationError(error.description)
        }
        if mattermost == nil, app.source["SLACK_APP_TOKEN"] != nil || app.source["SLACK_BOT_TOKEN"] != nil {
            // Better a clear refusal than a server quietly falling back to the terminal console.
            throw ValidationError("SLACK_APP_TOKEN / SLACK_BOT_TOKEN are set, but the Slack adapter is not available yet: run on Mattermost (MATTERMOST_URL, MATTERMOST_TOKEN) or unset them to use the console channel.")
        }
        guard mattermost != nil else {
            // Console only: no network clients, no threads.
            self.services = []
            cleanup = {}
            return
        }
        let http = SharedHTTP.client
        let webSockets = WebSocketClient(logger: Logger(label: "hindsight.websocket"))
        cleanup = {
            webSockets.shutdown()
            http.shutdown()
        }
        var mattermostAdapter: MattermostAdapter?
        if let mattermost {
            let adapter = MattermostAdapter(configuration: mattermost, bot: app.bot, http: http, webSockets: webSockets, logger: app.logger)
            services.append(adapter)
            routes.append(adapter.routes)
            mattermostAdapter = adapter
            app.logger.info("mattermost configured", metadata: ["server": "\(mattermost.serverURL)"])
        }
        if let adapter = mattermostAdapter {
            services.append(ReminderScheduler(bot: app.bot, logger: app.logger, deliver: { reminder in
                if reminder.channel.platform == .mattermost { adapter.post([reminder.reply], in: reminder.channel.channelID) }
            }))
        }
        if !services.isEmpty {
            let webhooks = try WebhookSetup.configuration(app.source)
            if !webhooks.isEmpty {
                let adapters = mattermostAdapter
                routes.append(WebhookRoutes(configuration: webhooks, bot: app.bot, sink: { replies, channel in
                    if channel.platform == .mattermost { adapters?.post(replies, in: channel.channelID) }
                }, logger: app.logger))
                app.logger.info("webhooks configured")
            }
            let registry = Self.metricsRegistry
            let bot = app.bot
            let adapter = mattermostAdapter
            var checks: [BotHTTPServer.ReadinessCheck] = [{
                let open = try? await bot.store.read { tx in try tx.openIncidents().count }
                return ("store", open != nil)
            }]
            if let adapter { checks.append { ("mattermost", adapter.isConnected) } }
            let server = BotHTTPServer(
                configuration: .init(host: app.settings.httpHost, port: app.settings.httpPort), routes: routes, logger: app.logger,
                readiness: checks,
                metrics: {
                    if let open = try? await bot.store.read({ tx in try tx.openIncidents().count }) {
                        Gauge(label: "hindsight_open_incidents").record(open)
                    }
                    return registry.emitToString()
                }
            )
            services.insert(server, at: 0)
        }
        self.services = services
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
