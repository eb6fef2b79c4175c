import Foundation
import Testing
@testable import HindsightCore

@Suite("Metric summaries")
struct MetricSummaryTests {
    let start = Date(timeIntervalSince1970: 1_795_356_000)
    func at(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    @Test("peak, threshold crossing and return to baseline, computed by hand")
    func handComputed() throws {
        // Before the incident: 2, 2, 3, 2 → baseline (median) 2. Then up to 50, down to 2.1 at +20m.
        let samples: [(Date, Double)] = [
            (at(-4), 2), (at(-3), 2), (at(-2), 3), (at(-1), 2),
            (at(0), 8), (at(2), 15), (at(4), 50), (at(6), 40), (at(10), 12), (at(15), 4), (at(20), 2.1), (at(25), 2),
        ]
        let summary = try #require(MetricSummary(samples: samples, incidentStart: start, threshold: 10))
        #expect(summary.baseline == 2)
        #expect(summary.peak == 50 && summary.peakAt == at(4))
        #expect(summary.crossedAt == at(2))
        #expect(summary.backToBaselineAt == at(20), "2.1 is within 10% of 2")
    }

    @Test("no samples: nothing to summarise; never back: said so")
    func edges() throws {
        #expect(MetricSummary(samples: [], incidentStart: start, threshold: nil) == nil)
        let rising: [(Date, Double)] = [(at(0), 1), (at(1), 5), (at(2), 9)]
        let summary = try #require(MetricSummary(samples: rising, incidentStart: start, threshold: nil))
        #expect(summary.baseline == 1, "nothing before the start: the first tenth (one sample)")
        #expect(summary.backToBaselineAt == nil)
    }

    @Test("Prometheus range answers decode; errors say what Prometheus said")
    func decode() throws {
        let body = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"api"},"values":[[1795356000,"1.5"],[1795356060.5,"NaN"],[1795356120,"3"]]}]}}"#
        let decoded = try PrometheusRange.samples(from: Data(body.utf8))
        #expect(decoded.labels == ["job": "api"])
        #expect(decoded.samples.count == 3)
        #expect(decoded.samples[2].1 == 3)
        #expect(throws: WebhookPayloadError.self) {
            try PrometheusRange.samples(from: Data(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#.utf8))
        }
    }
}
