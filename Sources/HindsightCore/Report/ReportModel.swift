import Foundation
import Synchronization

/// Everything the report template shows, already formatted and Markdown-escaped. Plain values only, so any template
/// engine (and `hindsight report --format json`) can use it.
public struct ReportModel: Codable, Hashable, Sendable {
    public struct Row: Codable, Hashable, Sendable {
        /// As shown: `14:05:00`, or `2026-11-22 14:05:00` when the incident spans more than one UTC day.
        public var time: String
        /// Always the full ISO-8601 UTC time (`2026-11-22T14:05:00Z`), for `--format json` and other tools.
        public var at: String
        public var event: String
        public var source: String
        public var actor: String
        /// `◆ mitigated` for a milestone, `★` for another key event, empty otherwise.
        public var marker: String
        /// Why the event is on the timeline (`alert`, `action taken`…), from `Prompts/classifier.yaml`.
        public var why: String
    }

    public struct Pair: Codable, Hashable, Sendable {
        public var name: String
        public var value: String
    }

    public struct Why: Codable, Hashable, Sendable {
        public var ref: String
        public var indent: String
        public var text: String
        public var evidence: String
        public var hasEvidence: Bool
    }

    public struct Group: Codable, Hashable, Sendable {
        public var name: String
        public var items: [String]
    }

    public struct Action: Codable, Hashable, Sendable {
        public var ref: String
        public var text: String
        public var owner: String
        public var due: String
        public var priority: String
        public var status: String
        public var issue: String
    }

    public struct Check: Codable, Hashable, Sendable {
        public var icon: String
        public var label: String
        public var detail: String
    }

    public var title: String
    public var id: String
    public var date: String
    public var started: String
    public var duration: String
    public var severity: String
    public var status: String
    public var authors: String
    public var reviewers: String
    /// Who held each role ("IC @dana · Comms @lee"), Markdown; "" when nobody was named.
    public var roles = ""
    public var summary: String
    public var impact: [Pair]
    /// The timeline a post-mortem shows: milestones and key events.
    public var timeline: [Row]
    /// Every event, for the appendix.
    public var transcript: [Row] = []
    public var timeTo: [Pair]
    public var mermaid: [Pair]
    public var rootCause: String
    public var whys: [Why]
    public var whysStoppedEarly: String
    public var factors: [Group]
    public var wentWell: [String]
    public var wentWrong: [String]
    public var lucky: [String]
    public var lessons: [String]
    public var actions: [Action]
    public var review: [Check]
    public var reviewComplete: Bool
    public var publishedDespiteFailures: Bool
    public var followUp: String
    public var revision: Int
    public var generatedAt: String
    /// The timeline rows as Markdown table lines, ready to place (`{{{timelineRows}}}`): a timeline can have 100,000
    /// events, and rendering each row through the template engine's reflection costs seconds.
    public var timelineRows = ""
    /// The transcript's rows, pre-rendered the same way (`{{{transcriptRows}}}`).
    public var transcriptRows = ""
    public var transcriptCount = 0
    /// Whether the rows carry dates (the incident spans more than one UTC day).
    public var spansDays = false
    /// Earlier incidents like this one: `name` is `INC-… “title” (date)`, `value` the report path.
    public var similar: [Pair] = []
    public var hasSimilar = false

    // Flags for the template, stored because Mustache engines see stored properties only, and an empty string
    // still counts as a value to them.
    public var hasSummary = false
    public var hasRoles = false
    public var hasImpact = false
    public var hasMermaid = false
    /// Key events left out of the Mermaid chart (it shows at most `IncidentDesk.chartLimit`); the table has them all.
    public var mermaidOmitted = 0
    public var hasMermaidOmitted = false
    public var hasRootCause = false
    public var hasWhysStoppedEarly = false
    public var hasActions = false
    public var isRevision = false

    mutating func setFlags() {
        hasSummary = !summary.isEmpty
        hasRoles = !roles.isEmpty
        hasImpact = !impact.isEmpty
        hasMermaid = !mermaid.isEmpty
        hasMermaidOmitted = mermaidOmitted > 0
        hasRootCause = !rootCause.isEmpty
        hasWhysStoppedEarly = !whysStoppedEarly.isEmpty
        hasActions = !actions.isEmpty
        isRevision = revision > 1
        hasSimilar = !similar.isEmpty
        timelineRows = Self.rows(timeline)
        transcriptCount = transcript.count
    }

    static func rows(_ rows: [Row]) -> String {
        var out = ""
        out.reserveCapacity(rows.count * 80)
        // Appended piece by piece: an interpolated line would be built and then copied.
        for row in rows {
            out += "| "; out += row.time; out += " | "; out += row.event; out += " | "; out += row.source; out += " | "
            out += row.actor; out += " | "
            if row.why.isEmpty { out += row.marker } else if row.marker.isEmpty { out += row.why } else { out += row.marker; out += " · "; out += row.why }
            out += " |\n"
        }
        return out
    }
}

extension IncidentDesk {
    /// The most entries the Mermaid chart shows: a chart of thousands of key events is unreadable, and rendering it
    /// through the template engine costs seconds.
    static let chartLimit = 50

    /// What the chart shows: every entry when they fit; otherwise every milestone and key events spread evenly over the
    /// rest of the budget, in time order.
    static func chartEntries(_ entries: [KeyTimeline.Entry]) -> [KeyTimeline.Entry] {
        guard entries.count > chartLimit else { return entries }
        let milestones = entries.indices.filter { entries[$0].milestone != nil }
        let others = entries.indices.filter { entries[$0].milestone == nil }
        let budget = max(chartLimit - milestones.count, 0)
        let spread = budget == 0 ? [] : (0..<budget).map { others[$0 * others.count / budget] }
        return (milestones + spread).sorted().map { entries[$0] }
    }

    /// A row per event at `visible`, and the rows as Markdown table lines. A long transcript (100,000 events) is built
    /// in slices on every core: each row is independent, and formatting and escaping them is most of a report's time.
    static func transcript(
        of events: [TimelineEvent], at visible: [Int], row: @escaping @Sendable (TimelineEvent) -> ReportModel.Row
    ) -> (rows: [ReportModel.Row], text: String) {
        let slices = visible.count >= 20_000 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        let done = Mutex([(rows: [ReportModel.Row], text: String)](repeating: ([], ""), count: slices))
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (visible.count * slice / slices)..<(visible.count * (slice + 1) / slices)
            var rows: [ReportModel.Row] = []
            rows.reserveCapacity(range.count)
            for index in visible[range] { rows.append(row(events[index])) }
            let text = ReportModel.rows(rows)
            done.withLock { $0[slice] = (rows, text) }
        }
        let pieces = done.withLock { $0 }
        if slices == 1 { return pieces[0] }
        var rows: [ReportModel.Row] = []
        rows.reserveCapacity(visible.count)
        var text = ""
        text.reserveCapacity(pieces.reduce(0) { $0 + $1.text.utf8.count })
        for piece in pieces {
            rows += piece.rows
            text += piece.text
        }
        return (rows, text)
    }

    /// The report model for an incident: its timeline, the draft and the review, formatted for Markdown.
    public func reportModel(
        incident: Incident, events: [TimelineEvent], draft: PostmortemDraft, now: Date, revision: Int, forced: Bool = false,
        similar: [SimilarIncident] = []
    ) -> ReportModel {
        var names: [String: String] = [:]
        for event in events { names[event.author.id] = event.author.name }
        for entry in draft.entries { names[entry.author.id] = entry.author.name }
        let md = Markdown(markup: markup(for: incident.channel.platform), names: names)
        let results = reviewChecklist.evaluate(incident: incident, events: events, draft: draft, today: now)
        // A timeline can hold 100,000 events: the ones not deleted by index, no copies of them.
        let shown = events.indices.filter { events[$0].deletedAt == nil }
        let key = KeyTimeline.merge(shown.lazy.map { events[$0] })
        var firstDay = Double.infinity, lastDay = -Double.infinity
        // A long transcript has few authors: escape each name once.
        var actors: [String: String] = [:]
        for index in shown {
            let day = (events[index].occurredAt.timeIntervalSince1970 / 86_400).rounded(.down)
            firstDay = min(firstDay, day)
            lastDay = max(lastDay, day)
            if actors[events[index].author.name] == nil { actors[events[index].author.name] = md.cell(events[index].author.name) }
        }
        let spansDays = firstDay < lastDay
        let actorCells = actors
        let row: @Sendable (KeyTimeline.Entry) -> ReportModel.Row = { entry in
            let event = entry.event
            let stamp = UTCFormat.stamp(event.occurredAt)
            return ReportModel.Row(
                time: spansDays ? "\(stamp.day) \(stamp.time)" : stamp.time,
                at: stamp.iso, event: md.cell(event.text), source: event.source.rawValue,
                actor: actorCells[event.author.name] ?? md.cell(event.author.name),
                marker: entry.milestone.map { "◆ \($0.rawValue)" } ?? (event.isKey ? "★" : ""),
                why: { let why = self.keyReasonText(entry.reasons, confirmed: entry.milestone != nil); return why.isEmpty ? "" : md.cell(why) }())
        }

        let contributors = Set(draft.entries.map(\.author.name) + draft.actions.map(\.author.name) + [incident.createdBy.name]).sorted()
        let followUp = results.first { $0.item == .followUp }?.values["date"] ?? ""
        let texts: (PostmortemSection) -> [String] = { section in draft.entries(in: section).map { md.inline($0.text) } }
        var model = ReportModel(
            title: md.inline(incident.title),
            id: incident.id.rawValue,
            date: UTCFormat.day(incident.startedAt),
            started: UTCFormat.dateTime(incident.startedAt),
            duration: UTCFormat.duration(incident.duration(now: now)),
            severity: incident.severity.rawValue,
            status: incident.state.rawValue,
            authors: md.cell(contributors.joined(separator: ", ")),
            reviewers: md.cell(draft.rootCause.map { $0.confirmedBy.name } ?? "—"),
            summary: draft.entries(in: .summary).map { md.inline($0.text) }.joined(separator: "\n\n"),
            impact: draft.entries(in: .impact).map { ReportModel.Pair(name: md.cell($0.field ?? "notes"), value: md.cell($0.text)) },
            timeline: key.map(row),
            timeTo: MilestoneKind.timeTo.map { name, kind in
                ReportModel.Pair(name: name, value: FigureText.duration(incident.timeTo(kind)))
            },
            mermaid: Self.chartEntries(key).map { entry in
                let at = entry.event.occurredAt
                let time = String(UTCFormat.time(at).prefix(5))
                return ReportModel.Pair(
                    name: spansDays ? "\(UTCFormat.day(at).dropFirst(5)) \(time)" : time,
                    value: Markdown.mermaidLabel(entry.milestone?.rawValue ?? md.plain(entry.event.text)))
            },
            rootCause: draft.rootCause.map { md.inline($0.text) } ?? "",
            whys: draft.entries(in: .why).map { entry in
                ReportModel.Why(
                    ref: entry.reference, indent: String(repeating: "  ", count: max(draft.depth(of: entry.number) - 1, 0)),
                    text: md.inline(entry.text),
                    evidence: entry.evidence.map { md.inline($0.hasPrefix("http") ? "<\($0)>" : $0) }.joined(separator: ", "),
                    hasEvidence: !entry.evidence.isEmpty
                )
            },
            whysStoppedEarly: draft.whysStoppedEarly.map { md.inline($0) } ?? "",
            factors: guide.factorCategories.compactMap { category in
                let items = draft.entries(in: .factor).filter { $0.field == category }.map { md.inline($0.text) }
                return items.isEmpty ? nil : ReportModel.Group(name: category, items: items)
            },
            wentWell: texts(.wentWell), wentWrong: texts(.wentWrong), lucky: texts(.lucky), lessons: texts(.lesson),
            actions: draft.actions.map { item in
                ReportModel.Action(
                    ref: item.reference, text: md.cell(item.text), owner: md.cell(item.owner ?? "—"), due: item.due.map(UTCFormat.day) ?? "—",
                    priority: item.priority?.rawValue ?? "—", status: item.status.rawValue, issue: item.issues.isEmpty ? "—" : item.issues.sorted { $0.key < $1.key }.map { "[\($0.key)](\($0.value))" }.joined(separator: ", ")
                )
            },
            review: results.compactMap { result in
                guard let texts = guide.review[result.item.rawValue] else { return nil }
                let detail = switch result.status {
                case .pass: texts.pass
                case .warn: texts.warn ?? texts.pass
                case .fail: texts.fail
                }
                let icon = switch result.status { case .pass: "✓"; case .warn: "!"; case .fail: "✗" }
                return ReportModel.Check(icon: icon, label: md.cell(texts.label), detail: md.cell(Template.fill(detail, result.values)))
            },
            reviewComplete: ReviewChecklist.isComplete(results),
            publishedDespiteFailures: forced && !ReviewChecklist.isComplete(results),
            followUp: followUp,
            revision: revision,
            generatedAt: UTCFormat.dateTime(now)
        )
        (model.transcript, model.transcriptRows) = Self.transcript(of: events, at: shown) { row(KeyTimeline.Entry(event: $0, milestone: $0.milestone, reasons: $0.keyReasons)) }
        model.spansDays = spansDays
        model.roles = rolesLine(incident).map { md.inline($0) } ?? ""
        model.mermaidOmitted = key.count - model.mermaid.count
        model.similar = similar.prefix(5).map { match in
            ReportModel.Pair(
                name: "\(match.id.rawValue) “\(md.inline(match.title))” (\(UTCFormat.day(match.startedAt)))",
                value: "\(UTCFormat.day(match.startedAt))-\(ReportSlug.make(match.title)).md"
            )
        }
        model.setFlags()
        return model
    }
}
