import Foundation

/// A channel of its own for an incident (`/postmortem start … --channel`): what to create, as the desk decides it; the
/// platform's adapter creates it (`Effect.Work.createChannel`).
public struct IncidentChannelRequest: Hashable, Sendable {
    /// The channel's name from the team's pattern, e.g. `inc-20261206-checkout-returns-500`.
    public var name: String
    /// The channel's topic (header on Mattermost): the title and severity.
    public var topic: String
    /// The people (and groups) to invite besides the declarer, as typed (`@dana`, `<@U123>`, `@db-oncall`).
    public var invite: [String]
    public var title: String
    public var severity: Severity?
    public var at: Date?

    /// The names to try in turn when the one before is taken: the name, then `-2` … `-5` after it (still within the
    /// 64 characters both platforms accept).
    public var candidateNames: [String] { [name] + (2...5).map { "\(name.prefix(61))-\($0)" } }

    public init(name: String, topic: String, invite: [String], title: String, severity: Severity?, at: Date?) {
        self.name = name
        self.topic = topic
        self.invite = invite
        self.title = title
        self.severity = severity
        self.at = at
    }
}

/// Settings of dedicated incident channels; nil on the desk when the feature is off (the default: it needs the
/// platform's channel-management permissions, which the least-privilege install does not grant).
public struct IncidentChannels: Hashable, Sendable {
    /// The name, with `{date}` (YYYYMMDD, UTC) and `{slug}` (the title in lower-case words joined by dashes).
    public var pattern: String

    public init(pattern: String = "inc-{date}-{slug}") {
        self.pattern = pattern
    }

    /// Channel names both platforms accept: lower-case ASCII letters, digits and dashes, at most 64 characters
    /// (Mattermost's limit; Slack's is 80).
    public func name(title: String, at date: Date) -> String {
        let c = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        let day = String(format: "%04d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        let filled = pattern.replacingOccurrences(of: "{date}", with: day).replacingOccurrences(of: "{slug}", with: ReportSlug.make(title, limit: 40))
        var name = ""
        for scalar in filled.lowercased().unicodeScalars {
            let keep = (scalar.isASCII && CharacterSet.alphanumerics.contains(scalar)) || scalar == "-" || scalar == "_"
            if keep { name.unicodeScalars.append(scalar) } else if !name.hasSuffix("-") { name.append("-") }
        }
        while name.hasSuffix("-") { name.removeLast() }
        return String(name.prefix(64))
    }
}

extension IncidentDesk {
    /// `/postmortem start <title> … --channel [@people]`: asks for the incident's own channel (`request`, which exists only
    /// when the feature is on: `channelRequest`); the incident starts there once it exists (`channelCreated`).
    func declare(_ request: IncidentChannelRequest, _ inv: CommandInvocation) -> Decision {
        Decision(
            replies: [Reply(.ephemeral, messages.render(.channelCreating, ["name": request.name]))],
            effects: [Effect(.createChannel(request), for: inv)])
    }

    /// The request for `title` declared at `now`, or nil when the feature is off.
    func channelRequest(title: String, severity: Severity?, at: Date?, invite: [String], now: Date) -> IncidentChannelRequest? {
        guard let incidentChannels else { return nil }
        let topic = messages.render(.channelTopic, ["title": title, "severity": (severity ?? .sev3).rawValue])
        return IncidentChannelRequest(
            name: incidentChannels.name(title: title, at: at ?? now), topic: topic, invite: invite, title: title, severity: severity, at: at)
    }

    /// The channel exists: the incident starts in it (its card follows there), and the channel it was declared from
    /// hears where to go.
    func channelCreated(_ request: IncidentChannelRequest, channel: ChannelKey, link: String, warnings: [String], _ inv: CommandInvocation,
                        _ records: some IncidentRecords) throws -> Decision {
        var there = inv
        there.channel = channel
        var decision = try start(title: request.title, severity: request.severity, at: request.at, there, records)
        guard decision.changes.contains(where: { if case .createIncident = $0 { true } else { false } }) else { return decision }
        decision.replies = decision.replies.map { reply in
            var moved = reply
            if moved.visibility == .channel { moved.destination = channel.channelID }
            return moved
        }
        let id = decision.changes.lazy.compactMap { if case let .createIncident(incident) = $0 { incident.id.rawValue } else { nil } }.first ?? ""
        // Addressed to the declaring channel by name: a form from a global shortcut has no conversation of its own.
        decision.replies.append(Reply(.channel, messages.render(.channelDeclared, [
            "id": id, "title": redact(request.title), "link": link, "user": inv.user.name,
        ]), destination: inv.channel.channelID))
        decision.replies += warnings.map { Reply(.ephemeral, messages.render(.channelWarning, ["reason": $0])) }
        return decision
    }
}
