import Foundation
import HindsightCore
import HindsightServer

/// Renders a core `Form` as a Mattermost interactive dialog.
enum DialogRendering {
    /// Mattermost refuses dialog titles and element labels over 24 characters.
    static let labelLimit = 24

    /// The dialog for `form`, opened for `userID` in `channelID`: its `state` carries the form's context and a
    /// single-use token bound to that context, the form, the channel and the person.
    static func request(
        for form: Form, triggerID: String, url: String, channelID: String, userID: String, callbacks: CallbackSigner
    ) -> OpenDialogRequest {
        let token = callbacks.issue(.dialog, purpose: form.id, channelID: channelID, userID: userID, bound: form.context)
        return OpenDialogRequest(
            triggerID: triggerID, url: url,
            dialog: .init(
                callbackID: form.id, title: clip(form.title), elements: form.fields.map(element),
                submitLabel: form.submitLabel, notifyOnCancel: false, state: DialogState(context: form.context, token: token).encoded
            )
        )
    }

    private static func element(_ field: Form.Field) -> OpenDialogRequest.Element {
        var element = OpenDialogRequest.Element(
            displayName: clip(field.label), name: field.name, type: "text", optional: field.optional,
            helpText: field.hint, defaultValue: field.initialValue
        )
        switch field.kind {
        case .text: break
        case .multiline: element.type = "textarea"
        case .select(let options):
            element.type = "select"
            element.options = options.map { .init(text: $0.label, value: $0.value) }
        case .date: element.placeholder = "YYYY-MM-DD"
        case .user:
            element.type = "select"
            element.dataSource = "users"
        case .channel:
            element.type = "select"
            element.dataSource = "channels"
        }
        return element
    }

    private static func clip(_ text: String) -> String {
        text.count > labelLimit ? String(text.prefix(labelLimit - 1)) + "…" : text
    }
}

/// What a dialog's `state` holds: the form's own context and the callback token. Mattermost hides the state from
/// clients and returns it verbatim with the submission.
struct DialogState: Codable, Equatable {
    var context: String
    var token: String

    enum CodingKeys: String, CodingKey { case context = "c", token = "t" }

    /// The state as sent (compact JSON).
    var encoded: String {
        // A struct of two strings always encodes.
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The state a submission returned; nil when it is not one the bot wrote.
    init?(decoding state: String) {
        guard let value = try? JSONDecoder().decode(DialogState.self, from: Data(state.utf8)) else { return nil }
        self = value
    }

    init(context: String, token: String) {
        self.context = context
        self.token = token
    }
}
