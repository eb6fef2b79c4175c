import Foundation
import HindsightCore

/// One incident as its page shows it: the header, the timeline picture, the key events, one page of the transcript,
/// the post-mortem and its action items, and similar incidents. Everything a reader sees is here as data; the
/// template (`Prompts/web/incident.mustache`) only lays it out.
public struct IncidentView: Codable, Sendable {
    public struct Pair: Codable, Sendable {
        public var name: String
        public var value: String
    }

    public struct Revision: Codable, Sendable {
        public var pieces: [TextPiece]
        public var replacedAt: String
    }

    public struct EventRow: Codable, Sendable {
        public var anchor: String
        public var reference: String
        public var time: String
        public var iso: String
        public var author: String
        public var source: String
        public var pieces: [TextPiece]
        public var marker: String
        public var isMilestone: Bool
        public var why: String
        public var isDeleted: Bool
        public var deletedAt: String
        public var revisions: [Revision]
        public var hasRevisions: Bool
    }

    public struct Transcript: Codable, Sendable {
        public var rows: [EventRow]
        public var total: Int
        public var page: Int
        public var pages: Int
        public var first: Int
        public var last: Int
        public var isOpen: Bool
        public var previous: String
        public var hasPrevious: Bool
        public var next: String
        public var hasNext: Bool
    }

    public struct Entry: Codable, Sendable {
        public var reference: String
        public var pieces: [TextPiece]
        public var author: String
    }

    public struct Why: Codable, Sendable {
        public var reference: String
        public var depth: Int
        public var pieces: [TextPiece]
        public var evidence: [TextPiece]
        public var hasEvidence: Bool
    }

    public struct Group: Codable, Sendable {
        public var name: String
        public var entries: [Entry]
    }

    public struct Link: Codable, Sendable {
        public var name: String
        public var href: String
    }

    public struct Action: Codable, Sendable {
        public var reference: String
        public var pieces: [TextPiece]
        public var owner: String
        public var due: String
        public var priority: String
        public var status: String
        public var isOverdue: Bool
        public var issues: [Link]
    }

    public struct Similar: Codable, Sendable {
        public var id: String
        public var href: String
        public var title: String
        public var date: String
        public var score: Int
        public var shared: String
        public var hasShared: Bool
    }

    public var id: String
    public var title: String
    public var severity: String
    public var state: String
    public var platform: String
    public var started: String
    public var duration: String
    public var roles: [Pair]
    public var hasRoles: Bool
    public var timeTo: [Pair]
    public var milestones: [Pair]
    public var tags: [String]
    public var chart: TimelineChart
    public var hasChart: Bool
    public var keyEvents: [EventRow]
    public var hasKeyEvents: Bool
    public var transcript: Transcript
    public var summary: [Entry]
    public var impact: [Group]
    public var rootCause: String
    public var hasRootCause: Bool
    public var whys: [Why]
    public var factors: [Group]
    public var wentWell: [Entry]
    public var wentWrong: [Entry]
    public var lucky: [Entry]
    public var lessons: [Entry]
    public var hasPostmortem: Bool
    public var hasSummary: Bool
    public var hasImpact: Bool
    public var hasWhys: Bool
    public var hasFactors: Bool
    public var hasWentWell: Bool
    public var hasWentWrong: Bool
    public var hasLucky: Bool
    public var hasLessons: Bool
    public var actions: [Action]
    public var hasActions: Bool
    public var similar: [Similar]
    public var hasSimilar: Bool
    public var reportHref: String
    public var jsonHref: String
    public var published: String
    public var isPublished: Bool

    /// How many transcript rows a page shows.
    public static let transcriptPageSize = 200

    /// The page of `incident`: `keyEvents` (visible key events and milestones), `transcript` (the events of page
    /// `page`, `transcriptTotal` in all), the draft, and incidents found similar.
    public init(
        incident: Incident, keyEvents: [TimelineEvent], transcript: [TimelineEvent], transcriptTotal: Int, page: Int, transcriptOpen: Bool,
        draft: PostmortemDraft, similar: [SimilarIncident], desk: IncidentDesk, now: Date
    ) {
        let markup = desk.markup(for: incident.channel.platform)
        var names: [String: String] = [:]
        for event in keyEvents + transcript { names[event.author.id] = event.author.name }
        for entry in draft.entries { names[entry.author.id] = entry.author.name }
        let pieces: (String) -> [TextPiece] = { TextPiece.pieces($0, markup: markup, names: names) }
        let spansDays = UTCFormat.day(incident.startedAt) != UTCFormat.day(incident.milestones[.resolved] ?? keyEvents.last?.occurredAt ?? incident.startedAt)
        let row: (TimelineEvent, MilestoneKind?, Set<KeyReason>) -> EventRow = { event, milestone, reasons in
            let stamp = UTCFormat.stamp(event.occurredAt)
            return EventRow(
                anchor: "e\(event.number)", reference: event.reference, time: spansDays ? "\(stamp.day) \(stamp.time)" : stamp.time, iso: stamp.iso,
                author: event.author.name, source: event.source.rawValue, pieces: pieces(event.text),
                marker: milestone.map { "◆ \($0.rawValue)" } ?? (event.isKey ? "★" : ""), isMilestone: milestone != nil,
                why: desk.keyReasonText(reasons, confirmed: milestone != nil), isDeleted: event.isDeleted,
                deletedAt: event.deletedAt.map(UTCFormat.dateTime) ?? "",
                revisions: event.revisions.map { Revision(pieces: pieces($0.text), replacedAt: UTCFormat.dateTime($0.replacedAt)) },
                hasRevisions: !event.revisions.isEmpty)
        }
        // In time order: a milestone set afterwards for an earlier time (`detected at 10:04`) sits where it happened.
        let key = KeyTimeline.merge(keyEvents).sorted { ($0.event.occurredAt, $0.event.number) < ($1.event.occurredAt, $1.event.number) }
        id = incident.id.rawValue
        title = incident.title
        severity = incident.severity.rawValue
        state = incident.state.rawValue
        platform = incident.channel.platform.rawValue
        started = UTCFormat.dateTime(incident.startedAt)
        duration = UTCFormat.duration(incident.duration(now: now))
        roles = IncidentRole.allCases.compactMap { role in incident.roles[role].map { Pair(name: desk.roleName(role), value: $0) } }
        hasRoles = !roles.isEmpty
        timeTo = MilestoneKind.timeTo.map { Pair(name: $0.name, value: FigureText.duration(incident.timeTo($0.milestone))) }
        milestones = MilestoneKind.allCases.compactMap { kind in incident.milestones[kind].map { Pair(name: kind.rawValue, value: UTCFormat.dateTime($0)) } }
        tags = draft.tags
        chart = TimelineChart(entries: key, start: incident.startedAt) { "e\($0.number)" }
        hasChart = !key.isEmpty
        self.keyEvents = key.map { row($0.event, $0.milestone, $0.reasons) }
        hasKeyEvents = !key.isEmpty

        let pages = max(1, (transcriptTotal + Self.transcriptPageSize - 1) / Self.transcriptPageSize)
        let base = "/incidents/\(incident.id.rawValue)"
        let first = transcript.isEmpty ? 0 : (page - 1) * Self.transcriptPageSize + 1
        self.transcript = Transcript(
            rows: transcript.map { row($0, $0.milestone, $0.keyReasons) }, total: transcriptTotal, page: page, pages: pages,
            first: first, last: first + max(transcript.count - 1, 0), isOpen: transcriptOpen,
            previous: "\(base)?page=\(page - 1)#transcript", hasPrevious: page > 1,
            next: "\(base)?page=\(page + 1)#transcript", hasNext: page < pages)

        let entries: (PostmortemSection) -> [Entry] = { section in
            draft.entries(in: section).map { Entry(reference: $0.reference, pieces: pieces($0.text), author: $0.author.name) }
        }
        summary = entries(.summary)
        impact = Dictionary(grouping: draft.entries(in: .impact), by: { $0.field ?? "notes" }).sorted { $0.key < $1.key }.map { field, items in
            Group(name: field, entries: items.map { Entry(reference: $0.reference, pieces: pieces($0.text), author: $0.author.name) })
        }
        rootCause = draft.rootCause?.text ?? ""
        hasRootCause = draft.rootCause != nil
        whys = draft.entries(in: .why).map { entry in
            let evidence = entry.evidence.flatMap { item -> [TextPiece] in
                TextPiece.isSafe(item) ? [TextPiece(text: item, isLink: true, href: item, isMention: false)] : pieces(item)
            }
            return Why(reference: entry.reference, depth: max(draft.depth(of: entry.number), 1), pieces: pieces(entry.text), evidence: evidence,
                       hasEvidence: !evidence.isEmpty)
        }
        factors = desk.guide.factorCategories.compactMap { category in
            let items = draft.entries(in: .factor).filter { $0.field == category }
            return items.isEmpty ? nil : Group(name: category, entries: items.map { Entry(reference: $0.reference, pieces: pieces($0.text), author: $0.author.name) })
        }
        wentWell = entries(.wentWell)
        wentWrong = entries(.wentWrong)
        lucky = entries(.lucky)
        lessons = entries(.lesson)
        hasPostmortem = !draft.entries.isEmpty || draft.rootCause != nil
        (hasSummary, hasImpact, hasWhys, hasFactors) = (!summary.isEmpty, !impact.isEmpty, !whys.isEmpty, !factors.isEmpty)
        (hasWentWell, hasWentWrong, hasLucky, hasLessons) = (!wentWell.isEmpty, !wentWrong.isEmpty, !lucky.isEmpty, !lessons.isEmpty)
        actions = draft.actions.map { item in
            Action(
                reference: item.reference, pieces: pieces(item.text), owner: item.owner ?? "—", due: item.due.map(UTCFormat.day) ?? "—",
                priority: item.priority?.rawValue ?? "—", status: item.status.rawValue, isOverdue: item.isOverdue(at: now),
                issues: item.issues.sorted { $0.key < $1.key }.compactMap { TextPiece.isSafe($0.value) ? Link(name: $0.key, href: $0.value) : nil })
        }
        hasActions = !actions.isEmpty
        self.similar = similar.prefix(5).map { match in
            Similar(
                id: match.id.rawValue, href: "/incidents/\(match.id.rawValue)", title: match.title, date: UTCFormat.day(match.startedAt),
                score: Int((match.score * 100).rounded()), shared: (match.sharedTags.sorted().map { "#\($0)" } + match.sharedTerms.prefix(4)).joined(separator: ", "),
                hasShared: !match.sharedTags.isEmpty || !match.sharedTerms.isEmpty)
        }
        hasSimilar = !self.similar.isEmpty
        reportHref = "\(base)/report.md"
        jsonHref = "\(base).json"
        published = draft.lastPublishedAt.map(UTCFormat.dateTime) ?? ""
        isPublished = draft.publications > 0
    }
}
