import Foundation

/// One post-mortem command or answer being decided: the draft it changes and the replies it says.
struct PostmortemSession {
    let desk: IncidentDesk
    let incident: Incident
    var draft: PostmortemDraft
    let events: [TimelineEvent]
    let user: Person
    let channel: ChannelKey
    let now: Date
    /// The question `user` was asked in `channel` and has not answered yet.
    var conversation: Conversation?
    /// The draft as it was read: the decision saves the draft only when a command changed it.
    private let original: PostmortemDraft
    private let originalConversation: Conversation?
    /// Report files this command produced, written by the bot once the decision is stored.
    private(set) var reports: [ReportFile] = []
    /// Earlier incidents like this one, for the report.
    var similar: [SimilarIncident] = []
    /// A why added outside a conversation is followed by the next level's question with a button (forms that buttons open).
    var offersNextWhy = false
    /// A publication the review allows first asks for the action items to be filed, so the report links their issues
    /// (with a tracker connected; the second decision, made once they are filed, publishes).
    var filesBeforePublishing: Bool
    /// Work outside the store this command asks for, done by the bot once the decision is stored.
    private(set) var work: [Effect.Work] = []

    init(
        desk: IncidentDesk, incident: Incident, draft: PostmortemDraft, conversation: Conversation?, events: [TimelineEvent], user: Person,
        channel: ChannelKey, now: Date
    ) {
        self.desk = desk
        self.incident = incident
        self.draft = draft
        self.original = draft
        self.conversation = conversation
        self.originalConversation = conversation
        self.events = events
        self.user = user
        self.channel = channel
        self.now = now
        self.filesBeforePublishing = desk.connections.trackers
    }

    var guide: PostmortemGuide { desk.guide }

    /// How the draft reads: the show, review and actions texts.
    var view: PostmortemView { PostmortemView(desk: desk, incident: incident, draft: draft, events: events, now: now) }

    func decision(_ replies: [Reply]) -> Decision {
        var changes: [Change] = draft != original ? [.savePostmortem(draft)] : []
        if conversation != originalConversation {
            changes.append(conversation.map(Change.saveConversation) ?? .endConversation(channel: channel, personID: user.id))
        }
        return Decision(changes: changes, replies: replies, reports: reports)
    }

    func say(_ key: PostmortemText, _ values: [String: String] = [:], _ visibility: Reply.Visibility = .ephemeral) -> Reply {
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
            return [say(.actionStatus, ["ref": draft.actions[index].reference, "status": status.rawValue, "user": user.name], .channel)]
        case .actions:
            return [Reply(.ephemeral, view.actions())]
        case .actionsSync:
            // With a tracker connected this is an effect (`IncidentDesk.effect(for:)`); reaching the session means none is.
            return [say(.noTrackers)]
        case .show:
            return [Reply(.ephemeral, view.show())]
        case let .edit(target, text):
            return edit(target, text: text)
        case let .remove(target):
            return remove(target)
        case let .keep(number):
            guard let index = draft.entries.firstIndex(where: { $0.number == number }) else { return [say(.unknownEntry, ["ref": "P\(number)"])] }
            draft.entries[index].kept = true
            return [say(.entryKept, ["ref": "P\(number)"])]
        case let .reword(number):
            guard let index = draft.entries.firstIndex(where: { $0.number == number }) else { return [say(.unknownEntry, ["ref": "P\(number)"])] }
            guard let suggestion = draft.entries[index].suggestedText else { return [say(.nothingToReword, ["ref": "P\(number)"])] }
            return replaceText(at: index, with: suggestion, key: .entryReworded)
        case .review:
            return [Reply(.ephemeral, view.review())]
        case let .followUp(day):
            draft.followUpReview = day
            return [say(.followUpSet, ["date": UTCFormat.day(day)], .channel)]
        case let .publish(force, channels):
            return publish(force: force, to: channels)
        case let .tag(tags):
            for tag in tags where !draft.tags.contains(tag) { draft.tags.append(tag) }
            return [say(.tagged, ["id": incident.id.rawValue, "tags": draft.tags.map { "#\($0)" }.joined(separator: " ")])]
        case .metrics:
            // With Prometheus connected this is an effect (`IncidentDesk.effect(for:)`); reaching the session means it is not.
            return [say(.noPrometheus)]
        case .stats, .statsChart, .patterns:
            return [] // answered before a session is made
        case .cancel:
            guard conversation != nil else { return [say(.nothingToCancel)] }
            conversation = nil
            return [say(.conversationCancelled)]
        }
    }

    mutating func add(_ section: PostmortemSection, text: String?, field: String?) -> [Reply] {
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

    var people: [String] {
        var names = Set<String>()
        for person in events.map(\.author) + [incident.createdBy, user] where !person.id.hasPrefix("signal:") {
            names.insert(person.name)
            if let first = person.name.split(separator: " ").first, first.count >= 3, first != Substring(person.name) { names.insert(String(first)) }
            // A handle as people type it in chat (console and ingest ids such as "dana"); not platform ids like U024BE7LH.
            if person.id.count >= 2, person.id.allSatisfy({ $0.isLowercase || $0.isNumber || "._-".contains($0) }) { names.insert(person.id) }
        }
        return names.sorted()
    }

    /// The blameless check of `text`, read as people see it: the platform's mentions become "@name", a person.
    func checkBlame(_ text: String) -> LintResult {
        var names: [String: String] = [:]
        for event in events { names[event.author.id] = event.author.name }
        return desk.blameless.check(desk.markup(for: channel.platform).plain(text, names: names), people: people)
    }

    /// Adds an entry, checked for blame, and says what was added and what the check found.
    @discardableResult
    mutating func addEntry(_ section: PostmortemSection, text: String, field: String?, parent: Int? = nil, evidence: [String] = []) -> [Reply] {
        let text = desk.redact(text)
        let result = checkBlame(text)
        let entry = PostmortemEntry(
            number: draft.nextEntryNumber, section: section, text: text, field: field, parent: parent, evidence: evidence,
            author: user, addedAt: now, editedAt: nil, findings: result.findings, suggestedText: result.suggestedText, kept: false
        )
        draft.entries.append(entry)
        var lines = [guide.render(.entryAdded, ["ref": entry.reference, "section": view.label(section, field), "text": entry.text, "user": user.name])]
        lines += view.findingLines(entry)
        return [Reply(.ephemeral, lines.joined(separator: "\n"))]
    }

    // MARK: Actions

    mutating func addAction(_ typed: PostmortemRequest.ActionDraft) -> [Reply] {
        var owner = typed.owner
        if let given = owner {
            guard let resolved = resolveOwner(given) else { return [say(.unknownOwner, ["owner": given])] }
            owner = resolved
        }
        var item = ActionItem(
            number: draft.nextActionNumber, text: desk.redact(typed.text), owner: owner, due: typed.due, priority: typed.priority,
            kind: typed.kind, status: .open, author: user, addedAt: now, statusNote: nil, findings: []
        )
        item.findings = desk.actionCheck.check(item, today: now) + checkBlame(item.text).findings
        draft.actions.append(item)
        var lines = [guide.render(.actionAdded, view.actionValues(item))]
        lines += item.findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
        return [Reply(.channel, lines.joined(separator: "\n"))]
    }

    /// An owner must be someone who can be reached: an @handle, a platform mention, or a name seen in this incident.
    func resolveOwner(_ given: String) -> String? {
        if desk.markup(for: channel.platform).isMention(given) { return given }
        return people.first { $0.lowercased() == given.lowercased() }
    }

    // MARK: Publishing

    /// Stores the URLs of issues just filed for the action items, so the report links them.
    mutating func recordIssues(_ filed: [TrackedIssue]) {
        for issue in filed {
            guard let index = draft.actions.firstIndex(where: { $0.number == issue.action }) else { continue }
            draft.actions[index].issues[issue.tracker] = issue.url
        }
    }

    /// Renders the report; refuses (with the failing checks) when the review fails, unless forced.
    mutating func publish(force: Bool, to extraChannels: [String]) -> [Reply] {
        let results = desk.reviewChecklist.evaluate(incident: incident, events: events, draft: draft, today: now)
        if !ReviewChecklist.isComplete(results), !force {
            return [Reply(.ephemeral, view.review() + "\n" + guide.render(.publishNeedsForce))]
        }
        if filesBeforePublishing, !draft.actions.isEmpty {
            work.append(.fileActionItems(incident: incident.id, force: force, channels: extraChannels))
            return []
        }
        let revision = draft.publications + 1
        let model = desk.reportModel(incident: incident, events: events, draft: draft, now: now, revision: revision, forced: force, similar: similar)
        let markdown = desk.renderReport(model)
        let path = ReportSlug.path(for: incident)
        draft.publications = revision
        if draft.firstPublishedAt == nil { draft.firstPublishedAt = now }
        draft.lastPublishedAt = now
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
}
