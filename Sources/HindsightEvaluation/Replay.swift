import Foundation
import HindsightBot
import HindsightCore
import HindsightStore
import Logging

/// A milestone suggestion the bot showed during a replay, and what the simulated responder did with it.
public struct Proposal: Sendable, Hashable {
    public enum Verdict: String, Sendable {
        /// Within the tolerance of the published time: confirmed.
        case confirmed
        /// Further than the tolerance from the published time: dismissed (a wrong proposal).
        case wrong
        /// The post-mortem gives no time for this milestone: dismissed, not counted either way.
        case unjudged
    }

    public var milestone: MilestoneKind
    public var at: Date
    public var messageID: String?
    public var text: String
    public var verdict: Verdict
}

/// What replaying one war room produced.
public struct ReplayOutcome: Sendable {
    public var room: WarRoom
    public var incident: Incident
    public var events: [TimelineEvent]
    public var proposals: [Proposal]
    public var report: ReportModel
}

/// Replays war rooms through the real bot (the desk on a temporary SQLite store, exactly as capture runs), with a
/// simulated responder who confirms a suggested milestone when it is within `tolerance` of the published time and
/// dismisses it otherwise, as a responder who knows what happened would.
public struct Replayer: Sendable {
    public var desk: IncidentDesk
    public var tolerance: TimeInterval

    public init(desk: IncidentDesk, tolerance: TimeInterval = 600) {
        self.desk = desk
        self.tolerance = tolerance
    }

    public func replay(_ room: WarRoom) async throws -> ReplayOutcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("eval.sqlite").path)
        let bot = Bot(store: store, desk: desk, logger: Logger(label: "hindsight.eval", factory: { _ in SwiftLogNoOpLogHandler() }))
        let channel = ChannelKey(platform: .console, channelID: room.channel)
        var seen: [Int: Date] = [:]
        var proposals: [Proposal] = []
        for message in room.messages {
            let person = Person(id: message.user, name: message.name ?? message.user)
            if message.text.hasPrefix("/postmortem") {
                let text = String(message.text.dropFirst("/postmortem".count)).trimmingCharacters(in: .whitespaces)
                _ = await bot.handle(CommandInvocation(channel: channel, user: person, text: text, receivedAt: message.ts))
                continue
            }
            let captured = ChannelMessage(
                channel: channel, messageID: message.id, author: person, sentAt: message.ts, text: message.text,
                threadParentID: message.thread, isFromIntegration: message.bot ?? false)
            _ = try await bot.capture(.message(captured))
            // The simulated responder answers every suggestion that is new or has moved.
            let suggestions = try await store.read { tx -> [MilestoneSuggestion] in
                guard let incident = try tx.latestIncident(in: channel) else { return [] }
                return try tx.suggestions(of: incident.id)
            }
            for suggestion in suggestions where suggestion.status == .pending && seen[suggestion.number] != suggestion.at {
                seen[suggestion.number] = suggestion.at
                let published = room.milestones[suggestion.milestone.rawValue]
                let verdict: Proposal.Verdict = if let published {
                    abs(published.timeIntervalSince(suggestion.at)) <= tolerance ? .confirmed : .wrong
                } else {
                    .unjudged
                }
                proposals.append(Proposal(
                    milestone: suggestion.milestone, at: suggestion.at, messageID: message.id, text: message.text, verdict: verdict))
                let answer = verdict == .confirmed ? "confirm" : "dismiss"
                _ = await bot.handle(CommandInvocation(channel: channel, user: person, text: "\(answer) \(suggestion.reference)", receivedAt: message.ts))
            }
        }
        let result = try await store.read { tx -> (Incident, [TimelineEvent], PostmortemDraft)? in
            guard let incident = try tx.latestIncident(in: channel) else { return nil }
            return (incident, try tx.events(of: incident.id), try tx.postmortem(of: incident.id) ?? PostmortemDraft(incidentID: incident.id))
        }
        guard let (incident, events, draft) = result else { throw ReplayError.noIncident(room: room.id) }
        let now = room.messages.last?.ts ?? incident.startedAt
        let report = desk.reportModel(incident: incident, events: events, draft: draft, now: now, revision: 1)
        return ReplayOutcome(room: room, incident: incident, events: events, proposals: proposals, report: report)
    }
}

/// Why a war room could not be replayed.
public enum ReplayError: Error, CustomStringConvertible, Sendable {
    case noIncident(room: String)

    public var description: String {
        switch self {
        case let .noIncident(room): "\(room): no incident was opened; the first message must be `/postmortem start <title> sev<N>`"
        }
    }
}
