import Foundation

/// The 5 whys where the platform answers with forms (Slack modals): after a why is submitted the bot asks the next
/// level's question with a button, and the button (`why under P<n>`) opens the form for that level, until the
/// chain reaches the root cause. The chat conversation asks the same questions; this is its form-shaped twin.
extension IncidentDesk {
    /// The question for the why that answers `entry`: the words the guided conversation asks.
    func nextWhyQuestion(after entry: PostmortemEntry, in draft: PostmortemDraft) -> String {
        guide.ask(.whyNext, ["answer": entry.text, "level": "\(draft.depth(of: entry.number) + 1)"])
    }

    /// The button that opens the form for the why answering `entry`. It carries the command it runs, like every
    /// button the bot posts (on Slack, clicks arrive over the authenticated Socket Mode connection).
    func nextWhyButton(after entry: PostmortemEntry, in draft: PostmortemDraft) -> Reply.Action {
        Reply.Action(label: guide.render(.whyAnswerButton, ["level": "\(draft.depth(of: entry.number) + 1)"]), command: "why under \(entry.reference)")
    }

    /// The why already given as the answer to why `number`, if any: that level of the chain is done.
    func answer(toWhy number: Int, in draft: PostmortemDraft?) -> PostmortemEntry? {
        draft?.entries(in: .why).first { $0.parent == number }
    }

    /// What a post-mortem command answers with instead of running, where the platform can show forms: the form that
    /// replaces it, or for `why under P<n>` (the next-level button) the form for that level, or a refusal when that
    /// level was answered meanwhile (a stale or repeated click) or P<n> is not a why.
    func formReply(for request: PostmortemRequest, _ inv: CommandInvocation, draft: PostmortemDraft?) -> Reply? {
        if inv.canOpenForms, case let .why(text: nil, parent: number?, evidence: []) = request {
            guard let draft, let entry = draft.entry(number), entry.section == .why else {
                return Reply(.ephemeral, guide.render(.unknownEntry, ["ref": "P\(number)"]))
            }
            if let given = answer(toWhy: number, in: draft) { return alreadyAnswered(entry, by: given) }
            let form = whyForm(question: nextWhyQuestion(after: entry, in: draft), answering: entry)
            return Reply(.ephemeral, form.title, form: form)
        }
        return form(for: request, inv).map { Reply(.ephemeral, $0.title, form: $0) }
    }

    func alreadyAnswered(_ entry: PostmortemEntry, by given: PostmortemEntry) -> Reply {
        Reply(.ephemeral, guide.render(.whyAlreadyAnswered, ["ref": entry.reference, "answer": given.reference, "text": given.text]))
    }

    /// The form for one level: the level's question over the answer, evidence, and the why it answers as context
    /// (the level is fixed by the button, so there is no field to change it).
    private func whyForm(question: String, answering entry: PostmortemEntry) -> Form {
        Form(id: "why", title: messages.render(.formWhyTitle), submitLabel: messages.render(.formSubmit), fields: [
            Form.Field(name: "text", label: messages.render(.formFieldWhy), kind: .multiline, hint: question),
            Form.Field(name: "evidence", label: messages.render(.formFieldEvidence), kind: .multiline, optional: true, hint: messages.render(.formHintEvidence)),
        ], context: entry.reference)
    }
}
