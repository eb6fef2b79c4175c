import Foundation

/// Parses the text after `/postmortem` into a `PostmortemCommand`.
///
/// Grammar (one line each, as in `/postmortem help`):
/// `start <title> [sev1-4] [at <time>]`, `sev <level>`, `detected|acknowledged|mitigated|resolved [at <time>] [note]`,
/// `reopen`, `status`, `note <text> [at <time>]`, `pin|unpin E<n>`, `timeline [all|key] [page <n>]`, `confirm S<n>`, `dismiss S<n>`,
/// `role ic|comms|scribe @person|me|none`, `help`.
public struct CommandParser: Sendable {
    public var zone: TimeZone

    public init(zone: TimeZone) {
        self.zone = zone
    }

    /// Parses `text`; `now` resolves relative and clock times.
    public func parse(_ text: String, now: Date) -> Result<PostmortemCommand, CommandError> {
        var tokens = Tokenizer.split(text)
        guard !tokens.isEmpty else { return .failure(.empty) }
        // PromQL uses double quotes in label matchers: metrics queries are split on spaces only, quotes kept.
        if ["metrics", "metric"].contains(tokens[0].lowercased()) { tokens = text.split(whereSeparator: \.isWhitespace).map(String.init) }
        let verb = tokens.removeFirst().lowercased()
        do throws(CommandError) {
            return .success(try parse(verb: verb, tokens, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func parse(verb: String, _ args: [String], now: Date) throws(CommandError) -> PostmortemCommand {
        switch verb {
        case "help", "?":
            return .help
        case "start", "open", "declare":
            var rest = args
            var invite: [String]?
            if let flag = rest.firstIndex(where: { $0.lowercased() == "--channel" }) {
                invite = Array(rest[(flag + 1)...])
                rest.removeSubrange(flag...)
            }
            let severity = try extractSeverity(&rest)
            let at = try extractTrailingTime(&rest, now: now)
            guard !rest.isEmpty else { throw .missingArgument(subcommand: "start", argument: "title") }
            if let invite { return .declare(title: rest.joined(separator: " "), severity: severity, at: at, invite: invite) }
            return .start(title: rest.joined(separator: " "), severity: severity, at: at)
        case "sev", "severity":
            guard let level = args.first else { throw .missingArgument(subcommand: "sev", argument: "level") }
            guard args.count == 1 else { throw .unexpectedArgument(subcommand: "sev", argument: args[1]) }
            guard let severity = Self.severity(level) else { throw .invalidSeverity(level) }
            return .severity(severity)
        case "started", "detected", "acknowledged", "acked", "ack", "mitigated", "resolved":
            let kind: MilestoneKind = switch verb {
            case "started": .started
            case "detected": .detected
            case "mitigated": .mitigated
            case "resolved": .resolved
            default: .acknowledged
            }
            var rest = args
            let at = try extractLeadingTime(&rest, now: now)
            return .milestone(kind, at: at, note: rest.isEmpty ? nil : rest.joined(separator: " "))
        case "reopen":
            return .reopen
        case "status":
            return .status
        case "note":
            var rest = args
            let at = try extractTrailingTime(&rest, now: now)
            guard !rest.isEmpty else { throw .missingArgument(subcommand: "note", argument: "text") }
            return .note(text: rest.joined(separator: " "), at: at)
        case "timeline":
            var filter = PostmortemCommand.TimelineFilter.all
            var page = 1
            var rest = args[...]
            while let word = rest.popFirst() {
                switch word.lowercased() {
                case "all": filter = .all
                case "key": filter = .key
                case "page":
                    guard let value = rest.popFirst() else { throw .missingArgument(subcommand: "timeline", argument: "page number") }
                    guard let n = Int(value), n >= 1 else { throw .invalidNumber(value) }
                    page = n
                default: throw .unexpectedArgument(subcommand: "timeline", argument: word)
                }
            }
            return .timeline(filter: filter, page: page)
        case "pin", "unpin":
            guard let ref = args.first else { throw .missingArgument(subcommand: verb, argument: "event (e.g. E12)") }
            let digits = ref.uppercased().hasPrefix("E") ? String(ref.dropFirst()) : ref
            guard let n = Int(digits), n >= 1 else { throw .invalidNumber(ref) }
            return .pin(event: n, on: verb == "pin")
        case "confirm", "dismiss":
            guard let ref = args.first else { throw .missingArgument(subcommand: verb, argument: "suggestion (e.g. S1)") }
            let digits = ref.uppercased().hasPrefix("S") ? String(ref.dropFirst()) : ref
            guard let n = Int(digits), n >= 1 else { throw .invalidNumber(ref) }
            return verb == "confirm" ? .confirm(suggestion: n) : .dismiss(suggestion: n)
        case "role":
            guard let word = args.first else { throw .missingArgument(subcommand: "role", argument: "role (ic, comms or scribe)") }
            guard let role = Self.role(word) else { throw .invalidRole(word) }
            guard args.count >= 2 else { throw .missingArgument(subcommand: "role \(role.rawValue)", argument: "@person, me or none") }
            let person = args.dropFirst().joined(separator: " ")
            return .role(role, person: ["none", "nobody", "clear", "-"].contains(person.lowercased()) ? nil : person)
        default:
            if let request = try PostmortemRequestParser(now: now, zone: zone).parse(verb: verb, args) { return .postmortem(request) }
            throw .unknownSubcommand(verb)
        }
    }

    /// A role by its name or a common alias (`commander`, `incident-commander`, `communications`, `notes`).
    static func role(_ word: String) -> IncidentRole? {
        switch word.lowercased() {
        case "ic", "commander", "incident-commander", "lead": .ic
        case "comms", "communications", "comms-lead": .comms
        case "scribe", "notes", "note-taker": .scribe
        default: nil
        }
    }

    static func severity(_ word: String) -> Severity? {
        let lower = word.lowercased()
        if let s = Severity(rawValue: lower) { return s }
        if lower.count == 2, lower.first == "p" || lower.first == "s", let n = Int(lower.dropFirst()) {
            return Severity(rawValue: "sev\(n)")
        }
        return nil
    }

    /// Removes a `sevN` token anywhere in the arguments.
    private func extractSeverity(_ args: inout [String]) throws(CommandError) -> Severity? {
        guard let index = args.firstIndex(where: { Severity(rawValue: $0.lowercased()) != nil }) else { return nil }
        return Severity(rawValue: args.remove(at: index).lowercased())
    }

    /// `at <time>` right after the verb (milestones). A bad time there is an error.
    private func extractLeadingTime(_ args: inout [String], now: Date) throws(CommandError) -> Date? {
        guard args.first?.lowercased() == "at" else { return nil }
        guard args.count >= 2 else { throw .missingArgument(subcommand: "at", argument: "time") }
        if args.count >= 3, let date = TimeExpression.parse("\(args[1]) \(args[2])", now: now, zone: zone) {
            args.removeFirst(3)
            return date
        }
        guard let date = TimeExpression.parse(args[1], now: now, zone: zone) else { throw .invalidTime(args[1]) }
        args.removeFirst(2)
        return date
    }

    /// A trailing `at <time>` (start, note). A time-looking value that does not parse is an error;
    /// other words after `at` are ordinary text ("note traffic shifted at the edge").
    private func extractTrailingTime(_ args: inout [String], now: Date) throws(CommandError) -> Date? {
        let n = args.count
        if n >= 3, args[n - 3].lowercased() == "at", let date = TimeExpression.parse("\(args[n - 2]) \(args[n - 1])", now: now, zone: zone) {
            args.removeLast(3)
            return date
        }
        guard n >= 2, args[n - 2].lowercased() == "at" else { return nil }
        let value = args[n - 1]
        if let date = TimeExpression.parse(value, now: now, zone: zone) {
            args.removeLast(2)
            return date
        }
        if value.contains(where: \.isNumber) { throw .invalidTime(value) }
        return nil
    }
}

/// Splits command text into words, keeping "double quoted" or “curly quoted” phrases together.
enum Tokenizer {
    static func split(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quote: Character?
        var quotedToken = false
        for ch in text {
            if let q = quote {
                if ch == q || (q == "“" && ch == "”") { quote = nil } else { current.append(ch) }
            } else if ch == "\"" || ch == "“" {
                quote = ch
                quotedToken = true
            } else if ch.isWhitespace {
                if !current.isEmpty || quotedToken { tokens.append(current) }
                current = ""
                quotedToken = false
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty || quotedToken { tokens.append(current) }
        return tokens
    }
}
