/// Where a reply of a guided conversation goes on a platform with threads: under `rootID`, the bot's message that
/// asked the first question; with no root yet, as a new message whose id the adapter reports back
/// (`Bot.conversationThreadStarted`), so the answers and the next questions go under it. Platforms without threads
/// (the console) post it in the channel.
public struct ReplyThread: Hashable, Codable, Sendable {
    public var rootID: String?
    /// Whose conversation it is.
    public var personID: String

    public init(rootID: String?, personID: String) {
        self.rootID = rootID
        self.personID = personID
    }
}

/// What the bot says back. Adapters render it in their platform's format. Codable: a reply waiting to be posted is
/// held in the store (the bot's outbox) until an adapter has posted it.
public struct Reply: Hashable, Codable, Sendable {
    /// Who sees it: only the person who asked, or everyone in the channel.
    public enum Visibility: String, Hashable, Codable, Sendable {
        case ephemeral
        case channel
    }

    /// A button the adapter shows where its platform has buttons; the console shows the equivalent command.
    public struct Action: Hashable, Codable, Sendable {
        public var label: String
        /// The `/postmortem …` text the button runs, e.g. `confirm S3`.
        public var command: String

        public init(label: String, command: String) {
            self.label = label
            self.command = command
        }
    }

    /// Content too long for a message, sent as a file upload.
    public struct File: Hashable, Codable, Sendable {
        public var name: String
        public var contents: String

        public init(name: String, contents: String) {
            self.name = name
            self.contents = contents
        }
    }

    public var visibility: Visibility
    /// Markdown text (code blocks for tables, so every platform shows them aligned).
    public var text: String
    public var actions: [Action]
    public var file: File?
    /// A form to open for the person who asked (adapters that can show forms open it with the trigger id).
    public var form: Form?
    /// Another channel on the same platform to post in (stakeholder channels); nil: where the conversation is.
    public var destination: String?
    /// Part of a guided conversation: posted in its thread where the platform has threads.
    public var thread: ReplyThread?
    /// Set when the reply is held in the bot's outbox until it is posted (`Bot.posted(_:settled:)`): a reply the desk
    /// decided in a capture's transaction, or a due reminder, is stored with it, so a process that dies before
    /// posting it does not lose it (the scheduler's replica posts it instead).
    public var deliveryKey: String?

    /// The buttons as text, one `→ label: `/postmortem command`` line each: the fallback where buttons cannot show.
    public var actionLines: String {
        actions.map { "→ \($0.label): `/postmortem \($0.command)`" }.joined(separator: "\n")
    }

    public init(
        _ visibility: Visibility, _ text: String, actions: [Action] = [], file: File? = nil, form: Form? = nil, destination: String? = nil
    ) {
        self.visibility = visibility
        self.text = text
        self.actions = actions
        self.file = file
        self.form = form
        self.destination = destination
    }
}
