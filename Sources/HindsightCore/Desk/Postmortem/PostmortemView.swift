import Foundation

/// How a post-mortem draft reads in the channel: `/postmortem show`, `review` and `actions`, and the lines that say what
/// the checks found. Rendering only: it changes nothing.
struct PostmortemView {
    let desk: IncidentDesk
    let incident: Incident
    let draft: PostmortemDraft
    let events: [TimelineEvent]
    let now: Date

    private var guide: PostmortemGuide { desk.guide }

    func label(_ section: PostmortemSection, _ field: String?) -> String {
        field.map { "\(section.rawValue) (\($0))" } ?? section.rawValue
    }

    func findingLines(_ entry: PostmortemEntry) -> [String] {
        guard !entry.findings.isEmpty else { return [] }
        var lines = entry.findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
        if let suggestion = entry.suggestedText {
            lines.append(guide.render(.suggestedRewording, ["ref": entry.reference, "text": suggestion]))
        } else {
            lines.append(guide.render(.findingsChoice, ["ref": entry.reference]))
        }
        return lines
    }

    func actionValues(_ item: ActionItem) -> [String: String] {
        let notSet = guide.render(.notSet)
        return [
            "ref": item.reference, "text": item.text, "owner": item.owner ?? notSet, "due": item.due.map(UTCFormat.day) ?? notSet,
            "priority": item.priority?.rawValue ?? notSet, "type": item.kind?.rawValue ?? notSet, "status": item.status.rawValue,
        ]
    }

    func actions() -> String {
        guard !draft.actions.isEmpty else { return guide.render(.actionsEmpty) }
        return ([guide.render(.actionsHeader, ["id": incident.id.rawValue])] + draft.actions.map { guide.render(.actionLine, actionValues($0)) })
            .joined(separator: "\n")
    }

    func show() -> String {
        var lines = [guide.render(.showHeader, ["id": incident.id.rawValue, "title": incident.title])]
        let commands: [PostmortemSection: String] = [
            .summary: "/postmortem summary", .impact: "/postmortem impact", .why: "/postmortem why", .factor: "/postmortem factor <category> <text>",
            .wentWell: "/postmortem went-well", .wentWrong: "/postmortem went-wrong", .lucky: "/postmortem lucky", .lesson: "/postmortem lesson",
        ]
        for section in PostmortemSection.allCases {
            lines.append(guide.render(.showSection, ["section": section.rawValue]))
            let entries = draft.entries(in: section)
            if entries.isEmpty { lines.append(guide.render(.showEmpty, ["command": commands[section] ?? ""])) }
            for entry in entries {
                let indent = section == .why ? String(repeating: "  ", count: max(draft.depth(of: entry.number) - 1, 0)) : ""
                let field = entry.field.map { "[\($0)] " } ?? ""
                let flag = entry.hasOpenFindings ? " ⚠" : ""
                let evidence = entry.evidence.isEmpty ? "" : " (evidence: \(entry.evidence.joined(separator: ", ")))"
                lines.append("\(indent)• \(entry.reference) \(field)\(entry.text)\(evidence) — \(entry.author.name)\(flag)")
            }
            if section == .why {
                if let root = draft.rootCause {
                    lines.append(guide.render(.showRootCause, ["text": root.text, "user": root.confirmedBy.name]))
                } else {
                    lines.append(guide.render(.showNoRootCause))
                }
            }
        }
        lines.append(actions())
        return lines.joined(separator: "\n")
    }

    func review() -> String {
        let results = desk.reviewChecklist.evaluate(incident: incident, events: events, draft: draft, today: now)
        let counts = Dictionary(grouping: results, by: \.status).mapValues(\.count)
        var lines = [guide.render(.reviewHeader, [
            "id": incident.id.rawValue, "passed": "\(counts[.pass] ?? 0)", "warnings": "\(counts[.warn] ?? 0)", "failures": "\(counts[.fail] ?? 0)",
        ])]
        for result in results {
            guard let texts = guide.review[result.item.rawValue] else { continue }
            let icon = switch result.status { case .pass: "✓"; case .warn: "!"; case .fail: "✗" }
            let detail = switch result.status {
            case .pass: texts.pass
            case .warn: texts.warn ?? texts.pass
            case .fail: texts.fail
            }
            lines.append("\(icon) \(texts.label): \(Template.fill(detail, result.values))")
            if result.status != .pass { lines.append(guide.render(.reviewFix, ["command": Template.fill(texts.fix, result.values)])) }
        }
        lines.append(guide.render(ReviewChecklist.isComplete(results) ? .reviewComplete : .reviewIncomplete))
        return lines.joined(separator: "\n")
    }
}
