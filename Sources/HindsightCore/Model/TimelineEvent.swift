import Foundation

/// Where a timeline event came from, so later integrations append to the same timeline.
public enum EventSource: String, Codable, Sendable, CaseIterable {
    case chat, command, alert, deploy, metric, pager
    /// A chat post by an integration (an alerting, status-page or deploy bot in the channel).
    case integration
}

/// Why an event is a key event. Responders mark some (`reaction`, `pin`, `note`, confirmed `milestone`); the
/// classifier marks the rest from what the message says (`Prompts/classifier.yaml`, `key_events`).
public enum KeyReason: String, Codable, Sendable, CaseIterable {
    case reaction, pin, note, milestone
    /// The bot suggested a milestone at this message.
    case candidate
    /// An alert or page from monitoring.
    case alert
    /// Something done to the system: a deploy, rollback, restart, failover, config change.
    case action
    /// What the responders found: a cause, a confirmation.
    case finding
    /// A decision about how to proceed.
    case decision
    /// A status-page or stakeholder update.
    case update
    /// The severity changed.
    case severity
    /// Someone was escalated to or paged.
    case escalation
    /// Who leads changed: an incident commander took over or handed over.
    case role
    /// The impact changed: users recovering, errors dropping, service back.
    case impact
    /// Responders gathered round it: many replies in its thread, or reactions from many people
    /// (`attention` in `Prompts/classifier.yaml`).
    case attention
    /// No rule marks it, but it reads like the rows of published timelines (`key_event_model` in
    /// `Prompts/classifier.yaml`).
    case learned

    /// The reasons the key-event rules give from a message's words (`key_events` in `Prompts/classifier.yaml`).
    public static let fromRules: Set<KeyReason> = [.alert, .action, .finding, .decision, .update, .severity, .escalation, .role, .impact]

    // By the case, not its name: a raw-valued enum otherwise hashes its `rawValue` string, and every captured message
    // builds and compares sets of reasons.
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    private var ordinal: Int {
        switch self {
        case .reaction: 0
        case .pin: 1
        case .note: 2
        case .milestone: 3
        case .candidate: 4
        case .alert: 5
        case .action: 6
        case .finding: 7
        case .decision: 8
        case .update: 9
        case .severity: 10
        case .escalation: 11
        case .role: 12
        case .impact: 13
        case .attention: 14
        case .learned: 15
        }
    }
}

/// One person's reaction to a message (an emoji they added), stored so that counts survive restarts and a
/// redelivered reaction counts once.
public struct Reaction: Hashable, Sendable {
    public var emoji: String
    public var personID: String

    public init(emoji: String, personID: String) {
        self.emoji = emoji
        self.personID = personID
    }
}

/// A file or link attached to a message.
public struct Attachment: Hashable, Codable, Sendable {
    public var name: String
    public var url: String

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }
}

/// An earlier version of an edited event, kept for audit.
public struct EventRevision: Hashable, Codable, Sendable {
    public var text: String
    public var replacedAt: Date

    public init(text: String, replacedAt: Date) {
        self.text = text
        self.replacedAt = replacedAt
    }
}

/// One entry on an incident's timeline: a captured message, a command note, an alert, a milestone.
public struct TimelineEvent: Hashable, Codable, Sendable {
    /// Position on this incident's timeline (1, 2, 3…), stable once stored; responders cite events as `E12`.
    public var number: Int
    public var incidentID: IncidentID
    public var channel: ChannelKey
    /// The platform's own message id (Slack `ts`, Mattermost post id); nil for events with no message.
    public var messageID: String?
    public var author: Person
    /// The platform's timestamp (UTC), never the bot's receive time.
    public var occurredAt: Date
    public var text: String
    public var threadParentID: String?
    public var attachments: [Attachment]
    public var source: EventSource
    public var keyReasons: Set<KeyReason>
    public var milestone: MilestoneKind?
    public var deletedAt: Date?
    public var revisions: [EventRevision]

    public init(
        number: Int, incidentID: IncidentID, channel: ChannelKey, messageID: String?, author: Person,
        occurredAt: Date, text: String, threadParentID: String? = nil, attachments: [Attachment] = [],
        source: EventSource, keyReasons: Set<KeyReason> = [], milestone: MilestoneKind? = nil,
        deletedAt: Date? = nil, revisions: [EventRevision] = []
    ) {
        self.number = number
        self.incidentID = incidentID
        self.channel = channel
        self.messageID = messageID
        self.author = author
        self.occurredAt = occurredAt
        self.text = text
        self.threadParentID = threadParentID
        self.attachments = attachments
        self.source = source
        self.keyReasons = keyReasons
        self.milestone = milestone
        self.deletedAt = deletedAt
        self.revisions = revisions
    }

    public var isKey: Bool { !keyReasons.isEmpty || milestone != nil }
    public var isDeleted: Bool { deletedAt != nil }
    /// How responders refer to the event, e.g. `E12`.
    public var reference: String { "E\(number)" }
}

/// A milestone the classifier thinks a message marks; a responder confirms or dismisses it.
public struct MilestoneSuggestion: Hashable, Codable, Sendable {
    public enum Status: String, Codable, Sendable { case pending, confirmed, dismissed }

    /// Per-incident number; responders answer `/postmortem confirm S3`.
    public var number: Int
    public var incidentID: IncidentID
    public var eventNumber: Int
    public var milestone: MilestoneKind
    public var at: Date
    public var phrase: String
    public var status: Status
    /// How strongly the classifier believed it (0 for suggestions from webhooks); a stronger later candidate of the
    /// same kind moves an unanswered suggestion to itself.
    public var score: Double

    public init(
        number: Int, incidentID: IncidentID, eventNumber: Int, milestone: MilestoneKind, at: Date, phrase: String, status: Status = .pending,
        score: Double = 0
    ) {
        self.number = number
        self.incidentID = incidentID
        self.eventNumber = eventNumber
        self.milestone = milestone
        self.at = at
        self.phrase = phrase
        self.status = status
        self.score = score
    }

    public var reference: String { "S\(number)" }
}
