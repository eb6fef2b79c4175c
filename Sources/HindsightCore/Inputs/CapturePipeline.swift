import Foundation

/// The steps every captured input passes through, in order, before the desk decides where it lands: bolt's
/// middleware, for capture. A step passes the input on (changed or not) or drops it with the reason its outcome
/// reports. The standard chain drops the bot's own messages and redacts secrets; a platform that needs another
/// concern (a second bot of its own, a channel it must never keep) inserts a step without touching the desk.
///
/// What comes before it and after it: a wire event the platform delivers again is recognised by its event id before it
/// is translated (`CaptureCommitter`), and a message stored already by its platform id after (the desk asks the
/// records by the unique index's key).
public struct CapturePipeline: Sendable {
    /// What a step does with an input.
    public enum Verdict: Hashable, Sendable {
        /// On to the next step (the desk after the last), as it now reads.
        case pass(CaptureInput)
        /// Not captured; the outcome says why.
        case drop(CaptureOutcome.IgnoreReason)
    }

    /// One named step.
    public struct Step: Sendable {
        /// Names the step for `insert(_:before:)` and in logs.
        public var name: String
        public var run: @Sendable (CaptureInput) -> Verdict

        public init(name: String, run: @escaping @Sendable (CaptureInput) -> Verdict) {
            self.name = name
            self.run = run
        }
    }

    public private(set) var steps: [Step]

    public init(_ steps: [Step]) {
        self.steps = steps
    }

    /// Drops the bot's own messages, then redacts secrets from what is left.
    public static func standard(redact: @escaping @Sendable (String) -> String) -> CapturePipeline {
        CapturePipeline([.ignoreOwnMessages, .redact(redact)])
    }

    /// Runs `input` through every step; the first drop ends it.
    public func run(_ input: CaptureInput) -> Verdict {
        var input = input
        for step in steps {
            switch step.run(input) {
            case let .pass(next): input = next
            case let .drop(reason): return .drop(reason)
            }
        }
        return .pass(input)
    }

    /// Adds `step` before the step named `name`, or at the end when none has that name.
    public mutating func insert(_ step: Step, before name: String) {
        steps.insert(step, at: steps.firstIndex { $0.name == name } ?? steps.endIndex)
    }
}

extension CapturePipeline.Step {
    /// Drops what the bot itself posted, and its own reactions and pins (a ✅ it adds is no responder's attention), each
    /// marked by the adapter: only the wire says who the bot is. Its edits and deletions pass on and find nothing
    /// stored, so they change nothing.
    public static let ignoreOwnMessages = Self(name: "ignore-own-messages") { input in
        switch input {
        case let .message(message) where message.isFromThisBot: .drop(.fromThisBot)
        case .reaction(_, _, _, _, _, fromThisBot: true), .pin(_, _, _, _, fromThisBot: true): .drop(.fromThisBot)
        case .message, .edit, .deletion, .reaction, .pin: .pass(input)
        }
    }

    /// Replaces secrets in every text an input carries (a message and its attachments' names and links, an edit's
    /// new text) before anything reads or stores it.
    public static func redact(_ redact: @escaping @Sendable (String) -> String) -> Self {
        Self(name: "redact") { input in
            switch input {
            case var .message(message):
                message.text = redact(message.text)
                message.attachments = message.attachments.map { Attachment(name: redact($0.name), url: redact($0.url)) }
                return .pass(.message(message))
            case let .edit(channel, messageID, newText, editedAt):
                return .pass(.edit(channel: channel, messageID: messageID, newText: redact(newText), editedAt: editedAt))
            case .deletion, .reaction, .pin:
                return .pass(input)
            }
        }
    }
}
