import Foundation
@testable import HindsightBot
import HindsightCore
import HindsightNet
import HindsightPrompts
import HindsightServer
import HindsightStore
import HindsightTesting
import HindsightWebhooks
import Logging
import Synchronization
import Testing

@Suite("Webhook endpoints on the bot's HTTP server")
struct WebhookEndpointTests {
    static let http = HTTPClient(logger: Logger(label: "test.webhooks"))
    let channel = ChannelKey(platform: .mattermost, channelID: "ch4nch4nch4nch4nch4nch4nch")
    let token = "am-token-0123456789"
    let pagerdutySecret = "pd-secret-0123456789"
    let genericSecret = "generic-secret-0123456789"
    /// The server's clock in these tests (Unix seconds).
    static let now: TimeInterval = 1_795_357_000

    /// One firing alert routed by label, in the shape of Alertmanager's documented version-4 payload.
    let alertmanager = #"""
    {"receiver":"hindsight","status":"firing","alerts":[
      {"status":"firing","labels":{"alertname":"ProbeFailure","service":"checkout","severity":"critical"},
       "annotations":{"summary":"Checkout probe failing"},"startsAt":"2026-11-22T14:08:45Z","endsAt":"0001-01-01T00:00:00Z",
       "generatorURL":"http://prometheus.example.org:9090/graph","fingerprint":"1a30ba71cca2921f"}],
     "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am.example.org","version":"4","groupKey":"{}","truncatedAlerts":0}
    """#

    let pagerduty = #"""
    {"event":{"id":"01DFJ2TT7PCE3RWJ7ZWM1A3OKN","event_type":"incident.acknowledged","resource_type":"incident",
      "occurred_at":"2026-11-22T14:03:10.169Z","agent":{"id":"PLH1HKV","type":"user_reference"},"client":null,
      "data":{"id":"PGR0VU2","type":"incident","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"acknowledged",
      "title":"Checkout probe failing","service":{"id":"PF9KMXH","summary":"checkout","type":"service_reference"}}}}
    """#

    final class Sink: Sendable {
        let received = Mutex<[(ChannelKey, [Reply])]>([])
    }

    func withServer(_ body: @Sendable (String, Bot, Sink) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-webhooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = try PromptSet(directory: BotTests.prompts)
        let bot = Bot(store: try Store(path: dir.appendingPathComponent("db.sqlite").path), desk: prompts.desk(zone: .gmt, redact: { $0 }), logger: Logger(label: "test"))
        let sink = Sink()
        var logger = Logger(label: "webhook-test")
        logger.logLevel = .critical
        let routes = WebhookRoutes(
            configuration: .init(
                alertmanager: WebhookAuth(bearer: token, signatureHeader: "X-Hindsight-Signature", signaturePrefix: "sha256="),
                pagerduty: WebhookAuth(hmacSecret: pagerdutySecret, signatureHeader: "X-PagerDuty-Signature", signaturePrefix: "v1="),
                generic: WebhookAuth(
                    bearer: genericSecret, hmacSecret: genericSecret, signatureHeader: "X-Hindsight-Signature", signaturePrefix: "sha256=",
                    timestampHeader: "X-Hindsight-Timestamp"
                ),
                routes: [SignalRoute(match: ["service": "checkout"], channel: channel)]
            ),
            bot: bot, sink: { replies, channel in sink.received.withLock { $0.append((channel, replies)) } }, logger: logger,
            now: { Date(timeIntervalSince1970: Self.now) }
        )
        try await withServing([routes], logger: logger) { url in try await body(url, bot, sink) }
    }

    func post(_ url: String, _ body: String, headers: HTTPClient.Headers) async throws -> HTTPClient.Response {
        try await Self.http.execute(HTTPClient.Request(.post, url: url, headers: headers, body: .data(Data(body.utf8), contentType: "application/json")))
    }

    func events(_ bot: Bot) async throws -> [TimelineEvent] {
        let channel = self.channel
        return try await bot.store.read { tx in try tx.openIncident(in: channel).map { try tx.events(of: $0.id) } ?? [] }
    }

    @Test("an alert with the right token lands on the routed incident once, however often it is delivered")
    func alertmanagerStored() async throws {
        try await withServer { base, bot, _ in
            _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "alice"), text: "start Checkout down sev2",
                                                   receivedAt: Date(timeIntervalSince1970: 1_795_356_000)))
            for _ in 0..<2 {
                let response = try await post(base + "/webhooks/alertmanager", alertmanager, headers: ["Authorization": "Bearer \(token)"])
                #expect(response.status == 200)
            }
            let alerts = try await events(bot).filter { $0.source == .alert }
            #expect(alerts.count == 1)
            #expect(alerts.first?.text.contains("Checkout probe failing") == true)
        }
    }

    @Test("a wrong or missing token or signature is refused with 401 and nothing is stored")
    func refused() async throws {
        try await withServer { base, bot, _ in
            _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "alice"), text: "start Checkout down sev2",
                                                   receivedAt: Date(timeIntervalSince1970: 1_795_356_000)))
            let wrong = try await post(base + "/webhooks/alertmanager", alertmanager, headers: ["Authorization": "Bearer nope"])
            let missing = try await post(base + "/webhooks/alertmanager", alertmanager, headers: [:])
            let forged = WebhookAuth.sign(Data(pagerduty.utf8), secret: "not-the-secret", prefix: "v1=")
            let forgedResponse = try await post(base + "/webhooks/pagerduty", pagerduty, headers: ["X-PagerDuty-Signature": forged])
            let stored = try await events(bot).filter { $0.source != .command }
            #expect(wrong.status == 401 && missing.status == 401 && forgedResponse.status == 401)
            #expect(stored.isEmpty)
        }
    }

    @Test("a PagerDuty acknowledgement with a valid signature (among rotated ones) becomes a suggested milestone")
    func pagerdutySigned() async throws {
        try await withServer { base, bot, sink in
            _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "alice"), text: "start Checkout down sev2",
                                                   receivedAt: Date(timeIntervalSince1970: 1_795_356_000)))
            let signature = "v1=00ff, " + WebhookAuth.sign(Data(pagerduty.utf8), secret: pagerdutySecret, prefix: "v1=")
            let response = try await post(base + "/webhooks/pagerduty", pagerduty, headers: ["X-PagerDuty-Signature": signature])
            #expect(response.status == 200, "\(response.text)")
            let channel = self.channel
            let suggestions = try await bot.store.read { tx in try tx.openIncident(in: channel).map { try tx.suggestions(of: $0.id) } ?? [] }
            #expect(suggestions.map(\.milestone) == [.acknowledged])
            #expect(sink.received.withLock { $0.contains { $0.0 == channel } })
        }
    }

    @Test("an alert with no incident open suggests starting one in the routed channel; malformed JSON is a 400 with a reason")
    func noIncidentAndMalformed() async throws {
        try await withServer { base, bot, sink in
            let response = try await post(base + "/webhooks/alertmanager", alertmanager, headers: ["Authorization": "Bearer \(token)"])
            #expect(response.status == 200)
            #expect(response.text.contains("\"unrouted\":1"))
            let suggestion = sink.received.withLock { $0.first }
            #expect(suggestion?.0 == channel)
            #expect(suggestion?.1.first?.actions.first?.command.hasPrefix("start") == true)
            let bad = try await post(base + "/webhooks/generic", "{not json", headers: ["Authorization": "Bearer \(genericSecret)"])
            #expect(bad.status == 400)
            #expect(!bad.text.isEmpty)
            let huge = String(repeating: "x", count: HTTPBodyLimit.default + 1)
            let tooLarge = try await post(base + "/webhooks/generic", huge, headers: ["Authorization": "Bearer \(genericSecret)"])
            #expect(tooLarge.status == 413)
        }
    }

    func generic(_ id: String) -> String {
        #"{"title":"Deploy v42 of checkout","source":"deploy","channel":"\#(channel.channelID)","id":"\#(id)"}"#
    }

    func startIncident(_ bot: Bot) async {
        _ = await bot.handle(CommandInvocation(channel: channel, user: Person(id: "U1", name: "alice"), text: "start Checkout down sev2",
                                               receivedAt: Date(timeIntervalSince1970: 1_795_356_000)))
    }

    @Test("a generic webhook signed with a fresh timestamp is stored; one signed 10 minutes ago, or without the timestamp it names, is refused")
    func timestampedSignature() async throws {
        try await withServer { base, bot, _ in
            await startIncident(bot)
            let now = Int64(Self.now)
            func headers(_ body: String, signedAt: Int64, sent: Int64?, signBodyOnly: Bool = false) -> HTTPClient.Headers {
                let signature = WebhookAuth.sign(Data(body.utf8), secret: genericSecret, prefix: "sha256=", timestamp: signBodyOnly ? nil : signedAt)
                var headers: HTTPClient.Headers = ["X-Hindsight-Signature": signature]
                if let sent { headers.add(name: "X-Hindsight-Timestamp", value: "\(sent)") }
                return headers
            }
            let fresh = try await post(base + "/webhooks/generic", generic("a"), headers: headers(generic("a"), signedAt: now - 30, sent: now - 30))
            #expect(fresh.status == 200, "\(fresh.text)")
            let stale = try await post(base + "/webhooks/generic", generic("b"), headers: headers(generic("b"), signedAt: now - 600, sent: now - 600))
            #expect(stale.status == 401)
            #expect(stale.text.contains("5 minutes"))
            // A replay that swaps in a fresh timestamp breaks the signature.
            let swapped = try await post(base + "/webhooks/generic", generic("c"), headers: headers(generic("c"), signedAt: now - 600, sent: now))
            #expect(swapped.status == 401)
            // With the timestamp header present, a signature over the body alone is not enough.
            let bodyOnly = try await post(base + "/webhooks/generic", generic("d"), headers: headers(generic("d"), signedAt: now, sent: now, signBodyOnly: true))
            #expect(bodyOnly.status == 401)
            let garbled = try await post(base + "/webhooks/generic", generic("e"), headers: ["X-Hindsight-Timestamp": "yesterday", "X-Hindsight-Signature": "sha256=00"])
            #expect(garbled.status == 401)
            // Senders that do not send a timestamp keep working as before.
            let legacy = try await post(base + "/webhooks/generic", generic("f"), headers: headers(generic("f"), signedAt: now, sent: nil, signBodyOnly: true))
            #expect(legacy.status == 200)
            let stored = try await events(bot).filter { $0.source == .deploy }
            #expect(stored.count == 2)
        }
    }

    @Test("hostile bodies on every webhook route get a 4xx with a reason and store nothing", arguments: ["alertmanager", "pagerduty", "generic"])
    func hostileBodies(_ route: String) async throws {
        try await withServer { base, bot, _ in
            await startIncident(bot)
            let bodies: [(String, Data)] = [
                ("truncated", Data(#"{"alerts":[{"status":"fir"#.utf8)),
                ("binary", Data((0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 40_503 >> 3) })),
                ("nested", Data((String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)).utf8)),
                ("wrong shape", Data(#"[1, "two", null]"#.utf8)),
                ("10 MB", Data(repeating: UInt8(ascii: "{"), count: 10 << 20)),
            ]
            for (name, body) in bodies {
                var headers: HTTPClient.Headers = [:]
                switch route {
                case "alertmanager": headers.add(name: "Authorization", value: "Bearer \(token)")
                case "pagerduty": headers.add(name: "X-PagerDuty-Signature", value: WebhookAuth.sign(body, secret: pagerdutySecret, prefix: "v1="))
                default: headers.add(name: "X-Hindsight-Signature", value: WebhookAuth.sign(body, secret: genericSecret, prefix: "sha256="))
                }
                let response = try await Self.http.execute(HTTPClient.Request(
                    .post, url: base + "/webhooks/\(route)", headers: headers, body: .data(body, contentType: "application/octet-stream")
                ))
                #expect((400..<500).contains(response.status), "\(name) on \(route): \(response.status)")
                if response.status != 413 { #expect(!response.body.isEmpty, "\(name) on \(route) says why") }
            }
            #expect(try await events(bot).filter { $0.source != .command }.isEmpty)
        }
    }
}
