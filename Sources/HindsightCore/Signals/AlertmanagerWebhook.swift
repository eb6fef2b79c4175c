import Foundation

/// Prometheus Alertmanager's webhook (payload version 4): every alert in the group becomes a signal.
/// Routing: label `incident` (an incident id) or `channel` (a channel id), else the routing table.
public enum AlertmanagerWebhook {
    struct Payload: Decodable {
        var version: String
        var status: String
        var externalURL: String?
        var commonLabels: [String: String]?
        var alerts: [Alert]
    }

    struct Alert: Decodable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]?
        var startsAt: String
        var endsAt: String?
        var generatorURL: String?
        var fingerprint: String?
    }

    /// Decodes a webhook body into signals, one per alert.
    public static func signals(from body: Data) throws(WebhookPayloadError) -> [ExternalSignal] {
        let payload = try WebhookJSON.decode(Payload.self, body)
        guard payload.version == "4" else { throw .unsupported("Alertmanager payload version \(payload.version); version 4 is supported") }
        var signals: [ExternalSignal] = []
        for (index, alert) in payload.alerts.enumerated() {
            let firing = alert.status == "firing"
            let whenText = firing ? alert.startsAt : (alert.endsAt ?? alert.startsAt)
            guard let when = WebhookJSON.date(whenText) else {
                throw .malformedJSON("alerts[\(index)] has an unreadable time '\(whenText)'")
            }
            let name = alert.labels["alertname"] ?? "alert"
            let summary = alert.annotations?["summary"] ?? alert.annotations?["description"]
            let title = "[\(firing ? "FIRING" : "RESOLVED")] \(name)" + (summary.map { ": \($0)" } ?? "")
            let route: ExternalSignal.Route = if let id = alert.labels["incident"] { .incident(id) }
                else if let channel = alert.labels["channel"] { .channel(channel) } else { .unrouted }
            let identity = alert.fingerprint ?? alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            signals.append(ExternalSignal(
                source: .alert, occurredAt: when, title: title, link: alert.generatorURL.flatMap { $0.isEmpty ? nil : $0 },
                route: route, labels: alert.labels, deliveryID: "alertmanager:\(identity):\(alert.status):\(whenText)", isTrouble: firing))
        }
        return signals
    }
}

/// PagerDuty v3 webhooks: incident.triggered / acknowledged / resolved become signals that suggest the detected /
/// acknowledged / resolved milestones. Routing: a custom header or the routing table (by service name).
public enum PagerDutyWebhook {
    struct Envelope: Decodable {
        var event: Event
    }

    struct Event: Decodable {
        var id: String
        var event_type: String
        var occurred_at: String
        var data: DataObject
    }

    struct DataObject: Decodable {
        var id: String?
        var title: String?
        var html_url: String?
        var service: Reference?
    }

    struct Reference: Decodable {
        var summary: String?
    }

    /// Decodes the body; event types other than incident.* are ignored (an empty list, answered 200).
    public static func signals(from body: Data) throws(WebhookPayloadError) -> [ExternalSignal] {
        let envelope = try WebhookJSON.decode(Envelope.self, body)
        let event = envelope.event
        let milestone: MilestoneKind? = switch event.event_type {
        case "incident.triggered": .detected
        case "incident.acknowledged": .acknowledged
        case "incident.resolved": .resolved
        default: nil
        }
        guard event.event_type.hasPrefix("incident.") else { return [] }
        guard let when = WebhookJSON.date(event.occurred_at) else { throw .malformedJSON("event.occurred_at '\(event.occurred_at)' is not a time") }
        let verb = event.event_type.dropFirst("incident.".count)
        let title = "PagerDuty \(verb): " + (event.data.title ?? event.data.id ?? "incident")
        var labels: [String: String] = [:]
        if let service = event.data.service?.summary { labels["service"] = service }
        return [ExternalSignal(source: .pager, occurredAt: when, title: title, link: event.data.html_url, route: .unrouted, labels: labels,
                               suggestedMilestone: milestone, deliveryID: "pagerduty:\(event.id)", isTrouble: event.event_type == "incident.triggered")]
    }
}

/// Hindsight's own small format for deploy tools and scripts:
/// `{"title": "...", "source": "deploy", "time": "2026-11-22T14:05:00Z", "link": "https://...", "incident": "INC-…" | "channel": "C0…", "id": "..."}`.
/// Only `title` is required; `time` defaults to arrival, `source` to `deploy`.
public enum GenericWebhook {
    struct Payload: Decodable {
        var title: String
        var source: String?
        var time: String?
        var link: String?
        var incident: String?
        var channel: String?
        var id: String?
    }

    /// Decodes the body; `receivedAt` stamps signals without a time.
    public static func signals(from body: Data, receivedAt: Date) throws(WebhookPayloadError) -> [ExternalSignal] {
        let p = try WebhookJSON.decode(Payload.self, body)
        guard !p.title.trimmingCharacters(in: .whitespaces).isEmpty else { throw .malformedJSON("'title' is empty") }
        let source = p.source.map { EventSource(rawValue: $0) } ?? .deploy
        guard let source else { throw .unsupported("source '\(p.source ?? "")'; use one of \(EventSource.allCases.map(\.rawValue).joined(separator: ", "))") }
        var when = receivedAt
        if let time = p.time {
            guard let parsed = WebhookJSON.date(time) else { throw .malformedJSON("'time' must be RFC 3339, e.g. 2026-11-22T14:05:00Z") }
            when = parsed
        }
        let route: ExternalSignal.Route = if let id = p.incident { .incident(id) } else if let c = p.channel { .channel(c) } else { .unrouted }
        let identity = p.id ?? "\(p.title)|\(p.time ?? "\(when.timeIntervalSince1970)")"
        return [ExternalSignal(source: source, occurredAt: when, title: p.title, link: p.link, route: route, deliveryID: "generic:\(identity)")]
    }
}
