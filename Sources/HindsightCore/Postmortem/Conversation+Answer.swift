import Foundation

/// The guided conversation as a state machine: at each step, what one answer does. Pure and exhaustive; the session
/// (`PostmortemSession.answer`) carries out the actions on the draft and words the replies.
extension Conversation {
    /// What an answer makes the session do, in order.
    public enum Action: Hashable, Sendable {
        /// The conversation is over: forget it (without this action it is kept, as `handle` left it).
        case end
        /// The person stopped it with a cancel word.
        case cancelled
        /// Store the answer in a section (`field`: the impact field it answers).
        case add(PostmortemSection, text: String, field: String?)
        /// Ask the conversation's (new) step.
        case ask
        /// Every impact field was asked.
        case impactDone
        /// The answer is the next why of the chain: it explains `parent` (nil: the problem statement).
        case addWhy(parent: Int?, text: String, evidence: [String])
        /// The person ended the whys here, with a reason when they gave one.
        case whysDone(reason: String?)
    }

    /// Takes `answer` (message `messageID`, at `now`) at the current step. `impactFields` are the keys of the impact
    /// fields in the order they are asked.
    public mutating func handle(
        _ answer: String, messageID: String, at now: Date, words: PostmortemGuide.AnswerWords, impactFields: [String]
    ) -> [Action] {
        lastMessageID = messageID
        let answer = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if words.cancels(answer) { return [.end, .cancelled] }
        switch step {
        case let .single(section):
            return [.end, .add(section, text: answer, field: nil)]
        case let .impact(index):
            var actions: [Action] = []
            if !words.skips(answer), !answer.isEmpty, impactFields.indices.contains(index) {
                actions.append(.add(.impact, text: answer, field: impactFields[index]))
            }
            guard index + 1 < impactFields.count else { return actions + [.end, .impactDone] }
            step = .impact(field: index + 1)
            askedAt = now
            return actions + [.ask]
        case let .why(parent):
            if let reason = words.doneReason(answer) { return [.whysDone(reason: reason.isEmpty ? nil : reason)] }
            let (text, evidence) = PostmortemRequestParser.splitEvidence(answer.split(separator: " ").map(String.init))
            return [.addWhy(parent: parent, text: text, evidence: evidence)]
        }
    }
}
