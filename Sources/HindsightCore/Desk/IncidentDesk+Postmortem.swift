import Foundation

extension IncidentDesk {
    /// Handles a post-mortem writing command on the channel's open incident, else its latest one.
    func postmortem(_ request: PostmortemRequest, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> Decision {
        if case let .stats(since) = request {
            return Decision(replies: [Reply(.ephemeral, try statsText(since: since ?? inv.receivedAt.addingTimeInterval(-90 * 86_400), now: inv.receivedAt, records))])
        }
        if case .statsChart = request {
            let months = StatsChart.months(try records.allIncidents(), now: inv.receivedAt)
            let svg = StatsChart.svg(months, title: guide.render(.chartTitle))
            return Decision(replies: [Reply(.channel, guide.render(.chartPosted), file: Reply.File(name: "incidents-\(UTCFormat.day(inv.receivedAt)).svg", contents: svg))])
        }
        guard let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        if case .patterns = request { return Decision(replies: [Reply(.ephemeral, try patternsText(incident, records))]) }
        if let reply = formReply(for: request, inv, draft: try records.postmortem(of: incident.id)) { return Decision(replies: [reply]) }
        if let effect = try effect(for: request, incident, inv, records) { return Decision(effects: [effect]) }
        var session = try session(incident, inv, records)
        if case .publish = request { session.similar = try similarIncidents(to: incident, records) }
        let replies = session.run(request)
        var decision = session.decision(replies)
        decision.reports = session.reports
        return decision
    }

    /// Several writing steps (a submitted form) on the channel's open incident, else its latest one, as one decision.
    /// `offeringNextWhy`: a why that does not end the chain is followed by the next level's question with a button.
    func postmortem(_ requests: [PostmortemRequest], _ inv: CommandInvocation, _ records: some IncidentRecords, offeringNextWhy: Bool = false) throws -> Decision {
        guard let incident = try records.openIncident(in: inv.channel) ?? records.latestIncident(in: inv.channel) else {
            return Decision(replies: [Reply(.ephemeral, messages.render(.noIncident))])
        }
        var session = try session(incident, inv, records)
        session.offersNextWhy = offeringNextWhy
        let replies = requests.flatMap { session.run($0) }
        return session.decision(replies)
    }

    /// The work outside the store a request needs, where the bot has the connection for it: metrics from Prometheus
    /// over the incident's window (15 minutes either side unless given), the state of filed issues, and filing the
    /// action items before a publication the review allows. Without the connection the session answers it.
    private func effect(for request: PostmortemRequest, _ incident: Incident, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> Effect? {
        switch request {
        case let .metrics(query, threshold, from, to) where connections.metrics:
            let start = from ?? incident.startedAt.addingTimeInterval(-15 * 60)
            let resolvedEnd = incident.milestones[.resolved].map { $0.addingTimeInterval(15 * 60) }
            let end = max(to ?? resolvedEnd ?? inv.receivedAt, start.addingTimeInterval(60))
            return Effect(.queryMetric(query: query, threshold: threshold, start: start, end: end), for: inv)
        case .actionsSync where connections.trackers:
            return Effect(.syncActionItems(incident: incident.id), for: inv)
        case let .publish(force, channels) where connections.trackers:
            guard let draft = try records.postmortem(of: incident.id), !draft.actions.isEmpty else { return nil }
            let review = reviewChecklist.evaluate(incident: incident, events: try records.events(of: incident.id), draft: draft, today: inv.receivedAt)
            guard ReviewChecklist.isComplete(review) || force else { return nil }   // the session refuses it, with the review
            return Effect(.fileActionItems(incident: incident.id, force: force, channels: channels), for: inv)
        default:
            return nil
        }
    }

    func session(_ incident: Incident, _ inv: CommandInvocation, _ records: some IncidentRecords) throws -> PostmortemSession {
        PostmortemSession(
            desk: self, incident: incident, draft: try records.postmortem(of: incident.id) ?? PostmortemDraft(incidentID: incident.id),
            events: try records.events(of: incident.id), user: inv.user, channel: inv.channel, now: inv.receivedAt
        )
    }

    /// If `message` answers a question the bot asked its author, the decision that stores the answer.
    /// `open` is the channel's open incident, already looked up by the caller (capture's hot path).
    func answer(_ message: ChannelMessage, open: Incident?, records: some IncidentRecords) throws -> (CaptureOutcome, Decision)? {
        guard !message.isFromThisBot,
              let incident = try open ?? records.latestIncident(in: message.channel),
              let draft = try records.postmortem(of: incident.id),
              let conversation = draft.conversation(of: message.author.id, in: message.channel),
              message.sentAt.timeIntervalSince(conversation.askedAt) <= TimeInterval(guide.answerWindowMinutes * 60)
        else { return nil }
        if conversation.lastMessageID == message.messageID { return (.duplicate, Decision()) }
        var session = PostmortemSession(
            desk: self, incident: incident, draft: draft, events: try records.events(of: incident.id), user: message.author,
            channel: message.channel, now: message.sentAt
        )
        let replies = session.answer(redact(message.text), conversation: conversation, messageID: message.messageID)
        return (.answered, session.decision(replies))
    }
}

extension IncidentDesk {
    /// Earlier incidents whose analysis or tags resemble this one's, most similar first.
    func similarIncidents(to incident: Incident, _ records: some IncidentRecords) throws -> [SimilarIncident] {
        let drafts = Dictionary(try records.allPostmortems().map { ($0.incidentID, $0) }, uniquingKeysWith: { first, _ in first })
        let profiles = try records.allIncidents().map { other in
            IncidentProfile(
                id: other.id, title: other.title, startedAt: other.startedAt,
                analysis: [other.title, drafts[other.id]?.analysisText ?? ""].joined(separator: "\n"), tags: Set(drafts[other.id]?.tags ?? [])
            )
        }
        return RecurrenceFinder(profiles: profiles).similar(to: incident.id)
    }

    private func patternsText(_ incident: Incident, _ records: some IncidentRecords) throws -> String {
        let similar = try similarIncidents(to: incident, records)
        guard !similar.isEmpty else { return guide.render(.patternsNone, ["id": incident.id.rawValue]) }
        let earliest = similar.map(\.startedAt).min() ?? incident.startedAt
        let months = max(1, Int((incident.startedAt.timeIntervalSince(earliest) / (30 * 86_400)).rounded(.up)))
        var lines = [guide.render(.patternsHeader, ["id": incident.id.rawValue, "title": incident.title, "count": "\(similar.count)", "months": "\(months)"])]
        for match in similar.prefix(10) {
            guard let other = try records.incident(match.id) else { continue }
            lines.append(guide.render(.patternsLine, [
                "id": match.id.rawValue, "title": match.title, "date": UTCFormat.day(match.startedAt), "score": "\(Int((match.score * 100).rounded()))",
                "shared": (match.sharedTags.sorted().map { "#\($0)" } + match.sharedTerms.prefix(4)).joined(separator: ", "),
                "path": ReportSlug.path(for: other),
            ]))
        }
        return lines.joined(separator: "\n")
    }

    private func statsText(since: Date, now: Date, _ records: some IncidentRecords) throws -> String {
        let incidents = try records.allIncidents()
        let window = DateInterval(start: min(since, now), end: now)
        let stats = IncidentStatistics(incidents: incidents, window: window)
        let follow = FollowThrough(incidents: incidents, drafts: try records.allPostmortems(), window: window, now: now)
        func duration(_ value: TimeInterval?) -> String { value.map(UTCFormat.duration) ?? "—" }
        func percent(_ value: Double?) -> String { value.map { "\(Int(($0 * 100).rounded()))%" } ?? "—" }
        return guide.render(.stats, [
            "from": UTCFormat.day(window.start), "to": UTCFormat.day(now), "count": "\(stats.count)", "open": "\(stats.open)",
            "by_severity": stats.bySeverity.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            "by_month": stats.byMonth.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
            "mttd": duration(stats.timeToDetect.mean), "mtta": duration(stats.timeToAcknowledge.mean),
            "mttm": duration(stats.timeToMitigate.mean), "mttr": duration(stats.timeToResolve.mean),
            "mttr_median": duration(stats.timeToResolve.median), "mtbf": duration(stats.meanTimeBetweenFailures),
            "published": "\(follow.published)", "resolved": "\(follow.resolved)", "completion": percent(follow.completionRate),
            "ttp": duration(follow.timeToPublish.mean), "done": "\(follow.actionsDone)", "actions": "\(follow.actions)",
            "action_rate": percent(follow.actionCompletionRate), "overdue": "\(follow.overdue)",
        ])
    }
}

/// One post-mortem command or answer being decided: the draft it changes and the replies it says.
struct PostmortemSession {
    let desk: IncidentDesk
    let incident: Incident
    var draft: PostmortemDraft
    let events: [TimelineEvent]
    let user: Person
    let channel: ChannelKey
    let now: Date
    private var changed = false
    /// Report files this command produced, written by the bot once the decision is stored.
    private(set) var reports: [ReportFile] = []
    /// Earlier incidents like this one, for the report.
    var similar: [SimilarIncident] = []
    /// A why added outside a conversation is followed by the next level's question with a button (forms that buttons open).
    var offersNextWhy = false

    init(desk: IncidentDesk, incident: Incident, draft: PostmortemDraft, events: [TimelineEvent], user: Person, channel: ChannelKey, now: Date) {
        self.desk = desk
        self.incident = incident
        self.draft = draft
        self.events = events
        self.user = user
        self.channel = channel
        self.now = now
    }

    private var guide: PostmortemGuide { desk.guide }

    func decision(_ replies: [Reply]) -> Decision {
        Decision(changes: changed ? [.savePostmortem(draft)] : [], replies: replies)
    }

    private func say(_ key: PostmortemText, _ values: [String: String] = [:], _ visibility: Reply.Visibility = .ephemeral) -> Reply {
        Reply(visibility, guide.render(key, values))
    }

    // MARK: Commands

    mutating func run(_ request: PostmortemRequest) -> [Reply] {
        switch request {
        case let .add(section, text, field):
            return add(section, text: text, field: field)
        case let .why(text, parent, evidence):
            guard let text else { return startWhys() }
            let parentNumber = parent ?? draft.entries(in: .why).last?.number
            if let parent, draft.entry(parent)?.section != .why { return [say(.unknownEntry, ["ref": "P\(parent)"])] }
            return addWhy(text, parent: parentNumber, evidence: evidence, guided: false)
        case let .whyDone(reason):
            return whysDone(reason: reason)
        case let .rootCause(choice):
            return rootCause(choice)
        case let .action(item):
            return addAction(item)
        case let .actionStatus(number, status, note):
            guard let index = draft.actions.firstIndex(where: { $0.number == number }) else {
                return [say(.unknownAction, ["ref": ActionItem.reference(number)])]
            }
            draft.actions[index].status = status
            draft.actions[index].statusNote = note.map(desk.redact)
            changed = true
            return [say(.actionStatus, ["ref": draft.actions[index].reference, "status": status.rawValue, "user": user.name], .channel)]
        case .actions:
            return [Reply(.ephemeral, actionsText())]
        case .actionsSync:
            // With a tracker connected this is an effect (`IncidentDesk.effect(for:)`); reaching the session means none is.
            return [say(.noTrackers)]
        case .show:
            return [Reply(.ephemeral, showText())]
        case let .edit(target, text):
            return edit(target, text: text)
        case let .remove(target):
            return remove(target)
        case let .keep(number):
            guard let index = draft.entries.firstIndex(where: { $0.number == number }) else { return [say(.unknownEntry, ["ref": "P\(number)"])] }
            draft.entries[index].kept = true
            changed = true
            return [say(.entryKept, ["ref": "P\(number)"])]
        case let .reword(number):
            guard let index = draft.entries.firstIndex(where: { $0.number == number }) else { return [say(.unknownEntry, ["ref": "P\(number)"])] }
            guard let suggestion = draft.entries[index].suggestedText else { return [say(.nothingToReword, ["ref": "P\(number)"])] }
            return replaceText(at: index, with: suggestion, key: .entryReworded)
        case .review:
            return [Reply(.ephemeral, reviewText())]
        case let .followUp(day):
            draft.followUpReview = day
            changed = true
            return [say(.followUpSet, ["date": UTCFormat.day(day)], .channel)]
        case let .publish(force, channels):
            return publish(force: force, to: channels)
        case let .tag(tags):
            for tag in tags where !draft.tags.contains(tag) { draft.tags.append(tag) }
            changed = true
            return [say(.tagged, ["id": incident.id.rawValue, "tags": draft.tags.map { "#\($0)" }.joined(separator: " ")])]
        case .metrics:
            // With Prometheus connected this is an effect (`IncidentDesk.effect(for:)`); reaching the session means it is not.
            return [say(.noPrometheus)]
        case .stats, .statsChart, .patterns:
            return [] // answered before a session is made
        case .cancel:
            guard draft.conversation(of: user.id, in: channel) != nil else { return [say(.nothingToCancel)] }
            draft.setConversation(nil, for: user, in: channel)
            changed = true
            return [say(.conversationCancelled)]
        }
    }

    private mutating func add(_ section: PostmortemSection, text: String?, field: String?) -> [Reply] {
        var field = field
        var text = text
        switch section {
        case .impact:
            if let f = field, !guide.impactFields.contains(where: { $0.key == f }) {
                // `impact <free text>`: the first word was not a field name.
                text = ([f] + (text.map { [$0] } ?? [])).joined(separator: " ")
                field = "notes"
            }
            guard let text else {
                if let f = field, let index = guide.impactFields.firstIndex(where: { $0.key == f }) { return ask(.impact(field: index)) }
                return ask(.impact(field: 0))
            }
            return addEntry(.impact, text: text, field: field)
        case .factor:
            let categories = guide.factorCategories
            guard let name = field, let category = categories.first(where: { $0.lowercased() == name.lowercased() }) else {
                return [say(.unknownCategory, ["category": field ?? "", "categories": categories.joined(separator: ", ")])]
            }
            return addEntry(.factor, text: text ?? "", field: category)
        default:
            guard let text else { return ask(.single(section)) }
            return addEntry(section, text: text, field: nil)
        }
    }

    private var people: [String] {
        var names = Set<String>()
        for person in events.map(\.author) + [incident.createdBy, user] where !person.id.hasPrefix("signal:") {
            names.insert(person.name)
            if let first = person.name.split(separator: " ").first, first.count >= 3, first != Substring(person.name) { names.insert(String(first)) }
            // A handle as people type it in chat (console and ingest ids such as "dana"); not platform ids like U024BE7LH.
            if person.id.count >= 2, person.id.allSatisfy({ $0.isLowercase || $0.isNumber || "._-".contains($0) }) { names.insert(person.id) }
        }
        return names.sorted()
    }

    /// Adds an entry, checked for blame, and says what was added and what the check found.
    @discardableResult
    private mutating func addEntry(_ section: PostmortemSection, text: String, field: String?, parent: Int? = nil, evidence: [String] = []) -> [Reply] {
        let text = desk.redact(text)
        let result = desk.blameless.check(text, people: people)
        let entry = PostmortemEntry(
            number: draft.nextEntryNumber, section: section, text: text, field: field, parent: parent, evidence: evidence,
            author: user, addedAt: now, editedAt: nil, findings: result.findings, suggestedText: result.suggestedText, kept: false
        )
        draft.entries.append(entry)
        changed = true
        var lines = [guide.render(.entryAdded, ["ref": entry.reference, "section": label(section, field), "text": entry.text, "user": user.name])]
        lines += findingLines(entry)
        return [Reply(.ephemeral, lines.joined(separator: "\n"))]
    }

    private func label(_ section: PostmortemSection, _ field: String?) -> String {
        field.map { "\(section.rawValue) (\($0))" } ?? section.rawValue
    }

    private func findingLines(_ entry: PostmortemEntry) -> [String] {
        guard !entry.findings.isEmpty else { return [] }
        var lines = entry.findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
        if let suggestion = entry.suggestedText {
            lines.append(guide.render(.suggestedRewording, ["ref": entry.reference, "text": suggestion]))
        } else {
            lines.append(guide.render(.findingsChoice, ["ref": entry.reference]))
        }
        return lines
    }

    // MARK: Guided conversation

    private mutating func ask(_ step: Conversation.Step) -> [Reply] {
        draft.setConversation(Conversation(person: user, channel: channel, step: step, askedAt: now), for: user, in: channel)
        changed = true
        return [Reply(.channel, question(step) + "\n" + guide.render(.answerHint, ["user": user.name]))]
    }

    private func question(_ step: Conversation.Step) -> String {
        switch step {
        case let .single(section):
            return guide.ask(PostmortemGuide.Question(rawValue: section.rawValue) ?? .summary, ["title": incident.title])
        case let .impact(index):
            return guide.impactFields[min(index, guide.impactFields.count - 1)].question
        case let .why(parent):
            if let parent, let entry = draft.entry(parent) { return desk.nextWhyQuestion(after: entry, in: draft) }
            return guide.ask(.whyFirst, ["problem": problemStatement, "level": "1"]) + "\n" + guide.ask(.whyHint)
        }
    }

    private var problemStatement: String { draft.entries(in: .summary).first?.text ?? incident.title }

    mutating func answer(_ text: String, conversation: Conversation, messageID: String) -> [Reply] {
        var conversation = conversation
        conversation.lastMessageID = messageID
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let answerWords = guide.answers
        if answerWords.cancels(trimmed) {
            draft.setConversation(nil, for: user, in: channel)
            changed = true
            return [say(.conversationCancelled)]
        }
        switch conversation.step {
        case let .single(section):
            draft.setConversation(nil, for: user, in: channel)
            return addEntry(section, text: trimmed, field: nil)
        case let .impact(index):
            var replies: [Reply] = []
            if !answerWords.skips(trimmed), !trimmed.isEmpty {
                replies += addEntry(.impact, text: trimmed, field: guide.impactFields[index].key)
            }
            if index + 1 < guide.impactFields.count {
                conversation.step = .impact(field: index + 1)
                conversation.askedAt = now
                draft.setConversation(conversation, for: user, in: channel)
                changed = true
                return replies + [Reply(.channel, question(conversation.step))]
            }
            draft.setConversation(nil, for: user, in: channel)
            changed = true
            let filled = Set(draft.entries(in: .impact).compactMap(\.field)).count
            return replies + [say(.impactDone, ["count": "\(filled)", "total": "\(guide.impactFields.count)"], .channel)]
        case let .why(parent):
            if let reason = answerWords.doneReason(trimmed) {
                draft.setConversation(conversation, for: user, in: channel)
                return whysDone(reason: reason.isEmpty ? nil : reason)
            }
            let words = trimmed.split(separator: " ").map(String.init)
            let (body, evidence) = PostmortemRequestParser.splitEvidence(words)
            draft.setConversation(conversation, for: user, in: channel)
            return addWhy(body, parent: parent, evidence: evidence, guided: true)
        }
    }

    // MARK: 5 whys

    private mutating func startWhys() -> [Reply] {
        if let existing = draft.conversation(of: user.id, in: channel), case .why = existing.step {
            setWhyConversationTime(existing)
            return [Reply(.channel, question(existing.step))]
        }
        return ask(.why(parent: draft.deepestWhy?.number))
    }

    private mutating func addWhy(_ text: String, parent: Int?, evidence: [String], guided: Bool) -> [Reply] {
        var replies = addEntry(.why, text: text, field: nil, parent: parent, evidence: evidence)
        guard let entry = draft.entries.last else { return replies }
        let blamesPerson = entry.findings.contains { $0.kind == .humanError || $0.kind == .personAsCause }
        let depth = draft.depth(of: entry.number)
        if blamesPerson {
            // A chain may not end at a person: ask what allowed it to have this impact, one level deeper.
            if guided { setWhyConversation(parent: entry.number) }
            var followUp = say(.whyBlameFollowUp, ["ref": entry.reference, "level": "\(depth + 1)"], .channel)
            if offersNextWhy { followUp.actions = [desk.nextWhyButton(after: entry, in: draft)] }
            replies.append(followUp)
            return replies
        }
        if depth >= guide.minimumWhyDepth {
            if guided { draft.setConversation(nil, for: user, in: channel) }
            replies.append(proposal())
            return replies
        }
        if guided {
            setWhyConversation(parent: entry.number)
            replies.append(Reply(.channel, question(.why(parent: entry.number))))
        } else if offersNextWhy {
            replies.append(Reply(.channel, question(.why(parent: entry.number)), actions: [desk.nextWhyButton(after: entry, in: draft)]))
        }
        return replies
    }

    /// Asking again restarts the answer window.
    private mutating func setWhyConversationTime(_ conversation: Conversation) {
        var conversation = conversation
        conversation.askedAt = now
        draft.setConversation(conversation, for: user, in: channel)
        changed = true
    }

    private mutating func setWhyConversation(parent: Int) {
        var conversation = draft.conversation(of: user.id, in: channel) ?? Conversation(person: user, channel: channel, step: .why(parent: parent), askedAt: now)
        conversation.step = .why(parent: parent)
        conversation.askedAt = now
        draft.setConversation(conversation, for: user, in: channel)
        changed = true
    }

    private func proposal() -> Reply {
        guard let deepest = draft.deepestWhy else { return say(.rootCauseNone) }
        return say(.rootCauseProposal, ["ref": deepest.reference, "text": deepest.text, "depth": "\(draft.depth(of: deepest.number))"], .channel)
    }

    private mutating func whysDone(reason: String?) -> [Reply] {
        let depth = draft.whyDepth
        guard depth > 0 else { return [say(.rootCauseNone)] }
        if depth < guide.minimumWhyDepth {
            guard let reason else { return [say(.whyNeedsReason, ["minimum": "\(guide.minimumWhyDepth)", "depth": "\(depth)"])] }
            draft.whysStoppedEarly = desk.redact(reason)
        }
        draft.setConversation(nil, for: user, in: channel)
        changed = true
        var replies: [Reply] = []
        if let reason, depth < guide.minimumWhyDepth {
            replies.append(say(.whyStoppedEarly, ["depth": "\(depth)", "reason": reason], .channel))
        }
        return replies + [proposal()]
    }

    private mutating func rootCause(_ choice: PostmortemRequest.RootCauseChoice) -> [Reply] {
        let chosen: (text: String, entry: Int?)
        switch choice {
        case .propose:
            return [proposal()]
        case .confirm:
            guard let deepest = draft.deepestWhy else { return [say(.rootCauseNone)] }
            chosen = (deepest.text, deepest.number)
        case let .entry(n):
            guard let entry = draft.entry(n), entry.section == .why else { return [say(.unknownEntry, ["ref": "P\(n)"])] }
            chosen = (entry.text, n)
        case let .text(text):
            chosen = (desk.redact(text), draft.deepestWhy?.number)
        }
        draft.rootCause = RootCause(text: chosen.text, entry: chosen.entry, confirmedBy: user, confirmedAt: now)
        changed = true
        var lines = [guide.render(.rootCauseConfirmed, ["text": chosen.text, "user": user.name])]
        let check = desk.blameless.check(chosen.text, people: people)
        lines += check.findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
        return [Reply(.channel, lines.joined(separator: "\n"))]
    }

    // MARK: Actions

    private mutating func addAction(_ typed: PostmortemRequest.ActionDraft) -> [Reply] {
        var owner = typed.owner
        if let given = owner {
            guard let resolved = resolveOwner(given) else { return [say(.unknownOwner, ["owner": given])] }
            owner = resolved
        }
        var item = ActionItem(
            number: draft.nextActionNumber, text: desk.redact(typed.text), owner: owner, due: typed.due, priority: typed.priority,
            kind: typed.kind, status: .open, author: user, addedAt: now, statusNote: nil, findings: []
        )
        item.findings = desk.actionCheck.check(item, today: now) + desk.blameless.check(item.text, people: people).findings
        draft.actions.append(item)
        changed = true
        var lines = [guide.render(.actionAdded, actionValues(item))]
        lines += item.findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
        return [Reply(.channel, lines.joined(separator: "\n"))]
    }

    /// An owner must be someone who can be reached: an @handle, a platform mention, or a name seen in this incident.
    private func resolveOwner(_ given: String) -> String? {
        if given.hasPrefix("@"), given.count > 1 { return given }
        if given.hasPrefix("<@"), given.hasSuffix(">") { return given }
        return people.first { $0.lowercased() == given.lowercased() }
    }

    private func actionValues(_ item: ActionItem) -> [String: String] {
        let notSet = guide.render(.notSet)
        return [
            "ref": item.reference, "text": item.text, "owner": item.owner ?? notSet, "due": item.due.map(UTCFormat.day) ?? notSet,
            "priority": item.priority?.rawValue ?? notSet, "type": item.kind?.rawValue ?? notSet, "status": item.status.rawValue,
        ]
    }

    private func actionsText() -> String {
        guard !draft.actions.isEmpty else { return guide.render(.actionsEmpty) }
        return ([guide.render(.actionsHeader, ["id": incident.id.rawValue])] + draft.actions.map { guide.render(.actionLine, actionValues($0)) })
            .joined(separator: "\n")
    }

    // MARK: Corrections

    private mutating func edit(_ target: PostmortemRequest.EntryTarget, text: String) -> [Reply] {
        switch target {
        case let .entry(n):
            guard let index = draft.entries.firstIndex(where: { $0.number == n }) else { return [say(.unknownEntry, ["ref": "P\(n)"])] }
            return replaceText(at: index, with: text, key: .entryEdited)
        case let .section(section):
            guard let index = draft.entries.lastIndex(where: { $0.section == section }) else { return add(section, text: text, field: nil) }
            return replaceText(at: index, with: text, key: .entryEdited)
        case let .action(n):
            guard let index = draft.actions.firstIndex(where: { $0.number == n }) else {
                return [say(.unknownAction, ["ref": ActionItem.reference(n)])]
            }
            draft.actions[index].text = desk.redact(text)
            draft.actions[index].findings = desk.actionCheck.check(draft.actions[index], today: now)
            changed = true
            var lines = [guide.render(.entryEdited, ["ref": draft.actions[index].reference, "text": draft.actions[index].text])]
            lines += draft.actions[index].findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
            return [Reply(.ephemeral, lines.joined(separator: "\n"))]
        }
    }

    private mutating func replaceText(at index: Int, with text: String, key: PostmortemText) -> [Reply] {
        let text = desk.redact(text)
        let result = desk.blameless.check(text, people: people)
        draft.entries[index].text = text
        draft.entries[index].editedAt = now
        draft.entries[index].findings = result.findings
        draft.entries[index].suggestedText = result.suggestedText
        draft.entries[index].kept = false
        changed = true
        let entry = draft.entries[index]
        return [Reply(.ephemeral, ([guide.render(key, ["ref": entry.reference, "text": entry.text])] + findingLines(entry)).joined(separator: "\n"))]
    }

    private mutating func remove(_ target: PostmortemRequest.EntryTarget) -> [Reply] {
        switch target {
        case let .entry(n):
            guard let entry = draft.entry(n) else { return [say(.unknownEntry, ["ref": "P\(n)"])] }
            draft.entries.removeAll { $0.number == n }
            // Whys that explained the removed one now explain its parent, so the chain stays connected.
            for i in draft.entries.indices where draft.entries[i].parent == n { draft.entries[i].parent = entry.parent }
            changed = true
            return [say(.entryRemoved, ["ref": entry.reference, "text": entry.text])]
        case let .action(n):
            guard let item = draft.actions.first(where: { $0.number == n }) else { return [say(.unknownAction, ["ref": ActionItem.reference(n)])] }
            draft.actions.removeAll { $0.number == n }
            changed = true
            return [say(.entryRemoved, ["ref": item.reference, "text": item.text])]
        case let .section(section):
            guard let entry = draft.entries.last(where: { $0.section == section }) else { return [say(.unknownEntry, ["ref": section.rawValue])] }
            return remove(.entry(entry.number))
        }
    }

    // MARK: Publishing

    /// Stores the URLs of issues just filed for the action items, so the report links them.
    mutating func recordIssues(_ filed: [TrackedIssue]) {
        for issue in filed {
            guard let index = draft.actions.firstIndex(where: { $0.number == issue.action }) else { continue }
            draft.actions[index].issues[issue.tracker] = issue.url
            changed = true
        }
    }

    /// Renders the report; refuses (with the failing checks) when the review fails, unless forced.
    private mutating func publish(force: Bool, to extraChannels: [String]) -> [Reply] {
        let results = desk.reviewChecklist.evaluate(incident: incident, events: events, draft: draft, today: now)
        if !ReviewChecklist.isComplete(results), !force {
            return [Reply(.ephemeral, reviewText() + "\n" + guide.render(.publishNeedsForce))]
        }
        let revision = draft.publications + 1
        let model = desk.reportModel(incident: incident, events: events, draft: draft, now: now, revision: revision, forced: force, similar: similar)
        let markdown = desk.renderReport(model)
        let path = ReportSlug.path(for: incident)
        draft.publications = revision
        if draft.firstPublishedAt == nil { draft.firstPublishedAt = now }
        draft.lastPublishedAt = now
        changed = true
        reports.append(ReportFile(relativePath: path, contents: markdown))
        let values = [
            "id": incident.id.rawValue, "title": incident.title, "severity": incident.severity.rawValue,
            "duration": model.duration, "root_cause": draft.rootCause?.text ?? guide.render(.notSet),
            "actions": "\(draft.actions.count)", "path": path, "revision": "\(revision)", "user": user.name,
        ]
        let key: PostmortemText = revision == 1 ? .published : .republished
        let file = Reply.File(name: (path as NSString).lastPathComponent, contents: markdown)
        var replies = [Reply(.channel, guide.render(key, values), file: file)]
        var seen: Set<String> = [channel.channelID]
        for stakeholder in desk.stakeholderChannels + extraChannels where !stakeholder.isEmpty && seen.insert(stakeholder).inserted {
            replies.append(Reply(.channel, guide.render(.publishedForStakeholders, values), file: file, destination: stakeholder))
        }
        return replies
    }

    // MARK: Show and review

    private func showText() -> String {
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
        lines.append(actionsText())
        return lines.joined(separator: "\n")
    }

    private func reviewText() -> String {
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
