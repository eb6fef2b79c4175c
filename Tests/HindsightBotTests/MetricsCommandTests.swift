import Foundation
@testable import HindsightBot
import HindsightCore
import HindsightNet
import HindsightPrometheus
import HindsightPrompts
import HindsightStore
import HindsightTesting
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

@Suite("/postmortem metrics against an in-process Prometheus")
struct MetricsCommandTests {
    @Test("the query goes to query_range for the incident window and its story lands on the timeline as a metric event")
    func metricEvent() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date(timeIntervalSince1970: 1_795_356_000)
        let seen = Mutex<[String: String]>([:])
        let router = Router()
        router.get("api/v1/query_range") { request, _ -> Response in
            let params = request.uri.queryParameters
            seen.withLock { s in for key in ["query", "start", "end", "step"] { s[key] = params.get(key) } }
            // 5xx rate: 1 before the start, 30 at +5m, back to 1 at +20m.
            let start = Int(params.get("start") ?? "0") ?? 0, end = Int(params.get("end") ?? "0") ?? 0
            let values = stride(from: start, through: end, by: 60).map { t -> [Any] in
                let minutes = Double(t - 1_795_356_000) / 60
                let value = minutes < 0 || minutes >= 20 ? 1.0 : (minutes < 5 ? 1 + minutes * 6 : 31 - (minutes - 5) * 2)
                return [t, String(value)]
            }
            let body: [String: Any] = ["status": "success", "data": ["resultType": "matrix", "result": [["metric": ["job": "api"], "values": values]]]]
            let data = try JSONSerialization.data(withJSONObject: body)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        try await withTestHTTPServer(router) { server in
            let prompts = try PromptSet(directory: BotTests.prompts)
            let bot = Bot(store: try Store(path: dir.appendingPathComponent("db.sqlite").path), desk: prompts.desk(zone: .gmt, redact: { $0 }),
                          logger: Logger(label: "test"),
                          prometheus: PrometheusClient(baseURL: server.baseURL, http: HTTPClient(logger: Logger(label: "test.prometheus"))))
            let channel = ChannelKey(platform: .console, channelID: "console")
            let alice = Person(id: "U1", name: "alice")
            _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "start Checkout errors sev2", receivedAt: t0))
            _ = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "resolved", receivedAt: t0.addingTimeInterval(30 * 60)))
            let query = #"sum(rate(http_requests_total{code=~"5.."}[5m])) + 0"#
            let replies = await bot.handle(CommandInvocation(channel: channel, user: alice, text: "metrics \(query) above 10", receivedAt: t0.addingTimeInterval(3600)))
            let text = replies.map(\.text).joined()
            #expect(seen.withLock { $0["query"] } == query, "the + survives URL encoding")
            #expect(seen.withLock { $0["start"] } == "\(1_795_356_000 - 900)")
            #expect(seen.withLock { $0["end"] } == "\(1_795_356_000 + 45 * 60)")
            #expect(text.contains("peak 31 at 14:05:00"))
            #expect(text.contains("crossed 10 at 14:02:00"))
            #expect(text.contains("back to baseline (1) at 14:20:00"))
            let events = try await bot.store.read { tx in try tx.latestIncident(in: channel).map { try tx.events(of: $0.id) } ?? [] }
            let metric = try #require(events.first { $0.source == .metric })
            #expect(metric.occurredAt == t0.addingTimeInterval(5 * 60))
            #expect(metric.attachments.first?.url.hasPrefix(server.baseURL + "/graph?") == true)
        }
    }
}
