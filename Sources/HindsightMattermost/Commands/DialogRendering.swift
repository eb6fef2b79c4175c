import HindsightCore

/// Renders a core `Form` as a Mattermost interactive dialog.
enum DialogRendering {
    /// Mattermost refuses dialog titles and element labels over 24 characters.
    static let labelLimit = 24

    static func request(for form: Form, triggerID: String, url: String) -> OpenDialogRequest {
        OpenDialogRequest(
            triggerID: triggerID, url: url,
            dialog: .init(
                callbackID: form.id, title: clip(form.title), elements: form.fields.map(element),
                submitLabel: form.submitLabel, notifyOnCancel: false, state: form.context
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
        }
        return element
    }

    private static func clip(_ text: String) -> String {
        text.count > labelLimit ? String(text.prefix(labelLimit - 1)) + "…" : text
    }
}
