import Foundation

/// The guided conversation: the bot asks one person a question and takes their next message as the answer; the 5
/// whys go one level deeper per answer until the root cause is proposed.
extension PostmortemSession {
    // MARK: Guided conversation

    mutating func ask(_ step: Conversation.Step) -> [Reply] {
        conversation = Conversation(person: user, channel: channel, incidentID: incident.id, step: step, askedAt: now)
        var reply = Reply(.channel, question(step) + "\n" + guide.render(.answerHint, ["user": user.name]))
        reply.thread = ReplyThread(rootID: nil, personID: user.id)
        return [reply]
    }

    func question(_ step: Conversation.Step) -> String {
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

    var problemStatement: String { draft.entries(in: .summary).first?.text ?? incident.title }

    /// Takes a message as the answer to `conversation`: the conversation decides what the answer does
    /// (`Conversation.handle`), and the session does it.
    mutating func answer(_ text: String, conversation asked: Conversation, messageID: String) -> [Reply] {
        var asked = asked
        let actions = asked.handle(text, messageID: messageID, at: now, words: guide.answers, impactFields: guide.impactFields.map(\.key))
        conversation = actions.contains(.end) ? nil : asked
        var replies: [Reply] = []
        for action in actions {
            switch action {
            case .end:
                break
            case .cancelled:
                replies.append(say(.conversationCancelled))
            case let .add(section, text, field):
                replies += addEntry(section, text: text, field: field)
            case .ask:
                replies.append(Reply(.channel, question(asked.step)))
            case .impactDone:
                let filled = Set(draft.entries(in: .impact).compactMap(\.field)).count
                replies.append(say(.impactDone, ["count": "\(filled)", "total": "\(guide.impactFields.count)"], .channel))
            case let .addWhy(parent, text, evidence):
                replies += addWhy(text, parent: parent, evidence: evidence, guided: true)
            case let .whysDone(reason):
                replies += whysDone(reason: reason)
            }
        }
        // What answering says goes where the answer was given: the conversation's thread (when it has one), what only the
        // person sees included.
        guard let root = asked.threadID else { return replies }
        return replies.map { reply in
            guard reply.destination == nil, reply.thread == nil else { return reply }
            var threaded = reply
            threaded.thread = ReplyThread(rootID: root, personID: user.id)
            return threaded
        }
    }

    // MARK: 5 whys

    mutating func startWhys() -> [Reply] {
        if let existing = conversation, case .why = existing.step {
            setWhyConversationTime(existing)
            return [Reply(.channel, question(existing.step))]
        }
        return ask(.why(parent: draft.deepestWhy?.number))
    }

    mutating func addWhy(_ text: String, parent: Int?, evidence: [String], guided: Bool) -> [Reply] {
        var replies = addEntry(.why, text: text, field: nil, parent: parent, evidence: evidence)
        guard let entry = draft.entries.last else { return replies }
        let blamesPerson = entry.findings.contains { [.humanError, .personAsCause, .readsAsBlame].contains($0.kind) }
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
            if guided { conversation = nil }
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
    mutating func setWhyConversationTime(_ conversation: Conversation) {
        var conversation = conversation
        conversation.askedAt = now
        self.conversation = conversation
    }

    mutating func setWhyConversation(parent: Int) {
        var asked = conversation ?? Conversation(person: user, channel: channel, incidentID: incident.id, step: .why(parent: parent), askedAt: now)
        asked.step = .why(parent: parent)
        asked.askedAt = now
        conversation = asked
    }

    func proposal() -> Reply {
        guard let deepest = draft.deepestWhy else { return say(.rootCauseNone) }
        return say(.rootCauseProposal, ["ref": deepest.reference, "text": deepest.text, "depth": "\(draft.depth(of: deepest.number))"], .channel)
    }

    mutating func whysDone(reason: String?) -> [Reply] {
        let depth = draft.whyDepth
        guard depth > 0 else { return [say(.rootCauseNone)] }
        if depth < guide.minimumWhyDepth {
            guard let reason else { return [say(.whyNeedsReason, ["minimum": "\(guide.minimumWhyDepth)", "depth": "\(depth)"])] }
            draft.whysStoppedEarly = desk.redact(reason)
        }
        conversation = nil
        var replies: [Reply] = []
        if let reason, depth < guide.minimumWhyDepth {
            replies.append(say(.whyStoppedEarly, ["depth": "\(depth)", "reason": reason], .channel))
        }
        return replies + [proposal()]
    }

    mutating func rootCause(_ choice: PostmortemRequest.RootCauseChoice) -> [Reply] {
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
        var lines = [guide.render(.rootCauseConfirmed, ["text": chosen.text, "user": user.name])]
        let check = checkBlame(chosen.text)
        lines += check.findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
        return [Reply(.channel, lines.joined(separator: "\n"))]
    }
}
