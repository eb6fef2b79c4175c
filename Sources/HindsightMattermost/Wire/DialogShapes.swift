import Foundation

/// `POST /actions/dialogs/open` body.
struct OpenDialogRequest: Encodable {
    var triggerID: String
    var url: String
    var dialog: Dialog

    enum CodingKeys: String, CodingKey {
        case url, dialog
        case triggerID = "trigger_id"
    }

    struct Dialog: Encodable {
        var callbackID: String
        var title: String
        var elements: [Element]
        var submitLabel: String
        var notifyOnCancel: Bool
        var state: String

        enum CodingKeys: String, CodingKey {
            case title, elements, state
            case callbackID = "callback_id", submitLabel = "submit_label", notifyOnCancel = "notify_on_cancel"
        }
    }

    struct Element: Encodable {
        var displayName: String
        var name: String
        var type: String
        var subtype: String?
        var optional: Bool
        var placeholder: String?
        var helpText: String?
        var defaultValue: String?
        var options: [Option]?
        var dataSource: String?

        enum CodingKeys: String, CodingKey {
            case name, type, subtype, optional, placeholder, options
            case displayName = "display_name", helpText = "help_text", defaultValue = "default", dataSource = "data_source"
        }
    }

    struct Option: Encodable {
        var text: String
        var value: String
    }
}

/// What Mattermost POSTs to the dialog URL when a dialog is submitted (or cancelled).
struct DialogSubmission: Decodable {
    var type: String?
    var callbackID: String
    var state: String
    var userID: String
    var channelID: String
    var submission: [String: SubmissionValue]
    var cancelled: Bool

    enum CodingKeys: String, CodingKey {
        case type, state, submission, cancelled
        case callbackID = "callback_id", userID = "user_id", channelID = "channel_id"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        callbackID = try c.decodeIfPresent(String.self, forKey: .callbackID) ?? ""
        state = try c.decodeIfPresent(String.self, forKey: .state) ?? ""
        userID = try c.decode(String.self, forKey: .userID)
        channelID = try c.decode(String.self, forKey: .channelID)
        submission = try c.decodeIfPresent([String: SubmissionValue].self, forKey: .submission) ?? [:]
        cancelled = try c.decodeIfPresent(Bool.self, forKey: .cancelled) ?? false
    }
}

/// A submitted element's value: text, number or bool (null for an empty optional field).
struct SubmissionValue: Decodable {
    var text: String?

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { text = nil }
        else if let string = try? c.decode(String.self) { text = string }
        else if let bool = try? c.decode(Bool.self) { text = bool ? "true" : "false" }
        else if let number = try? c.decode(Double.self) { text = number.rounded() == number ? String(Int64(number)) : String(number) }
        else { text = nil }
    }
}

/// The reply to a dialog submission: `{}` closes it, `errors` keeps it open.
struct DialogResponse: Encodable {
    var errors: [String: String]?
}

/// What Mattermost POSTs to a button's integration URL.
struct ActionRequest: Decodable {
    var userID: String
    var channelID: String
    var postID: String?
    var context: ActionContext?

    enum CodingKeys: String, CodingKey {
        case context
        case userID = "user_id", channelID = "channel_id", postID = "post_id"
    }
}

/// The reply to a button click.
struct ActionResponse: Encodable {
    var ephemeralText: String?

    enum CodingKeys: String, CodingKey { case ephemeralText = "ephemeral_text" }
}

/// The JSON answer to a slash command.
struct CommandResponse: Encodable {
    var responseType: String
    var text: String
    var attachments: [PostAttachment]?
    var extraResponses: [CommandResponse]?

    enum CodingKeys: String, CodingKey {
        case text, attachments
        case responseType = "response_type", extraResponses = "extra_responses"
    }
}
