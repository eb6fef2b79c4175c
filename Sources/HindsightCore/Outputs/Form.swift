import Foundation

/// A form the bot asks a responder to fill: a Slack modal, a Mattermost interactive dialog.
/// Adapters open it with the platform's trigger id; the answer comes back as a `FormSubmission`.
public struct Form: Hashable, Codable, Sendable {
    /// Which form this is (`start`, `note`…); it routes the submission back to its handler.
    public var id: String
    public var title: String
    public var submitLabel: String
    public var fields: [Field]
    /// Opaque state carried through the platform and back (e.g. the incident id).
    public var context: String

    public init(id: String, title: String, submitLabel: String, fields: [Field], context: String = "") {
        self.id = id
        self.title = title
        self.submitLabel = submitLabel
        self.fields = fields
        self.context = context
    }

    /// One input in a form.
    public struct Field: Hashable, Codable, Sendable {
        public enum Kind: Hashable, Codable, Sendable {
            case text
            case multiline
            case select([Option])
            /// A calendar day, answered as `YYYY-MM-DD`.
            case date
            /// A person on the platform, answered with their platform id.
            case user
            /// A channel on the platform, answered with its id.
            case channel
        }

        public struct Option: Hashable, Codable, Sendable {
            public var label: String
            public var value: String

            public init(label: String, value: String) {
                self.label = label
                self.value = value
            }
        }

        public var name: String
        public var label: String
        public var kind: Kind
        public var optional: Bool
        public var hint: String?
        public var initialValue: String?

        public init(name: String, label: String, kind: Kind, optional: Bool = false, hint: String? = nil, initialValue: String? = nil) {
            self.name = name
            self.label = label
            self.kind = kind
            self.optional = optional
            self.hint = hint
            self.initialValue = initialValue
        }
    }
}

/// A responder's answers to a `Form`, keyed by field name (empty optional fields may be absent).
public struct FormSubmission: Hashable, Sendable {
    public var formID: String
    public var context: String
    public var channel: ChannelKey
    public var user: Person
    public var values: [String: String]
    public var submittedAt: Date
    /// True where a click on a button the bot posts can open the next form (Slack: the click's `trigger_id`), so a
    /// step that goes on (the next why) is offered as a button that opens its form.
    public var buttonsCanOpenForms: Bool

    public init(
        formID: String, context: String, channel: ChannelKey, user: Person, values: [String: String], submittedAt: Date,
        buttonsCanOpenForms: Bool = false
    ) {
        self.formID = formID
        self.context = context
        self.channel = channel
        self.user = user
        self.values = values
        self.submittedAt = submittedAt
        self.buttonsCanOpenForms = buttonsCanOpenForms
    }
}

/// What happened to a submission: accepted (the form closes, replies are posted) or rejected with an error per field
/// (the platform keeps the form open and shows each message next to its field).
public enum FormResult: Hashable, Sendable {
    case accepted([Reply])
    case rejected([String: String])
}
