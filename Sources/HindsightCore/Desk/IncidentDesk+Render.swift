import Foundation

extension IncidentDesk {
    /// Every command with one line each, from the catalog's help lines.
    public func help() -> String {
        messages.render(.helpHeader) + "\n" + messages.render(.helpFooter, ["zone": parser.zone.identifier])
    }

    /// A user-facing explanation of a parse error, always pointing at the fix.
    public func explain(_ error: CommandError) -> String {
        switch error {
        case .empty: messages.render(.emptyCommand) + "\n\n" + help()
        case let .unknownSubcommand(word): messages.render(.unknownSubcommand, ["word": word]) + "\n\n" + help()
        case let .missingArgument(sub, arg): messages.render(.missingArgument, ["subcommand": sub, "argument": arg])
        case let .unexpectedArgument(sub, arg): messages.render(.unexpectedArgument, ["subcommand": sub, "argument": arg])
        case let .invalidTime(text): messages.render(.invalidTime, ["text": text])
        case let .invalidSeverity(text): messages.render(.invalidSeverity, ["text": text])
        case let .invalidNumber(text): messages.render(.invalidNumber, ["text": text])
        case let .invalidDay(text): guide.render(.invalidDay, ["text": text])
        case let .invalidPriority(text): guide.render(.invalidPriority, ["text": text])
        case let .invalidRole(text): messages.render(.invalidRole, ["text": text])
        case let .invalidActionType(text): guide.render(.invalidActionType, ["text": text, "types": ActionItem.Kind.allCases.map(\.rawValue).joined(separator: ", ")])
        }
    }

    /// `/postmortem timeline`: one page inline; when there is more than one page, the whole timeline as a file too.
    public func timeline(_ incident: Incident, filter: PostmortemCommand.TimelineFilter, page: Int, records: some IncidentRecords) throws -> Reply {
        let visible = try records.events(of: incident.id)
            .filter { !$0.isDeleted }
            .sorted { ($0.occurredAt, $0.number) < ($1.occurredAt, $1.number) }
        // The key view reads like a published timeline: milestones folded into the messages that said them, and why.
        let events: [KeyTimeline.Entry] = filter == .key
            ? KeyTimeline.merge(visible)
            : visible.map { KeyTimeline.Entry(event: $0, milestone: $0.milestone, reasons: $0.keyReasons) }
        let header = messages.render(.timelineHeader, ["id": incident.id.rawValue, "title": incident.title, "filter": filter.rawValue, "count": "\(events.count)"])
        guard !events.isEmpty else { return Reply(.ephemeral, header + "\n" + messages.render(.timelineEmpty)) }
        let pages = max(1, (events.count + timelinePageSize - 1) / timelinePageSize)
        let index = min(page, pages) - 1
        let slice = Array(events[(index * timelinePageSize)..<min(events.count, (index + 1) * timelinePageSize)])
        let why: (KeyTimeline.Entry) -> String = { self.keyReasonText($0.reasons, confirmed: $0.milestone != nil) }
        var text = header + "\n```\n" + TimelineTable.render(slice, why: why) + "```"
        var file: Reply.File?
        if pages > 1 {
            text += "\n" + messages.render(.timelinePage, ["page": "\(index + 1)", "pages": "\(pages)", "next": "\(min(index + 2, pages))"])
            text += "\n" + messages.render(.timelineAsFile)
            file = Reply.File(name: "\(incident.id.rawValue)-timeline.txt", contents: header + "\n" + TimelineTable.render(events, why: why))
        }
        return Reply(.ephemeral, text, file: file)
    }
}

/// The timeline as an aligned plain-text table (time UTC, ref, marker, source, actor, event).
public enum TimelineTable {
    /// Renders `entries` one per line; newlines inside a message are shown as `⏎` so rows stay rows. A key event
    /// ends with why it is key (`why`), a milestone with its name.
    public static func render(_ entries: [KeyTimeline.Entry], why: (KeyTimeline.Entry) -> String = { _ in "" }) -> String {
        let actorWidth = min(18, entries.map(\.event.author.name.count).max() ?? 5)
        let refWidth = entries.map(\.event.reference.count).max() ?? 2
        var out = ""
        for entry in entries {
            let event = entry.event
            let marker = entry.milestone != nil ? "◆" : (event.isKey ? "★" : " ")
            let actor = String(event.author.name.prefix(actorWidth)).padding(toLength: actorWidth, withPad: " ", startingAt: 0)
            let ref = event.reference.padding(toLength: refWidth, withPad: " ", startingAt: 0)
            let source = event.source.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
            let text = event.text.replacingOccurrences(of: "\r\n", with: " ⏎ ").replacingOccurrences(of: "\n", with: " ⏎ ")
            let edited = event.revisions.isEmpty ? "" : " (edited)"
            let files = event.attachments.isEmpty ? "" : " [" + event.attachments.map(\.name).joined(separator: ", ") + "]"
            var reasons = why(entry)
            if let kind = entry.milestone, event.source != .command { reasons = reasons.isEmpty ? kind.rawValue : "\(kind.rawValue), \(reasons)" }
            let because = reasons.isEmpty ? "" : " — \(reasons)"
            out += "\(UTCFormat.dateTime(event.occurredAt)) \(ref) \(marker) \(source) \(actor) \(text)\(edited)\(files)\(because)\n"
        }
        return out
    }
}
