import Foundation
import HindsightCore

/// Renders a core `Form` as a Slack modal and reads a `view_submission` back into a `FormSubmission`.
/// `private_metadata` carries the channel (submissions do not say where the form was opened) and the form's context.
enum ModalRendering {
    private struct Metadata: Codable {
        var channel: String
        var context: String
    }

    static func view(for form: Form, channel: String) -> ModalView {
        let metadata = (try? JSONEncoder().encode(Metadata(channel: channel, context: form.context))).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return ModalView(
            callbackID: form.id, privateMetadata: metadata, title: form.title, submit: form.submitLabel,
            blocks: form.fields.map { .input(input(for: $0)) }
        )
    }

    private static func input(for field: Form.Field) -> Block.Input {
        let element: Block.Element = switch field.kind {
        case .text: .text(multiline: false, initial: field.initialValue)
        case .multiline: .text(multiline: true, initial: field.initialValue)
        case .select(let options): .select(options: options.map { ($0.label, $0.value) }, initial: field.initialValue)
        case .date: .date(initial: field.initialValue)
        case .user: .user(initial: field.initialValue)
        case .channel: .channel
        }
        return Block.Input(blockID: field.name, label: field.label, hint: field.hint, optional: field.optional, element: element)
    }

    /// The submission's answers keyed by field (block) name; nil when the view is not one of ours. On Slack a button's
    /// click can open the next modal, so the core may follow a step with a button that does.
    static func submission(_ view: InteractivePayload.View, user: Person, at date: Date) -> FormSubmission? {
        guard let formID = view.callback_id, let raw = view.private_metadata,
              let metadata = try? SafeJSON.decode(Metadata.self, from: Data(raw.utf8))
        else { return nil }
        var values: [String: String] = [:]
        for (blockID, actions) in view.state?.values ?? [:] {
            if let text = actions["v"]?.text ?? actions.values.first?.text, !text.isEmpty { values[blockID] = text }
        }
        return FormSubmission(
            formID: formID, context: metadata.context, channel: ChannelKey(platform: .slack, channelID: metadata.channel),
            user: user, values: values, submittedAt: date,
            buttonsCanOpenForms: true  // a click carries a trigger_id, and `views.open` takes it
        )
    }

    /// `response_action: errors` keyed by block id; errors for something that is not a field go on the first field.
    static func errorsResponse(_ errors: [String: String], view: InteractivePayload.View) -> Data? {
        let blocks = Set((view.state?.values ?? [:]).keys)
        let first = blocks.sorted().first ?? "form"
        var keyed: [String: String] = [:]
        for (key, message) in errors {
            let block = blocks.contains(key) ? key : first
            keyed[block] = keyed[block].map { $0 + " " + message } ?? message
        }
        struct Body: Encodable { var response_action = "errors"; var errors: [String: String] }
        return try? JSONEncoder().encode(Body(errors: keyed))
    }
}
