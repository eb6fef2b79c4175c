import Foundation
import HindsightBot
import HindsightCore
import HindsightServer
import HTTPTypes
import Hummingbird
import Logging

/// Where replies to signals go: the platform adapter that owns the channel posts them.
public typealias SignalReplySink = @Sendable (_ replies: [Reply], _ channel: ChannelKey) async -> Void

/// `POST /webhooks/alertmanager`, `/webhooks/pagerduty` and `/webhooks/generic`: verified, parsed, and put on the
/// matching incident's timeline in one store transaction before the answer (so a 2xx means stored).
public struct WebhookRoutes: HTTPRoutes {
    /// Which endpoints are served and how each is authenticated; an endpoint without a secret is not served.
    public struct Configuration: Sendable {
        public var alertmanager: WebhookAuth
        public var pagerduty: WebhookAuth
        public var generic: WebhookAuth
        public var routes: [SignalRoute]

        public init(alertmanager: WebhookAuth, pagerduty: WebhookAuth, generic: WebhookAuth, routes: [SignalRoute]) {
            self.alertmanager = alertmanager
            self.pagerduty = pagerduty
            self.generic = generic
            self.routes = routes
        }

        public var isEmpty: Bool { !alertmanager.isConfigured && !pagerduty.isConfigured && !generic.isConfigured }
    }

    let configuration: Configuration
    let bot: Bot
    let sink: SignalReplySink
    let logger: Logger
    let now: @Sendable () -> Date

    public init(configuration: Configuration, bot: Bot, sink: @escaping SignalReplySink, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.bot = bot
        self.sink = sink
        self.logger = logger
        self.now = now
    }

    public func register(on routes: RouteRegistrar) {
        let endpoints: [(String, WebhookAuth, @Sendable (Data, Date) throws(WebhookPayloadError) -> [ExternalSignal])] = [
            ("alertmanager", configuration.alertmanager, { body, _ throws(WebhookPayloadError) in try AlertmanagerWebhook.signals(from: body) }),
            ("pagerduty", configuration.pagerduty, { body, _ throws(WebhookPayloadError) in try PagerDutyWebhook.signals(from: body) }),
            ("generic", configuration.generic, { body, at throws(WebhookPayloadError) in try GenericWebhook.signals(from: body, receivedAt: at) }),
        ]
        for (name, auth, parse) in endpoints where auth.isConfigured {
            routes.post("webhooks/\(name)") { request, _ in
                try await self.receive(request, source: name, auth: auth, parse: parse)
            }
        }
    }

    private func receive(
        _ request: Request, source: String, auth: WebhookAuth,
        parse: @Sendable (Data, Date) throws(WebhookPayloadError) -> [ExternalSignal]
    ) async throws -> Response {
        var request = request
        let body = Data(buffer: try await request.collectBody(upTo: HTTPBodyLimit.default))
        let signatures = HTTPField.Name(auth.signatureHeader).flatMap { request.headers[$0] }
        let timestamp = auth.timestampHeader.flatMap { HTTPField.Name($0) }.flatMap { request.headers[$0] }
        do throws(WebhookAuth.Refusal) {
            try auth.verify(authorization: request.headers[.authorization], signatures: signatures, timestamp: timestamp, body: body, now: now())
        } catch {
            logger.warning("webhook refused", metadata: ["source": "\(source)", "reason": "\(error)"])
            JSONAnswer.countRefusal(route: "webhooks/\(source)", reason: error.metricReason)
            return try JSONAnswer.error(.unauthorized, error.description)
        }
        let signals: [ExternalSignal]
        do {
            signals = try parse(body, now())
        } catch {
            return try JSONAnswer.error(.badRequest, error.description)
        }
        let results: [(outcome: SignalOutcome, channel: ChannelKey?, replies: [Reply])]
        do {
            results = try await bot.ingest(signals, routes: configuration.routes)
        } catch {
            logger.error("webhook not stored", metadata: ["source": "\(source)", "error": "\(error)"])
            // 503 makes Alertmanager and PagerDuty retry: nothing is lost while the store is unavailable.
            return try JSONAnswer.error(.serviceUnavailable, "the store could not write; retry later")
        }
        var stored = 0, duplicates = 0, unrouted = 0
        for result in results {
            switch result.outcome {
            case .stored: stored += 1
            case .duplicate: duplicates += 1
            case .noIncident: unrouted += 1
            }
            if let channel = result.channel, !result.replies.isEmpty { await sink(result.replies, channel) }
        }
        logger.info("webhook stored", metadata: ["source": "\(source)", "stored": "\(stored)", "duplicates": "\(duplicates)", "unrouted": "\(unrouted)"])
        return try JSONAnswer.json(.ok, ["stored": stored, "duplicates": duplicates, "unrouted": unrouted])
    }
}

extension WebhookAuth.Refusal {
    var metricReason: String {
        switch self {
        case .unauthenticated: "unauthenticated"
        case .staleTimestamp: "stale_timestamp"
        case .badTimestamp: "bad_timestamp"
        }
    }
}
