import Foundation

/// The sections of a post-mortem that hold free-text entries.
public enum PostmortemSection: String, Codable, Hashable, Sendable, CaseIterable {
    case summary, impact, why, factor
    case wentWell = "went-well"
    case wentWrong = "went-wrong"
    case lucky, lesson
}

/// One contribution to the post-mortem: who wrote what, when, in which section. Referenced as `P<n>`.
public struct PostmortemEntry: Codable, Hashable, Sendable {
    public var number: Int
    public var section: PostmortemSection
    public var text: String
    /// The impact field (`users`, `duration`…) or the factor category.
    public var field: String?
    /// For a why: the entry it explains (nil: the problem statement itself).
    public var parent: Int?
    /// Links or timeline references (`E12`) backing a why.
    public var evidence: [String]
    public var author: Person
    public var addedAt: Date
    public var editedAt: Date?
    /// What the blameless check found when the text was entered or last edited.
    public var findings: [LintFinding]
    /// The check's rewording, offered with `/postmortem reword P<n>`.
    public var suggestedText: String?
    /// The responder chose to keep the text as written despite the findings.
    public var kept: Bool

    public var reference: String { "P\(number)" }

    /// Findings nobody has answered yet (neither reworded nor kept).
    public var hasOpenFindings: Bool { !findings.isEmpty && !kept }
}

/// An action item, referenced as `AI-001`.
public struct ActionItem: Codable, Hashable, Sendable {
    public enum Priority: String, Codable, Hashable, Sendable, CaseIterable { case p1 = "P1", p2 = "P2", p3 = "P3" }
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case prevent, detect, mitigate, process, other }
    public enum Status: String, Codable, Hashable, Sendable, CaseIterable {
        case open
        case inProgress = "in-progress"
        case done
        case wontDo = "wont-do"
    }

    public var number: Int
    public var text: String
    public var owner: String?
    /// The day it is due (midnight UTC of that day).
    public var due: Date?
    public var priority: Priority?
    public var kind: Kind?
    public var status: Status
    public var author: Person
    public var addedAt: Date
    public var statusNote: String?
    public var findings: [LintFinding]
    /// Issues filed for it, by tracker name (`github`, `gitlab`, `jira`) → web URL.
    public var issues: [String: String] = [:]

    public var reference: String { Self.reference(number) }

    /// Still to be done: open or in progress.
    public var isOpen: Bool { status == .open || status == .inProgress }

    /// Still open after the day it was due (a due date is midnight UTC of that day), as of `now`.
    public func isOverdue(at now: Date) -> Bool {
        isOpen && (due.map { $0 < Calendar.utc.startOfDay(for: now) } ?? false)
    }

    /// `AI-003` for 3, also for items that do not exist (to name them in a refusal).
    public static func reference(_ number: Int) -> String { String(format: "AI-%03d", number) }

    /// Parses `AI-3`, `AI-003` or `ai-003`.
    public static func number(from reference: String) -> Int? {
        let upper = reference.uppercased()
        guard upper.hasPrefix("AI-") || upper.hasPrefix("AI") else { return nil }
        return Int(upper.drop { !$0.isNumber })
    }
}

/// The confirmed root cause, usually the deepest why.
public struct RootCause: Codable, Hashable, Sendable {
    public var text: String
    public var entry: Int?
    public var confirmedBy: Person
    public var confirmedAt: Date
}

/// A guided conversation in progress: the bot asked one person a question and waits for their next message. Stored on
/// its own, one per person and channel, so capture asks only whether the author has one, never reading the draft.
public struct Conversation: Codable, Hashable, Sendable {
    public enum Step: Codable, Hashable, Sendable {
        /// One answer fills one section (summary, went well, lucky…).
        case single(PostmortemSection)
        /// Walking the impact fields; the index is into the prompts' field list.
        case impact(field: Int)
        /// The 5 whys: the next answer explains `parent` (nil: the problem statement).
        case why(parent: Int?)
    }

    public var person: Person
    public var channel: ChannelKey
    /// The incident whose post-mortem the answer goes to.
    public var incidentID: IncidentID
    public var step: Step
    public var askedAt: Date
    /// The last message taken as an answer, so a redelivered message is not answered twice.
    public var lastMessageID: String?
    /// The bot's message the questions are asked under, where the platform has threads: once it is known, only
    /// replies in that thread answer, and the channel's main flow stays timeline. Nil until posted (and on the
    /// console), when the person's next message in the channel answers.
    public var threadID: String?

    public init(person: Person, channel: ChannelKey, incidentID: IncidentID, step: Step, askedAt: Date, lastMessageID: String? = nil) {
        self.person = person
        self.channel = channel
        self.incidentID = incidentID
        self.step = step
        self.askedAt = askedAt
        self.lastMessageID = lastMessageID
    }
}

/// Everything written for one incident's post-mortem, stored as it is entered.
public struct PostmortemDraft: Codable, Hashable, Sendable {
    public var incidentID: IncidentID
    public var entries: [PostmortemEntry] = []
    public var actions: [ActionItem] = []
    public var rootCause: RootCause?
    /// Why the 5 whys stopped before the minimum depth, if they did.
    public var whysStoppedEarly: String?
    public var followUpReview: Date?
    /// How many times the report has been published (the next publication is a marked revision).
    public var publications: Int = 0
    public var firstPublishedAt: Date?
    public var lastPublishedAt: Date?
    /// Services and labels (`/postmortem tag`), for finding recurring incidents.
    public var tags: [String] = []

    /// The words that say what went wrong (root cause, whys, factors, what went wrong), for pattern detection.
    public var analysisText: String {
        ([rootCause?.text ?? ""] + entries.filter { [.why, .factor, .wentWrong].contains($0.section) }.map(\.text)).joined(separator: "\n")
    }

    public init(incidentID: IncidentID) {
        self.incidentID = incidentID
    }

    public func entries(in section: PostmortemSection) -> [PostmortemEntry] { entries.filter { $0.section == section } }

    public func entry(_ number: Int) -> PostmortemEntry? { entries.first { $0.number == number } }

    public var nextEntryNumber: Int { (entries.map(\.number).max() ?? 0) + 1 }
    public var nextActionNumber: Int { (actions.map(\.number).max() ?? 0) + 1 }

    /// How deep a why is: 1 for an answer to the problem statement.
    public func depth(of number: Int) -> Int {
        var depth = 0
        var current: Int? = number
        var seen = Set<Int>()
        while let n = current, let entry = entry(n), seen.insert(n).inserted {
            depth += 1
            current = entry.parent
        }
        return depth
    }

    /// The deepest why (the latest one among equally deep), the candidate root cause.
    public var deepestWhy: PostmortemEntry? {
        entries(in: .why).max { (depth(of: $0.number), $0.number) < (depth(of: $1.number), $1.number) }
    }

    public var whyDepth: Int { deepestWhy.map { depth(of: $0.number) } ?? 0 }
}
