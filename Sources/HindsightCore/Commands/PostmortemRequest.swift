import Foundation

/// A post-mortem writing command (`summary`, `why`, `action`…), parsed from `/postmortem …`.
public enum PostmortemRequest: Hashable, Sendable {
    /// A section entry in one line, or (text nil) a guided question. `field` is the impact field or factor category.
    case add(PostmortemSection, text: String?, field: String?)
    case why(text: String?, parent: Int?, evidence: [String])
    case whyDone(reason: String?)
    case rootCause(RootCauseChoice)
    case action(ActionDraft)
    case actionStatus(number: Int, status: ActionItem.Status, note: String?)
    case actions
    /// Updates action items from their tracker issues (closed → done).
    case actionsSync
    case show
    case edit(EntryTarget, text: String)
    case remove(EntryTarget)
    case keep(entry: Int)
    case reword(entry: Int)
    case review
    case followUp(Date)
    case cancel
    /// Incident figures over a window (`last 90d`, `since 2026-01-01`; default the last 90 days).
    case stats(since: Date?)
    /// Incidents per month and the MTTR trend as an SVG file.
    case statsChart
    /// Earlier incidents like this one.
    case patterns
    /// Queries Prometheus over the incident window and puts the metric's story on the timeline.
    case metrics(query: String, threshold: Double?, from: Date?, to: Date?)
    /// Adds service or label tags to this incident.
    case tag([String])
    /// Renders and publishes the report; `force` publishes even when the review fails; `to` adds stakeholder channels.
    case publish(force: Bool, to: [String])

    public enum RootCauseChoice: Hashable, Sendable {
        case propose, confirm, entry(Int), text(String)
    }

    public enum EntryTarget: Hashable, Sendable {
        case entry(Int), action(Int), section(PostmortemSection)
    }

    /// An action item as typed: the text and whatever of owner, due date, priority and type was given.
    public struct ActionDraft: Hashable, Sendable {
        public var text: String
        public var owner: String?
        public var due: Date?
        public var priority: ActionItem.Priority?
        public var kind: ActionItem.Kind?
    }
}

/// Parses the post-mortem writing commands; `nil` for a verb that is not one of them.
struct PostmortemRequestParser {
    var now: Date
    var zone: TimeZone = .gmt

    func parse(verb: String, _ args: [String]) throws(CommandError) -> PostmortemRequest? {
        let text = args.isEmpty ? nil : args.joined(separator: " ")
        switch verb {
        case "summary": return .add(.summary, text: text, field: nil)
        case "went-well", "wentwell", "well": return .add(.wentWell, text: text, field: nil)
        case "went-wrong", "wentwrong", "wrong": return .add(.wentWrong, text: text, field: nil)
        case "lucky": return .add(.lucky, text: text, field: nil)
        case "lesson", "learned": return .add(.lesson, text: text, field: nil)
        case "impact":
            guard let first = args.first else { return .add(.impact, text: nil, field: nil) }
            return .add(.impact, text: args.count > 1 ? args.dropFirst().joined(separator: " ") : nil, field: first.lowercased())
        case "factor":
            guard let category = args.first else { throw .missingArgument(subcommand: "factor", argument: "category") }
            guard args.count > 1 else { throw .missingArgument(subcommand: "factor", argument: "text") }
            return .add(.factor, text: args.dropFirst().joined(separator: " "), field: category)
        case "why":
            return try why(args)
        case "rootcause", "root-cause":
            guard let first = args.first else { return .rootCause(.propose) }
            if args.count == 1, first.lowercased() == "confirm" { return .rootCause(.confirm) }
            if args.count == 1, let n = Self.entryNumber(first) { return .rootCause(.entry(n)) }
            return .rootCause(.text(args.joined(separator: " ")))
        case "action":
            return try action(args)
        case "actions":
            if args.count == 1, args[0].lowercased() == "sync" { return .actionsSync }
            guard args.isEmpty else { throw .unexpectedArgument(subcommand: "actions", argument: args[0]) }
            return .actions
        case "show", "draft":
            return .show
        case "edit":
            guard let ref = args.first else { throw .missingArgument(subcommand: "edit", argument: "entry (P3, AI-002 or a section)") }
            guard args.count > 1 else { throw .missingArgument(subcommand: "edit", argument: "new text") }
            return .edit(try target(ref, "edit"), text: args.dropFirst().joined(separator: " "))
        case "remove", "delete":
            guard let ref = args.first else { throw .missingArgument(subcommand: "remove", argument: "entry (P3 or AI-002)") }
            return .remove(try target(ref, "remove"))
        case "keep", "reword":
            guard let ref = args.first else { throw .missingArgument(subcommand: verb, argument: "entry (e.g. P3)") }
            guard let n = Self.entryNumber(ref) else { throw .invalidNumber(ref) }
            return verb == "keep" ? .keep(entry: n) : .reword(entry: n)
        case "review", "check":
            return .review
        case "followup", "follow-up":
            guard let value = args.first else { throw .missingArgument(subcommand: "followup", argument: "date (YYYY-MM-DD or +4w)") }
            guard let day = TimeExpression.parseDay(value, today: now) else { throw .invalidDay(value) }
            return .followUp(day)
        case "cancel", "stop":
            return .cancel
        case "stats", "metrics-summary":
            guard let first = args.first?.lowercased() else { return .stats(since: nil) }
            if first == "chart", args.count == 1 { return .statsChart }
            if first == "since", args.count == 2, let day = TimeExpression.parseDay(args[1], today: now) { return .stats(since: day) }
            if first == "last", args.count == 2, let days = Self.days(args[1]) { return .stats(since: now.addingTimeInterval(-Double(days) * 86_400)) }
            throw .unexpectedArgument(subcommand: "stats", argument: args.joined(separator: " "))
        case "metrics", "metric":
            var words: [String] = []
            var threshold: Double?
            var from: Date?
            var to: Date?
            var rest = args[...]
            while let word = rest.popFirst() {
                switch word.lowercased() {
                case "above", "threshold":
                    guard let value = rest.popFirst() else { throw .missingArgument(subcommand: "metrics above", argument: "number") }
                    guard let number = Double(value) else { throw .invalidNumber(value) }
                    threshold = number
                case "from", "to":
                    guard let value = rest.popFirst() else { throw .missingArgument(subcommand: "metrics \(word)", argument: "time") }
                    guard let date = TimeExpression.parse(value, now: now, zone: zone) else { throw .invalidTime(value) }
                    if word.lowercased() == "from" { from = date } else { to = date }
                default:
                    words.append(word)
                }
            }
            guard !words.isEmpty else { throw .missingArgument(subcommand: "metrics", argument: "PromQL query") }
            return .metrics(query: words.joined(separator: " "), threshold: threshold, from: from, to: to)
        case "patterns", "similar":
            return .patterns
        case "tag":
            guard !args.isEmpty else { throw .missingArgument(subcommand: "tag", argument: "service or label") }
            return .tag(args.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "#,")) }.filter { !$0.isEmpty })
        case "publish":
            var force = false
            var channels: [String] = []
            var rest = args[...]
            while let word = rest.popFirst() {
                switch word.lowercased() {
                case "--force", "force", "-f": force = true
                case "to":
                    guard !rest.isEmpty else { throw .missingArgument(subcommand: "publish to", argument: "channel") }
                    while let channel = rest.first, !["--force", "force", "-f"].contains(channel.lowercased()) {
                        channels.append(Self.channelID(channel))
                        rest = rest.dropFirst()
                    }
                default: throw .unexpectedArgument(subcommand: "publish", argument: word)
                }
            }
            return .publish(force: force, to: channels)
        default:
            return nil
        }
    }

    private func why(_ args: [String]) throws(CommandError) -> PostmortemRequest {
        var rest = args[...]
        if rest.first?.lowercased() == "done" {
            let reason = rest.dropFirst().joined(separator: " ")
            return .whyDone(reason: reason.isEmpty ? nil : reason)
        }
        var parent: Int?
        if rest.first?.lowercased() == "under" {
            rest = rest.dropFirst()
            guard let ref = rest.popFirst() else { throw .missingArgument(subcommand: "why under", argument: "entry (e.g. P3)") }
            guard let n = Self.entryNumber(ref) else { throw .invalidNumber(ref) }
            parent = n
        }
        let (text, evidence) = Self.splitEvidence(Array(rest))
        return .why(text: text.isEmpty ? nil : text, parent: parent, evidence: evidence)
    }

    /// `<text> evidence <link|E12> [<link|E12>…]`: the words after `evidence` are the evidence.
    static func splitEvidence(_ words: [String]) -> (text: String, evidence: [String]) {
        guard let index = words.lastIndex(where: { $0.lowercased() == "evidence" || $0.lowercased() == "evidence:" }) else {
            return (words.joined(separator: " "), [])
        }
        return (words[..<index].joined(separator: " "), Array(words[(index + 1)...]))
    }

    private func action(_ args: [String]) throws(CommandError) -> PostmortemRequest {
        // `action done AI-003`: a status word, then an item. "Open a ticket with the vendor…" and "Done when the
        // command refuses…" are items whose text happens to start with one.
        if let first = args.first?.lowercased(), let status = Self.statusWords[first],
           args.dropFirst().first.map(Self.looksLikeItem) ?? true {
            guard let ref = args.dropFirst().first else { throw .missingArgument(subcommand: "action \(first)", argument: "item (e.g. AI-003)") }
            guard let n = ActionItem.number(from: ref) else { throw .invalidNumber(ref) }
            let note = args.dropFirst(2).joined(separator: " ")
            return .actionStatus(number: n, status: status, note: note.isEmpty ? nil : note)
        }
        // Fields are the trailing `owner …`, `due …`, `priority …`, `type …` (and a bare `P1`): the same words inside
        // the text ("changes of this type must be reviewed by the owner") are text.
        // Punctuation around them is the sentence's, not the field's: "(priority P2, due 2025-01-31)", "Owner: @kenji.".
        let args = args.map { Self.fieldWords.contains(Self.unpunctuated($0).lowercased()) ? Self.unpunctuated($0) : $0 }
        func value(_ index: Int) -> String { Self.unpunctuated(args[index]) }
        var tail = args.count
        while tail > 0 {
            if tail >= 2, Self.fieldWords.contains(args[tail - 2].lowercased()) {
                tail -= 2
            } else if ["p1", "p2", "p3"].contains(value(tail - 1).lowercased()), tail > 1 {
                tail -= 1
            } else {
                break
            }
        }
        var draft = PostmortemRequest.ActionDraft(text: "")
        var index = tail
        while index < args.count {
            let word = args[index].lowercased()
            guard Self.fieldWords.contains(word) else {
                draft.priority = ActionItem.Priority(rawValue: value(index).uppercased())
                index += 1
                continue
            }
            let value = value(index + 1)
            index += 2
            switch word {
            case "owner", "owner:":
                draft.owner = value
            case "due", "due:":
                guard let day = TimeExpression.parseDay(value, today: now) else { throw .invalidDay(value) }
                draft.due = day
            case "priority", "priority:":
                guard let priority = ActionItem.Priority(rawValue: value.uppercased()) else { throw .invalidPriority(value) }
                draft.priority = priority
            default:
                guard let kind = ActionItem.Kind(rawValue: value.lowercased()) else { throw .invalidActionType(value) }
                draft.kind = kind
            }
        }
        if tail == args.count, let last = args.last?.lowercased(), ["owner:", "due:", "priority:", "type:"].contains(last) {
            throw .missingArgument(subcommand: "action", argument: "a value after `\(last)`")
        }
        // What only led into the fields goes with them: "… for the platform — owner @dev" is "… for the platform".
        let text = args[..<tail].joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: " —–-|,;(").union(.whitespaces))
        guard !text.isEmpty else { throw .missingArgument(subcommand: "action", argument: "text") }
        draft.text = text
        return .action(draft)
    }

    /// A word without the sentence's punctuation around it (`(priority` → `priority`, `2025-01-31).` → `2025-01-31`).
    private static func unpunctuated(_ word: String) -> String {
        word.trimmingCharacters(in: CharacterSet(charactersIn: "(),.;"))
    }

    /// `AI-003`, `ai3`, `3`: what a status command's second word is (a typo in it is answered, not filed as an item).
    private static func looksLikeItem(_ word: String) -> Bool {
        word.lowercased().hasPrefix("ai") ? word.count <= 8 : word.allSatisfy(\.isNumber)
    }

    private static let fieldWords: Set<String> = ["owner", "owner:", "due", "due:", "priority", "priority:", "type", "type:"]

    private static let statusWords: [String: ActionItem.Status] = [
        "done": .done, "progress": .inProgress, "in-progress": .inProgress, "started": .inProgress, "wontdo": .wontDo,
        "wont-do": .wontDo, "won't-do": .wontDo, "open": .open, "reopen": .open,
    ]

    private func target(_ ref: String, _ verb: String) throws(CommandError) -> PostmortemRequest.EntryTarget {
        if let n = Self.entryNumber(ref) { return .entry(n) }
        if ref.uppercased().hasPrefix("AI"), let n = ActionItem.number(from: ref) { return .action(n) }
        if let section = PostmortemSection(rawValue: ref.lowercased()) { return .section(section) }
        throw .invalidNumber(ref)
    }

    /// A channel as typed: Slack's `<#C123|name>` → `C123`; `#name` / `~name` → `name`; otherwise as is.
    static func channelID(_ text: String) -> String {
        var value = text.trimmingCharacters(in: CharacterSet(charactersIn: ","))
        if value.hasPrefix("<#"), value.hasSuffix(">") {
            value = String(value.dropFirst(2).dropLast())
            return String(value.split(separator: "|").first ?? "")
        }
        if value.hasPrefix("#") || value.hasPrefix("~") { value.removeFirst() }
        return value
    }

    /// `90d`, `12w`, `6m` (30-day months) → days.
    static func days(_ text: String) -> Int? {
        guard let unit = text.last, let n = Int(text.dropLast()), n > 0 else { return nil }
        switch unit {
        case "d": return n
        case "w": return n * 7
        case "m": return n * 30
        case "y": return n * 365
        default: return nil
        }
    }

    /// `P3` or `p3` → 3.
    static func entryNumber(_ ref: String) -> Int? {
        guard ref.uppercased().hasPrefix("P"), let n = Int(ref.dropFirst()), n >= 1 else { return nil }
        return n
    }
}
