import Foundation

/// A metric over an incident window, summarised the way responders read a graph: the peak, when it crossed a
/// threshold, and when it returned to its baseline.
public struct MetricSummary: Hashable, Sendable {
    public var peak: Double
    public var peakAt: Date
    /// The median before the incident started (or of the first tenth of the window when nothing came before).
    public var baseline: Double
    public var crossedAt: Date?
    /// First sample after the peak within 10% of the baseline (and under the threshold, when one is given).
    public var backToBaselineAt: Date?

    /// Nil when there are no samples.
    public init?(samples: [(Date, Double)], incidentStart: Date, threshold: Double?) {
        let points = samples.filter { $0.1.isFinite }.sorted { $0.0 < $1.0 }
        guard let top = points.max(by: { $0.1 < $1.1 }) else { return nil }
        peak = top.1
        peakAt = top.0
        var before = points.filter { $0.0 < incidentStart }.map(\.1)
        if before.isEmpty { before = points.prefix(max(1, points.count / 10)).map(\.1) }
        let sorted = before.sorted()
        baseline = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        crossedAt = threshold.flatMap { limit in points.first { $0.1 > limit }?.0 }
        let tolerance = max(abs(baseline) * 0.1, 1e-9)
        let baseline = self.baseline
        backToBaselineAt = points.first { point in
            point.0 > top.0 && point.1 <= baseline + tolerance && (threshold.map { point.1 <= $0 } ?? true)
        }?.0
    }
}

/// Prometheus's `query_range` answer, reduced to the samples of its first series.
public enum PrometheusRange {
    /// Decodes `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{…},"values":[[t,"v"],…]}]}}`.
    public static func samples(from body: Data) throws(WebhookPayloadError) -> (labels: [String: String], samples: [(Date, Double)]) {
        guard let object = (try? SafeJSON.object(from: body)) as? [String: Any] else { throw .malformedJSON("not a JSON object") }
        guard object["status"] as? String == "success" else {
            throw .unsupported("Prometheus answered \(object["errorType"] as? String ?? "an error"): \(object["error"] as? String ?? "no detail")")
        }
        guard let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
            throw .malformedJSON("no data.result")
        }
        guard let first = result.first else { return ([:], []) }
        let labels = first["metric"] as? [String: String] ?? [:]
        let values = (first["values"] as? [[Any]] ?? []).compactMap { pair -> (Date, Double)? in
            guard pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let v = (pair[1] as? String).flatMap(Double.init) else { return nil }
            return (Date(timeIntervalSince1970: t), v)
        }
        return (labels, values)
    }
}

extension IncidentDesk {
    /// A metric event for the incident's timeline, authored by whoever asked, at the peak's time.
    public func metricEvent(
        query: String, summary: MetricSummary?, threshold: Double?, link: String, by user: Person, channel: ChannelKey,
        records: some IncidentRecords
    ) throws -> Decision {
        guard let incident = try records.openIncident(in: channel) ?? records.latestIncident(in: channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        guard let summary else { return Decision(replies: [Reply(.ephemeral, guide.render(.metricEmpty, ["query": query]))]) }
        func number(_ value: Double) -> String { value.rounded() == value && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.3g", value) }
        var parts = [guide.render(.metricPeak, ["value": number(summary.peak), "time": UTCFormat.time(summary.peakAt)])]
        if let threshold, let crossed = summary.crossedAt {
            parts.append(guide.render(.metricCrossed, ["threshold": number(threshold), "time": UTCFormat.time(crossed)]))
        }
        parts.append(summary.backToBaselineAt.map { guide.render(.metricBaseline, ["baseline": number(summary.baseline), "time": UTCFormat.time($0)]) }
                     ?? guide.render(.metricNotBack, ["baseline": number(summary.baseline)]))
        let text = redact(guide.render(.metricEvent, ["query": query, "details": parts.joined(separator: "; ")]))
        let event = TimelineEvent(
            number: try records.lastEventNumber(of: incident.id) + 1, incidentID: incident.id, channel: incident.channel, messageID: nil,
            author: user, occurredAt: summary.peakAt, text: text, attachments: [Attachment(name: "prometheus", url: link)], source: .metric,
            keyReasons: [.note]
        )
        return Decision(changes: [.appendEvent(event)], replies: [Reply(.channel, "\(event.reference): \(text)")])
    }
}
