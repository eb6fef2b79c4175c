import Foundation

extension IncidentDesk {
    /// Decides how a piece of channel activity lands on the timeline, once it has passed `capturePipeline`.
    public func capture(_ received: CaptureInput, records: some IncidentRecords) throws -> (CaptureOutcome, Decision) {
        let input: CaptureInput
        switch capturePipeline.run(received) {
        case let .pass(passed): input = passed
        case let .drop(reason): return (.ignored(reason), Decision())
        }
        let open = try records.openIncident(in: input.channel)
        // A message that answers the bot's post-mortem question goes to the draft, not the timeline.
        if case let .message(message) = input, let answered = try answer(message, open: open, records: records) { return answered }
        guard let incident = open else { return (.ignored(.noOpenIncident), Decision()) }
        switch input {
        case let .message(message):
            return try capture(message, incident, records)
        case let .edit(channel, messageID, newText, editedAt):
            guard let event = try records.event(of: incident.id, channel: channel, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
            guard newText != event.text else { return (.duplicate, Decision()) }
            return (.updated, Decision(changes: [.reviseEvent(incidentID: incident.id, number: event.number, newText: newText, revision: EventRevision(text: event.text, replacedAt: editedAt))]))
        case let .deletion(channel, messageID, deletedAt):
            guard let event = try records.event(of: incident.id, channel: channel, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
            guard event.deletedAt == nil else { return (.duplicate, Decision()) }
            return (.updated, Decision(changes: [.markDeleted(incidentID: incident.id, number: event.number, at: deletedAt)]))
        case let .reaction(channel, messageID, emoji, person, added, _):
            return try react(Reaction(emoji: emoji, personID: person.id), added: added, messageID: messageID, in: channel, incident, records)
        case let .pin(channel, messageID, _, added, _):
            return try toggle(.pin, on: added, messageID: messageID, in: channel, incident, records)
        }
    }

    /// How many events (the start, notes) may come before the message that is still the incident's opening one.
    private static let openingLookBack = 8

    private func capture(_ message: ChannelMessage, _ incident: Incident, _ records: some IncidentRecords) throws -> (CaptureOutcome, Decision) {
        // Stored under any incident is stored: a backfill can replay a message the channel's earlier incident holds.
        if try records.containsMessage(channel: message.channel, messageID: message.messageID) { return (.duplicate, Decision()) }
        let text = message.text
        let features = classifier.recalledFeatures(of: text, fromIntegration: message.isFromIntegration, isReply: message.threadParentID != nil)
        let keyEventCount = { (window: Int) in try records.keyEventCount(of: incident.id, amongLast: window) }
        let number = try records.lastEventNumber(of: incident.id) + 1
        let prospects = classifier.prospects(features)
        let keyVerdict = classifier.keyVerdict(features, raise: classifier.busyStretch?.raise ?? 1)
        // The message before this one, read once for both that need it: the key-event model weighs the gaps between
        // messages, and a milestone rule may ask whether this is the incident's opening message (no message captured
        // before it; the start and notes are events but not messages, and up to `openingLookBack` of them may come first).
        let asksOpening = prospects.possible && prospects.needsOpening && number - 1 <= Self.openingLookBack
        let before = classifier.readsRhythm || asksOpening ? try records.lastMessage(of: incident.id) : nil
        var event = TimelineEvent(
            number: number, incidentID: incident.id, channel: message.channel,
            messageID: message.messageID, author: message.author, occurredAt: message.sentAt, text: text,
            threadParentID: message.threadParentID,
            attachments: message.attachments,
            source: message.isFromIntegration ? .integration : .chat, keyReasons: try keyReasons(keyVerdict, keyEventCount))
        var decision = Decision()
        var proposed: [Change] = []
        if prospects.possible {
            let replies: [Reply]
            (proposed, replies) = try propose(for: event, features: features, opening: asksOpening && before == nil, incident, records)
            if !proposed.isEmpty { event.keyReasons.insert(.candidate) }
            decision.replies += replies
        }
        if !event.isKey, let promoted = try quietStretchReason(keyVerdict, keyEventCount) { event.keyReasons.insert(promoted) }
        // The message before this one has its answer: how soon it came settles whether it stays key (settled before
        // this one is scored, while the model still holds the words' score of the message before).
        var settled: (number: Int, reasons: Set<KeyReason>)?
        if let (previous, previousAt) = before, let reasons = classifier.settledKeyReasons(of: previous, after: previousAt, answeredAt: message.sentAt) {
            settled = (previous.number, reasons)
        }
        event.keyReasons = classifier.keyReasons(
            event.keyReasons, learnedFrom: text, fromIntegration: message.isFromIntegration, isReply: message.threadParentID != nil,
            gapBefore: before.map { message.sentAt.timeIntervalSince($0.message.occurredAt) })
        // The event first, then its suggestions: appended in order, not inserted in front (each `Change` is large).
        decision.changes.reserveCapacity(proposed.count + 2)
        decision.changes.append(.appendEvent(event))
        decision.changes.append(contentsOf: proposed)
        if let settled { decision.changes.append(.setKeyReasons(incidentID: incident.id, number: settled.number, reasons: settled.reasons)) }
        if let parentID = message.threadParentID, let attention = classifier.attention,
           let parent = try records.event(of: incident.id, channel: message.channel, messageID: parentID), !parent.keyReasons.contains(.attention),
           try records.replyCount(of: incident.id, parentMessageID: parentID) + 1 >= attention.replies {
            let reasons = settled.flatMap { $0.number == parent.number ? $0.reasons : nil } ?? parent.keyReasons
            decision.changes.append(.setKeyReasons(incidentID: incident.id, number: parent.number, reasons: reasons.union([.attention])))
        }
        return (.stored, decision)
    }

    /// Why the message is key by the rules, with the bar raised where the key events before it are dense
    /// (`busy_stretch`: read only for a message that passes a rule).
    private func keyReasons(_ verdict: MilestoneClassifier.KeyVerdict, _ keyEventCount: (_ amongLast: Int) throws -> Int) throws -> Set<KeyReason> {
        guard !verdict.reasons.isEmpty, let busy = classifier.busyStretch, try keyEventCount(busy.window) >= busy.atLeast else { return verdict.reasons }
        return verdict.raised
    }

    /// The reason a message that passes no key-event rule is key all the same: it comes near one (`quiet_stretch.floor`)
    /// and few of the messages before it are key, so it is the best row this stretch of the timeline has.
    private func quietStretchReason(_ verdict: MilestoneClassifier.KeyVerdict, _ keyEventCount: (_ amongLast: Int) throws -> Int) throws -> KeyReason? {
        guard let quiet = classifier.quietStretch, let nearest = verdict.nearest, nearest.share >= quiet.floor else { return nil }
        return try keyEventCount(quiet.window) < quiet.fewerThan ? nearest.reason : nil
    }

    /// The milestone suggestions a new message makes: new ones, or an unanswered one moved to this stronger
    /// candidate. Milestones already confirmed are not proposed again (a reopen clears `resolved`), nothing is
    /// proposed out of order with a confirmed milestone, and a dismissed one waits `dismissed_quiet_minutes`.
    private func propose(
        for event: TimelineEvent, features: MessageFeatures, opening: Bool,
        _ incident: Incident, _ records: some IncidentRecords
    ) throws -> ([Change], [Reply]) {
        let suggestions = try records.suggestions(of: incident.id)
        let pending = suggestions.lazy.filter { $0.status == .pending }
        // Only the rules of milestones that can still be proposed: not confirmed, none after them confirmed before this
        // message, no unanswered suggestion that a later candidate may not move. With none, nothing more is read.
        let prospects = classifier.prospects(features) { rule in
            incident.milestones[rule.milestone] == nil
                && !incident.milestones.contains(where: { $0.key > rule.milestone && $0.value < event.occurredAt })
                && (rule.replace == .stronger || !pending.contains(where: { $0.milestone == rule.milestone }))
        }
        guard prospects.possible else { return ([], []) }
        var recent = FeatureBits()
        if prospects.needsRecent {
            for message in try records.recentEvents(of: incident.id, limit: classifier.recentMessages) where message.messageID != nil && !message.isDeleted {
                recent = recent.union(classifier.recalledFeatures(of: message.text, fromIntegration: message.source == .integration, isReply: message.threadParentID != nil).bits)
            }
        }
        // Who answers first: nobody has posted since the detection.
        var firstResponse = false
        if prospects.needsFirstResponse, event.source == .chat,
           let detectedAt = incident.milestones[.detected] ?? pending.first(where: { $0.milestone == .detected })?.at {
            firstResponse = try records.lastPersonPost(of: incident.id).map { $0 <= detectedAt } ?? true
        }
        let context = classifier.context(
            confirmed: incident.milestones.keys, suggested: pending.map(\.milestone), firstResponse: firstResponse, opening: opening,
            recent: recent)
        var changes: [Change] = []
        var replies: [Reply] = []
        var next = suggestions.reduce(0) { max($0, $1.number) } + 1
        let quiet = classifier.dismissedQuietMinutes * 60
        for candidate in classifier.candidates(features, context: context, naming: false) {
            let kind = candidate.milestone
            guard incident.milestones[kind] == nil else { continue }
            if incident.milestones.contains(where: { $0.key > kind && $0.value < event.occurredAt }) { continue }
            // Not again so soon after a responder said no: one dismissal is not the start of a pile of prompts.
            if quiet > 0, suggestions.contains(where: { $0.milestone == kind && $0.status == .dismissed && event.occurredAt < $0.at.addingTimeInterval(quiet) }) {
                continue
            }
            if var current = pending.first(where: { $0.milestone == kind }) {
                guard candidate.replace == .stronger, candidate.score > current.score else { continue }
                current.eventNumber = event.number
                current.at = event.occurredAt
                current.phrase = classifier.named(candidate, features).phrase
                current.score = candidate.score
                changes.append(.updateSuggestion(current))
                replies.append(proposal(current, author: event.author, moved: true))
            } else {
                let suggestion = MilestoneSuggestion(
                    number: next, incidentID: incident.id, eventNumber: event.number, milestone: kind, at: event.occurredAt,
                    phrase: classifier.named(candidate, features).phrase, score: candidate.score)
                next += 1
                changes.append(.addSuggestion(suggestion))
                replies.append(proposal(suggestion, author: event.author))
            }
        }
        return (changes, replies)
    }

    func proposal(_ s: MilestoneSuggestion, author: Person, moved: Bool = false) -> Reply {
        let values = ["ref": s.reference, "milestone": s.milestone.rawValue, "time": UTCFormat.dateTime(s.at), "phrase": s.phrase, "author": author.name]
        return Reply(.channel, messages.render(moved ? .suggestionMoved : .suggestionProposed, values), actions: [
            Reply.Action(label: messages.render(.suggestionConfirm, values), command: "confirm \(s.reference)"),
            Reply.Action(label: messages.render(.suggestionDismiss, values), command: "dismiss \(s.reference)"),
        ])
    }

    /// Stores a reaction once per person and emoji. A `key_event_emoji` from anyone makes the message key (📌); so do
    /// reactions from `attention.people` people, or replies in its thread.
    private func react(
        _ reaction: Reaction, added: Bool, messageID: String, in channel: ChannelKey, _ incident: Incident, _ records: some IncidentRecords
    ) throws -> (CaptureOutcome, Decision) {
        guard let event = try records.event(of: incident.id, channel: channel, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
        var reactions = try records.reactions(of: incident.id, number: event.number)
        guard added != reactions.contains(reaction) else {
            // A 📌 from before reactions were stored (migration v7) has no row; taking it away still clears its reason.
            if !added, keyEmoji.contains(reaction.emoji), event.keyReasons.contains(.reaction), !reactions.contains(where: { keyEmoji.contains($0.emoji) }) {
                return (.updated, Decision(changes: [.setKeyReasons(incidentID: incident.id, number: event.number, reasons: event.keyReasons.subtracting([.reaction]))]))
            }
            return (.duplicate, Decision())
        }
        if added { reactions.insert(reaction) } else { reactions.remove(reaction) }
        var reasons = event.keyReasons
        if reactions.contains(where: { keyEmoji.contains($0.emoji) }) { reasons.insert(.reaction) } else { reasons.remove(.reaction) }
        if let attention = classifier.attention {
            let replies = try records.replyCount(of: incident.id, parentMessageID: messageID)
            if Set(reactions.map(\.personID)).count >= attention.people || replies >= attention.replies { reasons.insert(.attention) } else { reasons.remove(.attention) }
        }
        var changes: [Change] = [.setReaction(incidentID: incident.id, number: event.number, reaction: reaction, added: added)]
        if reasons != event.keyReasons { changes.append(.setKeyReasons(incidentID: incident.id, number: event.number, reasons: reasons)) }
        return (.updated, Decision(changes: changes))
    }

    private func toggle(
        _ reason: KeyReason, on: Bool, messageID: String, in channel: ChannelKey, _ incident: Incident, _ records: some IncidentRecords
    ) throws -> (CaptureOutcome, Decision) {
        guard let event = try records.event(of: incident.id, channel: channel, messageID: messageID) else { return (.ignored(.unknownMessage), Decision()) }
        var reasons = event.keyReasons
        if on { reasons.insert(reason) } else { reasons.remove(reason) }
        guard reasons != event.keyReasons else { return (.duplicate, Decision()) }
        return (.updated, Decision(changes: [.setKeyReasons(incidentID: incident.id, number: event.number, reasons: reasons)]))
    }
}
