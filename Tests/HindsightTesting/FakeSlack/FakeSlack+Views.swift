import Foundation

/// `views.open` and `views.update`: Slack's modal validation, ids and hashes.
extension FakeSlack {
    func openView(_ arguments: FakeJSON) throws -> FakeJSON {
        try state.withLock { state in
            let view = try Self.validatedView(arguments["view"])
            try state.exchangeTrigger(arguments["trigger_id"]?.string, lifetime: configuration.triggerLifetime)
            let opened = assignIdentity(to: view, id: FakeSlackID.make("V"))
            state.views[opened["id"]!.string!] = opened
            state.openedViews.append(opened)
            return ["ok": true, "view": opened]
        }
    }

    func updateView(_ arguments: FakeJSON) throws -> FakeJSON {
        try state.withLock { state in
            let id: String?
            if let viewID = arguments["view_id"]?.string, !viewID.isEmpty {
                id = viewID
            } else {
                let externalID = arguments["external_id"]?.string
                id = state.views.first { externalID != nil && $0.value["external_id"]?.string == externalID }?.key
            }
            guard let id, let current = state.views[id] else { throw FakeSlackAPIFailure("not_found") }
            if let hash = arguments["hash"]?.string, !hash.isEmpty, hash != current["hash"]?.string {
                throw FakeSlackAPIFailure("hash_conflict")
            }
            let updated = assignIdentity(to: try Self.validatedView(arguments["view"]), id: id)
            state.views[id] = updated
            state.openedViews.append(updated)
            return ["ok": true, "view": updated]
        }
    }

    /// The view as Slack stores it: `id`, a fresh `hash`, team and app, and a `block_id` on every block
    /// (an `action_id` on every input element) that lacked one.
    func assignIdentity(to view: FakeJSON, id: String) -> FakeJSON {
        let blocks = (view["blocks"]?.array ?? []).map { block -> FakeJSON in
            var block = block
            if block["block_id"]?.string == nil { block = block.setting("block_id", .string(FakeSlackID.make("", length: 5))) }
            if let element = block["element"], element["action_id"]?.string == nil {
                block = block.setting("element", element.setting("action_id", .string(FakeSlackID.make("", length: 5))))
            }
            return block
        }
        return view.merging([
            "id": .string(id), "team_id": .string(teamID), "blocks": .array(blocks),
            "private_metadata": view["private_metadata"] ?? "", "callback_id": view["callback_id"] ?? "",
            "external_id": view["external_id"] ?? "", "state": ["values": [:]],
            "hash": .string("\(FakeSlackID.epochSeconds()).\(FakeSlackID.make("", length: 8))"),
            "clear_on_close": view["clear_on_close"] ?? false, "notify_on_close": view["notify_on_close"] ?? false,
            "close": view["close"] ?? .null, "submit": view["submit"] ?? .null, "previous_view_id": .null,
            "root_view_id": .string(id), "app_id": .string(appID), "app_installed_team_id": .string(teamID), "bot_id": .string(botID),
        ])
    }

    /// Slack's checks on a modal, answered as `invalid_arguments` with `response_metadata.messages`.
    static func validatedView(_ value: FakeJSON?) throws -> FakeJSON {
        func invalid(_ message: String, _ pointer: String) -> FakeSlackAPIFailure {
            FakeSlackAPIFailure("invalid_arguments", messages: ["[ERROR] \(message) [json-pointer:/view\(pointer)]"])
        }
        guard let view = value?.decodingEmbeddedJSON, view.object != nil else {
            throw FakeSlackAPIFailure("invalid_arguments", messages: ["[ERROR] missing required field: view"])
        }
        guard view["type"]?.string == "modal" else { throw invalid("must be \"modal\"", "/type") }
        guard let title = view["title"]?["text"]?.string else { throw invalid("missing required field: title", "") }
        guard title.count <= 24 else { throw invalid("must be less than 25 characters", "/title/text") }
        for key in ["submit", "close"] {
            if let text = view[key]?["text"]?.string, text.count > 24 { throw invalid("must be less than 25 characters", "/\(key)/text") }
        }
        guard let blocks = view["blocks"]?.array else { throw invalid("missing required field: blocks", "") }
        guard blocks.count <= 100 else { throw invalid("no more than 100 items allowed", "/blocks") }
        if blocks.contains(where: { $0["type"]?.string == "input" }), view["submit"] == nil {
            throw invalid("must provide a submit property when using input blocks", "")
        }
        if let metadata = view["private_metadata"]?.string, metadata.count > 3000 {
            throw invalid("must be less than 3001 characters", "/private_metadata")
        }
        if let callbackID = view["callback_id"]?.string, callbackID.count > 255 {
            throw invalid("must be less than 256 characters", "/callback_id")
        }
        return view
    }

    /// `view.state.values` for a submission: every input block, with the test's value or Slack's null.
    static func stateValues(of view: FakeJSON, values: [String: FakeSlackInputValue]) throws(FakeSlackError) -> FakeJSON {
        let inputs = (view["blocks"]?.array ?? []).filter { $0["type"]?.string == "input" }
        let viewID = view["id"]?.string ?? ""
        for blockID in values.keys.sorted() where !inputs.contains(where: { $0["block_id"]?.string == blockID }) {
            throw .unknownInputBlock(viewID: viewID, blockID: blockID)
        }
        var state: [String: FakeJSON] = [:]
        for block in inputs {
            guard let blockID = block["block_id"]?.string, let element = block["element"] else { continue }
            let type = element["type"]?.string ?? "plain_text_input"
            var rendered: FakeJSON = ["type": .string(type)]
            switch values[blockID] {
            case .text(let text)?: rendered = rendered.setting("value", .string(text))
            case .date(let date)?: rendered = rendered.setting("selected_date", .string(date))
            case .user(let user)?: rendered = rendered.setting("selected_user", .string(user))
            case .conversation(let channel)?: rendered = rendered.setting("selected_conversation", .string(channel))
            case .option(let value)?:
                let label = element["options"]?.array?.first { $0["value"]?.string == value }?["text"] ?? ["type": "plain_text", "text": .string(value)]
                rendered = rendered.setting("selected_option", ["text": label, "value": .string(value)])
            case nil:
                let key = switch type {
                case "datepicker": "selected_date"
                case "users_select": "selected_user"
                case "conversations_select": "selected_conversation"
                case "static_select", "external_select": "selected_option"
                default: "value"
                }
                rendered = rendered.setting(key, .null)
            }
            state[blockID] = [element["action_id"]?.string ?? "": rendered]
        }
        return .object(state)
    }
}
