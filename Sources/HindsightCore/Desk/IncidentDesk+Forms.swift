import Foundation

extension IncidentDesk {
    /// The form that replaces a command typed without its arguments, where the platform can show forms.
    func form(for error: CommandError, _ inv: CommandInvocation) -> Form? {
        guard inv.canOpenForms, case let .missingArgument(subcommand, _) = error else { return nil }
        switch subcommand {
        case "start":
            let severities = Severity.allCases.map { Form.Field.Option(label: $0.rawValue, value: $0.rawValue) }
            return Form(id: "start", title: messages.render(.formStartTitle), submitLabel: messages.render(.formSubmit), fields: [
                Form.Field(name: "title", label: messages.render(.formFieldTitle), kind: .text),
                Form.Field(name: "severity", label: messages.render(.formFieldSeverity), kind: .select(severities), initialValue: Severity.sev3.rawValue),
                Form.Field(name: "at", label: messages.render(.formFieldStartedAt), kind: .text, optional: true, hint: messages.render(.formHintTime)),
            ])
        case "note":
            return Form(id: "note", title: messages.render(.formNoteTitle), submitLabel: messages.render(.formSubmit), fields: [
                Form.Field(name: "text", label: messages.render(.formFieldNote), kind: .multiline),
                Form.Field(name: "at", label: messages.render(.formFieldAt), kind: .text, optional: true, hint: messages.render(.formHintTime)),
            ])
        default:
            return nil
        }
    }

    /// Validates a submitted form and, when every field is right, does what the equivalent command does.
    public func submit(_ submission: FormSubmission, records: some IncidentRecords) throws -> (FormResult, [Change]) {
        let value = { (name: String) in submission.values[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        var errors: [String: String] = [:]
        var at: Date?
        if !value("at").isEmpty {
            at = TimeExpression.parse(value("at"), now: submission.submittedAt, zone: parser.zone)
            if at == nil { errors["at"] = messages.render(.invalidTime, ["text": value("at")]) }
        }
        let command: PostmortemCommand
        switch submission.formID {
        case "start":
            if value("title").isEmpty { errors["title"] = messages.render(.formRequired) }
            let severity = CommandParser.severity(value("severity"))
            if !value("severity").isEmpty, severity == nil { errors["severity"] = messages.render(.invalidSeverity, ["text": value("severity")]) }
            command = .start(title: value("title"), severity: severity, at: at)
        case "note":
            if value("text").isEmpty { errors["text"] = messages.render(.formRequired) }
            command = .note(text: value("text"), at: at)
        default:
            return (.rejected(["form": messages.render(.formUnknown, ["form": submission.formID])]), [])
        }
        guard errors.isEmpty else { return (.rejected(errors), []) }
        let invocation = CommandInvocation(channel: submission.channel, user: submission.user, text: "", receivedAt: submission.submittedAt)
        let decision = try handle(command, invocation, records)
        return (.accepted(decision.replies), decision.changes)
    }
}
