/// The Block Kit pieces Hindsight sends (messages with buttons, modals), encoded exactly as Slack expects.
enum Block: Encodable, Sendable, Equatable {
    /// Slack's limits: a section's text 3,000 characters, a message 50 blocks, a modal 100, a button label 75,
    /// a button value 2,000, a modal title 24.
    static let sectionLimit = 3000

    case section(mrkdwn: String)
    case actions(blockID: String, buttons: [Button], overflow: Overflow? = nil)
    case context(mrkdwn: String)
    case input(Input)

    struct Button: Encodable, Sendable, Equatable {
        var actionID: String
        var label: String
        var value: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode("button", forKey: .type)
            try c.encode(actionID, forKey: .action_id)
            try c.encode(Text.plain(String(label.prefix(75))), forKey: .text)
            try c.encode(String(value.prefix(2000)), forKey: .value)
        }
    }

    /// An overflow menu (⋯): each option runs its value as a button would.
    struct Overflow: Encodable, Sendable, Equatable {
        var actionID: String
        var options: [Button]

        private enum OptionKey: String, CodingKey { case text, value }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode("overflow", forKey: .type)
            try c.encode(actionID, forKey: .action_id)
            var list = c.nestedUnkeyedContainer(forKey: .options)
            for option in options.prefix(5) {  // Slack's limit for an overflow menu
                var item = list.nestedContainer(keyedBy: OptionKey.self)
                try item.encode(Text.plain(String(option.label.prefix(75))), forKey: .text)
                try item.encode(String(option.value.prefix(75)), forKey: .value)
            }
        }
    }

    struct Input: Encodable, Sendable, Equatable {
        var blockID: String
        var label: String
        var hint: String?
        var optional: Bool
        var element: Element

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode("input", forKey: .type)
            try c.encode(blockID, forKey: .block_id)
            try c.encode(Text.plain(String(label.prefix(2000))), forKey: .label)
            if let hint { try c.encode(Text.plain(String(hint.prefix(2000))), forKey: .hint) }
            try c.encode(optional, forKey: .optional)
            try c.encode(element, forKey: .element)
        }
    }

    /// An input element; every one uses the action id `v`, so a submission's value is `values[block_id]["v"]`.
    enum Element: Encodable, Sendable, Equatable {
        case text(multiline: Bool, initial: String?)
        case select(options: [(label: String, value: String)], initial: String?)
        case date(initial: String?)
        case user(initial: String?)
        case channel

        static func == (a: Element, b: Element) -> Bool {
            switch (a, b) {
            case let (.text(m1, i1), .text(m2, i2)): m1 == m2 && i1 == i2
            case let (.select(o1, i1), .select(o2, i2)): o1.elementsEqual(o2) { $0 == $1 } && i1 == i2
            case let (.date(i1), .date(i2)), let (.user(i1), .user(i2)): i1 == i2
            case (.channel, .channel): true
            default: false
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode("v", forKey: .action_id)
            switch self {
            case let .text(multiline, initial):
                try c.encode("plain_text_input", forKey: .type)
                try c.encode(multiline, forKey: .multiline)
                if let initial { try c.encode(initial, forKey: .initial_value) }
            case let .select(options, initial):
                try c.encode("static_select", forKey: .type)
                let encoded = options.prefix(100).map { Option(text: .plain(String($0.label.prefix(75))), value: String($0.value.prefix(150))) }
                try c.encode(encoded, forKey: .options)
                if let initial, let option = encoded.first(where: { $0.value == initial }) { try c.encode(option, forKey: .initial_option) }
            case .date(let initial):
                try c.encode("datepicker", forKey: .type)
                if let initial, initial.count == 10 { try c.encode(initial, forKey: .initial_date) }
            case .user(let initial):
                try c.encode("users_select", forKey: .type)
                if let initial { try c.encode(initial, forKey: .initial_user) }
            case .channel:
                try c.encode("conversations_select", forKey: .type)
                try c.encode(true, forKey: .default_to_current_conversation)
            }
        }

        private struct Option: Encodable {
            var text: Text
            var value: String
        }
    }

    struct Text: Encodable, Sendable, Equatable {
        var type: String
        var text: String
        static func plain(_ text: String) -> Text { Text(type: "plain_text", text: text) }
        static func mrkdwn(_ text: String) -> Text { Text(type: "mrkdwn", text: text) }
    }

    private enum Key: String, CodingKey {
        case type, text, block_id, elements, action_id, value, label, hint, optional, element, multiline
        case initial_value, options, initial_option, initial_date, initial_user, default_to_current_conversation
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .section(let text):
            try c.encode("section", forKey: .type)
            try c.encode(Text.mrkdwn(String(text.prefix(Self.sectionLimit))), forKey: .text)
        case let .actions(blockID, buttons, overflow):
            try c.encode("actions", forKey: .type)
            try c.encode(blockID, forKey: .block_id)
            var elements = c.nestedUnkeyedContainer(forKey: .elements)
            for button in buttons.prefix(overflow == nil ? 25 : 24) { try elements.encode(button) }
            if let overflow { try elements.encode(overflow) }
        case .context(let text):
            try c.encode("context", forKey: .type)
            try c.encode([Text.mrkdwn(String(text.prefix(Self.sectionLimit)))], forKey: .elements)
        case .input(let input):
            try input.encode(to: encoder)
        }
    }
}

/// A modal view for `views.open` / `views.update`.
struct ModalView: Encodable, Sendable, Equatable {
    var callbackID: String
    var privateMetadata: String
    var title: String
    var submit: String
    var blocks: [Block]

    /// Slack refuses titles and button texts over 24 characters.
    static let titleLimit = 24

    private enum Key: String, CodingKey { case type, callback_id, private_metadata, title, submit, close, blocks }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode("modal", forKey: .type)
        try c.encode(callbackID, forKey: .callback_id)
        try c.encode(String(privateMetadata.prefix(3000)), forKey: .private_metadata)
        try c.encode(Block.Text.plain(Self.clip(title)), forKey: .title)
        try c.encode(Block.Text.plain(Self.clip(submit)), forKey: .submit)
        try c.encode(Block.Text.plain("Cancel"), forKey: .close)
        try c.encode(Array(blocks.prefix(100)), forKey: .blocks)
    }

    static func clip(_ text: String) -> String {
        text.count > titleLimit ? String(text.prefix(titleLimit - 1)) + "…" : text
    }
}
