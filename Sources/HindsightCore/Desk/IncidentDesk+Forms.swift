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
        case "action":
            return actionForm(inv)
        default:
            return nil
        }
    }

    /// The form for a post-mortem step typed without its text, where a form suits it better than a guided
    /// conversation: the impact fields at once, or a why with its evidence.
    func form(for request: PostmortemRequest, _ inv: CommandInvocation) -> Form? {
        guard inv.canOpenForms else { return nil }
        switch request {
        case .add(.impact, text: nil, field: nil):
            return Form(id: "impact", title: messages.render(.formImpactTitle), submitLabel: messages.render(.formSubmit), fields: guide.impactFields.map { field in
                // "Impact 2/6 — how long did users feel it…?" → the question without its counter.
                let hint = field.question.components(separatedBy: " — ").last ?? field.question
                return Form.Field(name: field.key, label: field.key.prefix(1).uppercased() + field.key.dropFirst(), kind: .multiline, optional: true, hint: hint)
            })
        case .why(text: nil, parent: nil, evidence: []):
            return Form(id: "why", title: messages.render(.formWhyTitle), submitLabel: messages.render(.formSubmit), fields: [
                Form.Field(name: "text", label: messages.render(.formFieldWhy), kind: .multiline),
                Form.Field(name: "evidence", label: messages.render(.formFieldEvidence), kind: .multiline, optional: true, hint: messages.render(.formHintEvidence)),
                Form.Field(name: "parent", label: messages.render(.formFieldParent), kind: .text, optional: true, hint: messages.render(.formHintParent)),
            ])
        default:
            return nil
        }
    }

    private func actionForm(_ inv: CommandInvocation) -> Form {
        let priorities = ActionItem.Priority.allCases.map { Form.Field.Option(label: $0.rawValue, value: $0.rawValue) }
        let kinds = ActionItem.Kind.allCases.map { Form.Field.Option(label: $0.rawValue, value: $0.rawValue) }
        // A user picker answers with a user id: a person where the platform writes mentions by id, else a typed @name.
        let owner: Form.Field.Kind = markup(for: inv.channel.platform).mentionsByID ? .user : .text
        return Form(id: "action", title: messages.render(.formActionTitle), submitLabel: messages.render(.formSubmit), fields: [
            Form.Field(name: "text", label: messages.render(.formFieldAction), kind: .multiline),
            Form.Field(name: "owner", label: messages.render(.formFieldOwner), kind: owner, hint: owner == .text ? messages.render(.formHintOwner) : nil),
            Form.Field(name: "due", label: messages.render(.formFieldDue), kind: .date, optional: true),
            Form.Field(name: "priority", label: messages.render(.formFieldPriority), kind: .select(priorities), initialValue: ActionItem.Priority.p2.rawValue),
            Form.Field(name: "type", label: messages.render(.formFieldType), kind: .select(kinds), optional: true),
        ])
    }

    /// "Declare incident" from anywhere (Slack's global shortcut): the title, severity, people to invite and the channel
    /// to announce it in; the incident gets a channel of its own (`/postmortem start … --channel`).
    public func declareForm() -> Form {
        let severities = Severity.allCases.map { Form.Field.Option(label: $0.rawValue, value: $0.rawValue) }
        return Form(id: "declare", title: messages.render(.formDeclareTitle), submitLabel: messages.render(.formSubmit), fields: [
            Form.Field(name: "title", label: messages.render(.formFieldTitle), kind: .text),
            Form.Field(name: "severity", label: messages.render(.formFieldSeverity), kind: .select(severities), initialValue: Severity.sev3.rawValue),
            Form.Field(name: "invite", label: messages.render(.formFieldInvite), kind: .text, optional: true, hint: messages.render(.formHintInvite)),
            Form.Field(name: "channel", label: messages.render(.formFieldAnnounce), kind: .channel),
        ])
    }

    /// Validates a submitted form and, when every field is right, does what the equivalent command does.
    public func submit(_ submission: FormSubmission, records: some IncidentRecords) throws -> (FormResult, [Change]) {
        let (result, decision) = try submitDecision(submission, records: records)
        return (result, decision.changes)
    }

    /// `submit`, with the whole decision: its effects too (a form that creates a channel), for the bot to perform.
    public func submitDecision(_ submission: FormSubmission, records: some IncidentRecords) throws -> (FormResult, Decision) {
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
        case "impact":
            let requests = guide.impactFields.filter { !value($0.key).isEmpty }.map { PostmortemRequest.add(.impact, text: value($0.key), field: $0.key) }
            guard !requests.isEmpty else { return (.rejected([guide.impactFields.first?.key ?? "form": messages.render(.formImpactEmpty)]), Decision()) }
            return try postmortemForm(requests, submission, records)
        case "action":
            if value("text").isEmpty { errors["text"] = messages.render(.formRequired) }
            if value("owner").isEmpty { errors["owner"] = messages.render(.formRequired) }
            var draft = PostmortemRequest.ActionDraft(text: value("text"))
            let owner = value("owner")
            if !owner.isEmpty {
                draft.owner = markup(for: submission.channel.platform).mention(handle: owner)
            }
            if !value("due").isEmpty {
                draft.due = TimeExpression.parseDay(value("due"), today: submission.submittedAt)
                if draft.due == nil { errors["due"] = guide.render(.invalidDay, ["text": value("due")]) }
            }
            draft.priority = ActionItem.Priority(rawValue: value("priority").uppercased())
            draft.kind = ActionItem.Kind(rawValue: value("type").lowercased())
            guard errors.isEmpty else { return (.rejected(errors), Decision()) }
            return try postmortemForm([.action(draft)], submission, records)
        case "why":
            if value("text").isEmpty { errors["text"] = messages.render(.formRequired) }
            var parent: Int?
            if !value("parent").isEmpty {
                parent = PostmortemRequestParser.entryNumber(value("parent"))
                if parent == nil { errors["parent"] = guide.render(.unknownEntry, ["ref": value("parent")]) }
            }
            // A level's form (opened by the next-why button) names the why it answers; refused if that was answered meanwhile.
            if parent == nil, let level = PostmortemRequestParser.entryNumber(submission.context) {
                parent = level
                let draft = try (records.openIncident(in: submission.channel) ?? records.latestIncident(in: submission.channel)).flatMap { try records.postmortem(of: $0.id) }
                if let entry = draft?.entry(level), let given = answer(toWhy: level, in: draft) { errors["text"] = alreadyAnswered(entry, by: given).text }
            }
            guard errors.isEmpty else { return (.rejected(errors), Decision()) }
            let evidence = value("evidence").split(whereSeparator: \.isWhitespace).map(String.init)
            return try postmortemForm([.why(text: value("text"), parent: parent, evidence: evidence)], submission, records)
        case Self.additionFormID:
            guard let (message, link) = additionMessage(submission.context) else {
                return (.rejected(["note": messages.render(.formUnknown, ["form": submission.formID])]), Decision())
            }
            let decision = try add(TimelineAddition(
                message: message, note: value("note"), link: link, by: submission.user, askedIn: submission.channel, at: submission.submittedAt),
                records: records)
            return (.accepted(decision.replies), decision)
        case "declare":
            if value("title").isEmpty { errors["title"] = messages.render(.formRequired) }
            let severity = CommandParser.severity(value("severity"))
            let invite = value("invite").split(whereSeparator: \.isWhitespace).map(String.init)
            let announce = value("channel").isEmpty ? submission.channel : ChannelKey(platform: submission.channel.platform, channelID: value("channel"))
            guard let request = channelRequest(title: value("title"), severity: severity, at: nil, invite: invite, now: submission.submittedAt) else {
                return (.rejected(["title": messages.render(.channelsOff)]), Decision())
            }
            guard errors.isEmpty else { return (.rejected(errors), Decision()) }
            let invocation = CommandInvocation(channel: announce, user: submission.user, text: "", receivedAt: submission.submittedAt)
            let decision = declare(request, invocation)
            return (.accepted(decision.replies), decision)
        default:
            return (.rejected(["form": messages.render(.formUnknown, ["form": submission.formID])]), Decision())
        }
        guard errors.isEmpty else { return (.rejected(errors), Decision()) }
        let invocation = CommandInvocation(channel: submission.channel, user: submission.user, text: "", receivedAt: submission.submittedAt)
        let decision = try handle(command, invocation, records)
        return (.accepted(decision.replies), decision)
    }

    /// Runs the post-mortem steps a form stands for, in one decision.
    private func postmortemForm(_ requests: [PostmortemRequest], _ submission: FormSubmission, _ records: some IncidentRecords) throws -> (FormResult, Decision) {
        let invocation = CommandInvocation(channel: submission.channel, user: submission.user, text: "", receivedAt: submission.submittedAt)
        let decision = try postmortem(requests, invocation, records, offeringNextWhy: submission.buttonsCanOpenForms)
        return (.accepted(decision.replies), decision)
    }
}
