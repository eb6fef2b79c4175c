import Foundation

/// Everything the report template shows, already formatted and Markdown-escaped. Plain values only, so any template
/// engine (and `hindsight report --format json`) can use it.
public struct ReportModel: Codable, Hashable, Sendable {
    public struct Row: Codable, Hashable, Sendable {
        public var time: String
        public var event: String
        public var source: String
        public var actor: String
        public var marker: String
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
    public var summary: String
    public var impact: [Pair]
    public var timeline: [Row]
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
    /// Earlier incidents like this one: `name` is `INC-… “title” (date)`, `value` the report path.
    public var similar: [Pair] = []
    public var hasSimilar = false

    // Flags for the template, stored because Mustache engines see stored properties only, and an empty string
    // still counts as a value to them.
    public var hasSummary = false
    public var hasImpact = false
    public var hasMermaid = false
    public var hasRootCause = false
    public var hasWhysStoppedEarly = false
    public var hasActions = false
    public var isRevision = false

    mutating func setFlags() {
        hasSummary = !summary.isEmpty
        hasImpact = !impact.isEmpty
        hasMermaid = !mermaid.isEmpty
        hasRootCause = !rootCause.isEmpty
        hasWhysStoppedEarly = !whysStoppedEarly.isEmpty
        hasActions = !actions.isEmpty
        isRevision = revision > 1
        hasSimilar = !similar.isEmpty
        var rows = ""
        rows.reserveCapacity(timeline.count * 80)
        for row in timeline {
            rows += "| \(row.time) | \(row.event) | \(row.source) | \(row.actor) | \(row.marker) |\n"
        }
        timelineRows = rows
    }
}

extension IncidentDesk {
    /// The report model for an incident: its timeline, the draft and the review, formatted for Markdown.
    public func reportModel(
        incident: Incident, events: [TimelineEvent], draft: PostmortemDraft, now: Date, revision: Int, forced: Bool = false,
        similar: [SimilarIncident] = []
    ) -> ReportModel {
        var names: [String: String] = [:]
        for event in events { names[event.author.id] = event.author.name }
        for entry in draft.entries { names[entry.author.id] = entry.author.name }
        let md = Markdown(names: names)
        let results = reviewChecklist.evaluate(incident: incident, events: events, draft: draft, today: now)
        let visible = events.filter { $0.deletedAt == nil }
        let key = visible.filter { $0.milestone != nil || !$0.keyReasons.isEmpty }

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
            timeline: visible.map { event in
                ReportModel.Row(
                    time: UTCFormat.time(event.occurredAt), event: md.cell(event.text), source: event.source.rawValue,
                    actor: md.cell(event.author.name),
                    marker: event.milestone.map { "◆ \($0.rawValue)" } ?? (event.keyReasons.isEmpty ? "" : "★")
                )
            },
            timeTo: [("TTD", MilestoneKind.detected), ("TTA", .acknowledged), ("TTM", .mitigated), ("TTR", .resolved)].map { name, kind in
                ReportModel.Pair(name: name, value: incident.timeTo(kind).map(UTCFormat.duration) ?? "—")
            },
            mermaid: key.map { ReportModel.Pair(name: String(UTCFormat.time($0.occurredAt).prefix(5)), value: Markdown.mermaidLabel($0.milestone?.rawValue ?? md.plain($0.text))) },
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
