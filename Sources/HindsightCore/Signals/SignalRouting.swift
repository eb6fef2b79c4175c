/// One row of the routing table: signals whose labels all match go to the incident open in `channel`.
public struct SignalRoute: Hashable, Sendable, Codable {
    public var match: [String: String]
    public var channel: ChannelKey

    public init(match: [String: String], channel: ChannelKey) {
        self.match = match
        self.channel = channel
    }

    func matches(_ labels: [String: String]) -> Bool {
        !match.isEmpty && match.allSatisfy { labels[$0.key] == $0.value }
    }
}

/// What happened to a signal.
public enum SignalOutcome: Hashable, Sendable {
    case stored(IncidentID)
    case duplicate(IncidentID)
    /// No open incident matched; `channel` is where a start suggestion was addressed, if any.
    case noIncident(channel: ChannelKey?)
}
