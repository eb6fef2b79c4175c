import Foundation

/// Something that happened outside the chat (an alert fired, a page was acknowledged, a deploy finished) that belongs
/// on an incident's timeline.
public struct ExternalSignal: Hashable, Sendable {
    /// Which incident it belongs to, as the sender said it.
    public enum Route: Hashable, Sendable {
        /// An incident id such as `INC-2026-1122-001`.
        case incident(String)
        /// A channel id on some platform (the incident open there).
        case channel(String)
        /// Nothing in the payload says: the routing table decides.
        case unrouted
    }

    public var source: EventSource
    public var occurredAt: Date
    public var title: String
    public var link: String?
    public var route: Route
    /// Labels the routing table can match (Alertmanager labels, PagerDuty service name…).
    public var labels: [String: String]
    /// A milestone this signal suggests (PagerDuty acknowledged → acknowledged); always a suggestion, never applied.
    public var suggestedMilestone: MilestoneKind?
    /// Stable across redeliveries of the same signal: the timeline stores it once.
    public var deliveryID: String
    /// Whether this signal means trouble began (a firing alert, a triggered page): with no incident open it may
    /// prompt a suggestion to start one.
    public var isTrouble: Bool

    public init(source: EventSource, occurredAt: Date, title: String, link: String? = nil, route: Route, labels: [String: String] = [:],
                suggestedMilestone: MilestoneKind? = nil, deliveryID: String, isTrouble: Bool = false) {
        self.source = source
        self.occurredAt = occurredAt
        self.title = title
        self.link = link
        self.route = route
        self.labels = labels
        self.suggestedMilestone = suggestedMilestone
        self.deliveryID = deliveryID
        self.isTrouble = isTrouble
    }
}

/// Why a webhook body was refused; the HTTP layer answers 400 with this reason.
public enum WebhookPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformedJSON(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .malformedJSON(reason): "the body is not the expected JSON: \(reason)"
        case let .unsupported(reason): "unsupported payload: \(reason)"
        }
    }
}

enum WebhookJSON {
    static func decode<T: Decodable>(_ type: T.Type, _ body: Data) throws(WebhookPayloadError) -> T {
        do {
            return try SafeJSON.decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .malformedJSON("missing '\(path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformedJSON("wrong type at '\(path(context.codingPath))'")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .malformedJSON("null at '\(path(context.codingPath))'")
        } catch {
            throw .malformedJSON("not valid JSON")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// RFC 3339 with or without fractional seconds (Alertmanager sends nanoseconds, which are cut to what Date keeps).
    static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // ISO8601DateFormatter takes at most 3 fraction digits: trim longer fractions.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let digits = text[text.index(after: dot)..<end]
            let trimmed = text[..<dot] + "." + digits.prefix(3) + text[end...]
            return fractional.date(from: String(trimmed))
        }
        return nil
    }
}
