import Foundation
import Hummingbird

/// Slash commands, modal submissions and button clicks: sent as `slash_commands` / `interactive` envelopes that
/// Slack does not redeliver; each waits for the bot's ack and returns it. Also the `response_url`s they carry.
extension FakeSlack {
    /// A person runs `command text` in a channel. An `in_channel` reply in the ack is posted to the channel.
    /// - Throws: `FakeSlackError.noLiveConnection`, or `.noAck` when the bot does not ack within `timeout`.
    public func slashCommand(
        channel: String, user: String, text: String, command: String = "/postmortem", timeout: Duration = .seconds(5)
    ) async throws -> FakeSlackAck {
        let payload: FakeJSON = state.withLock { state in
            let channel = state.workspace.ensureChannel(channel)
            return [
                "token": .string(FakeSlackIdentity.verificationToken), "team_id": .string(teamID),
                "team_domain": .string(FakeSlackIdentity.teamDomain), "channel_id": .string(channel.id),
                "channel_name": .string(channel.name), "user_id": .string(user),
                "user_name": .string(state.workspace.users[user]?.name ?? user), "command": .string(command), "text": .string(text),
                "api_app_id": .string(appID), "is_enterprise_install": "false",
                "response_url": .string(responseURL(&state, channel: channel.id, user: user, messageTS: nil)),
                "trigger_id": .string(state.issueTrigger()),
            ]
        }
        var ack = try await socket.request(type: "slash_commands", acceptsResponsePayload: true, payload: payload, timeout: timeout)
        ack.triggerID = payload["trigger_id"]?.string
        if let reply = ack.payload, reply["response_type"]?.string == "in_channel" {
            await respond(with: reply, channel: channel, user: user, originalTS: nil)
        }
        return ack
    }

    /// A person submits a modal opened with `views.open`; `values` are keyed by input `block_id`. A
    /// `response_action` of `update` replaces the view, `errors` keeps it open, anything else closes it.
    public func submitView(
        id viewID: String, user: String, values: [String: FakeSlackInputValue], timeout: Duration = .seconds(5)
    ) async throws -> FakeSlackAck {
        let payload: FakeJSON = try state.withLock { state in
            guard let view = state.views[viewID] else { throw FakeSlackError.unknownView(id: viewID) }
            let submitted = view.setting("state", ["values": try Self.stateValues(of: view, values: values)])
            return [
                "type": "view_submission", "team": ["id": .string(teamID), "domain": .string(FakeSlackIdentity.teamDomain)],
                "user": userObject(state, user), "api_app_id": .string(appID), "token": .string(FakeSlackIdentity.verificationToken),
                "trigger_id": .string(state.issueTrigger()), "view": submitted, "response_urls": [], "is_enterprise_install": false,
                "enterprise": .null,
            ]
        }
        var ack = try await socket.request(type: "interactive", acceptsResponsePayload: true, payload: payload, timeout: timeout)
        ack.triggerID = payload["trigger_id"]?.string
        state.withLock { state in
            switch ack.payload?["response_action"]?.string {
            case "errors":
                break
            case "update":
                if let view = try? Self.validatedView(ack.payload?["view"]) {
                    let updated = assignIdentity(to: view, id: viewID)
                    state.views[viewID] = updated
                    state.openedViews.append(updated)
                }
            case "push":
                if let view = try? Self.validatedView(ack.payload?["view"]) {
                    let pushed = assignIdentity(to: view, id: FakeSlackID.make("V"))
                    state.views[pushed["id"]!.string!] = pushed
                    state.openedViews.append(pushed)
                }
            default:
                state.views.removeValue(forKey: viewID)
            }
        }
        return ack
    }

    /// A person clicks a button (or other block element) with `actionID` on a message, also an ephemeral one.
    /// `seen`: the message as the person's client still shows it (a stale copy, from before a `chat.update` reached
    /// it, so its buttons can be clicked again); default: the message as it is now.
    public func clickButton(
        channel: String, user: String, messageTS: String, actionID: String, value: String, seen: FakeJSON? = nil,
        timeout: Duration = .seconds(5)
    ) async throws -> FakeSlackAck {
        let payload: FakeJSON = try state.withLock { state in
            let message: FakeJSON
            let isEphemeral: Bool
            if let seen, state.workspace.message(in: channel, ts: messageTS) != nil {
                message = seen
                isEphemeral = false
            } else if let stored = state.workspace.message(in: channel, ts: messageTS) {
                message = state.workspace.render(stored, in: channel, forHistory: false)
                isEphemeral = false
            } else if let ephemeral = state.ephemeral.last(where: { $0.channel == channel && $0.ts == messageTS }) {
                message = ["type": "message", "ts": .string(ephemeral.ts), "text": .string(ephemeral.text), "blocks": ephemeral.blocks ?? []]
                isEphemeral = true
            } else {
                throw FakeSlackError.unknownMessage(channel: channel, ts: messageTS)
            }
            guard case let (blockID, element)? = Self.element(actionID, in: message["blocks"]) else {
                throw FakeSlackError.unknownAction(messageTS: messageTS, actionID: actionID)
            }
            let channelName = state.workspace.channels[channel]?.name ?? channel
            // An overflow menu sends the option picked (`selected_option`), not a value of its own.
            var action: FakeJSON = [
                "action_id": .string(actionID), "block_id": .string(blockID),
                "text": element["text"] ?? ["type": "plain_text", "text": .string(value)], "value": .string(value),
                "type": element["type"] ?? "button", "action_ts": .string(FakeSlackID.ts(micros: Int64(Date().timeIntervalSince1970 * 1_000_000))),
            ]
            if element["type"]?.string == "overflow" {
                guard let option = element["options"]?.array?.first(where: { $0["value"]?.string == value }) else {
                    throw FakeSlackError.unknownAction(messageTS: messageTS, actionID: actionID)
                }
                action = [
                    "action_id": .string(actionID), "block_id": .string(blockID), "type": "overflow", "selected_option": option,
                    "action_ts": .string(FakeSlackID.ts(micros: Int64(Date().timeIntervalSince1970 * 1_000_000))),
                ]
            }
            var payload: FakeJSON = [
                "type": "block_actions", "user": userObject(state, user), "api_app_id": .string(appID),
                "token": .string(FakeSlackIdentity.verificationToken),
                "container": [
                    "type": "message", "message_ts": .string(messageTS), "channel_id": .string(channel), "is_ephemeral": .bool(isEphemeral),
                ],
                "trigger_id": .string(state.issueTrigger()), "team": ["id": .string(teamID), "domain": .string(FakeSlackIdentity.teamDomain)],
                "enterprise": .null, "is_enterprise_install": false, "channel": ["id": .string(channel), "name": .string(channelName)],
                "state": ["values": [:]], "response_url": .string(responseURL(&state, channel: channel, user: user, messageTS: messageTS)),
                "actions": [action],
            ]
            if !isEphemeral { payload = payload.setting("message", message) }  // Slack leaves it out for ephemeral messages
            return payload
        }
        var ack = try await socket.request(type: "interactive", acceptsResponsePayload: false, payload: payload, timeout: timeout)
        ack.triggerID = payload["trigger_id"]?.string
        return ack
    }

    /// A person picks a global shortcut (`callbackID`, from ⚡ or search): a `shortcut` payload with a `trigger_id` and
    /// no channel.
    public func globalShortcut(user: String, callbackID: String, timeout: Duration = .seconds(5)) async throws -> FakeSlackAck {
        let payload: FakeJSON = state.withLock { state in
            [
                "type": "shortcut", "token": .string(FakeSlackIdentity.verificationToken),
                "action_ts": .string(FakeSlackID.ts(micros: Int64(Date().timeIntervalSince1970 * 1_000_000))),
                "team": ["id": .string(teamID), "domain": .string(FakeSlackIdentity.teamDomain)], "user": userObject(state, user),
                "is_enterprise_install": false, "enterprise": .null, "callback_id": .string(callbackID),
                "trigger_id": .string(state.issueTrigger()),
            ]
        }
        return try await socket.request(type: "interactive", acceptsResponsePayload: false, payload: payload, timeout: timeout)
    }

    /// A person picks a message shortcut (`callbackID`) from a message's menu: a `message_action` payload with the whole
    /// message, the channel, a `trigger_id` and a `response_url`.
    public func messageShortcut(
        channel: String, user: String, messageTS: String, callbackID: String, timeout: Duration = .seconds(5)
    ) async throws -> FakeSlackAck {
        let payload: FakeJSON = try state.withLock { state in
            guard let stored = state.workspace.message(in: channel, ts: messageTS) else {
                throw FakeSlackError.unknownMessage(channel: channel, ts: messageTS)
            }
            let channelName = state.workspace.channels[channel]?.name ?? channel
            return [
                "type": "message_action", "token": .string(FakeSlackIdentity.verificationToken),
                "action_ts": .string(FakeSlackID.ts(micros: Int64(Date().timeIntervalSince1970 * 1_000_000))),
                "team": ["id": .string(teamID), "domain": .string(FakeSlackIdentity.teamDomain)], "user": userObject(state, user),
                "channel": ["id": .string(channel), "name": .string(channelName)], "is_enterprise_install": false, "enterprise": .null,
                "callback_id": .string(callbackID), "trigger_id": .string(state.issueTrigger()), "message_ts": .string(messageTS),
                "message": state.workspace.render(stored, in: channel, forHistory: false),
                "response_url": .string(responseURL(&state, channel: channel, user: user, messageTS: messageTS)),
            ]
        }
        return try await socket.request(type: "interactive", acceptsResponsePayload: false, payload: payload, timeout: timeout)
    }

    /// `POST /response/<id>`: recorded, then applied like Slack: replace or delete the original, post in channel.
    /// Slack allows five posts per URL; the sixth gets 404 `used_url` (the error name is the fake's own).
    func receiveResponseURLPost(_ request: Request, id: String) async throws -> Response {
        let body = Data(try await request.body.collect(upTo: 8 << 20).readableBytesView)
        let json = FakeJSON.parse(body) ?? .string(String(decoding: body, as: UTF8.self))
        let target = state.withLock { state -> Result<FakeSlackState.ResponseURL, FakeSlackAPIFailure> in
            guard let target = state.responseURLs[id] else { return .failure(.init("expired_url")) }
            guard target.uses < 5 else { return .failure(.init("used_url")) }
            state.responseURLs[id]?.uses += 1
            state.responseURLPosts.append(json)
            return .success(target)
        }
        switch target {
        case .failure(let failure):
            return Self.json(["ok": false, "error": .string(failure.code)], status: .notFound)
        case .success(let target):
            guard json.object != nil else { return Self.json(["ok": false, "error": "invalid_payload"], status: .badRequest) }
            await respond(with: json, channel: target.channel, user: target.user, originalTS: target.messageTS)
            return Self.json(["ok": true])
        }
    }

    /// Applies a reply body: `delete_original`, `replace_original` (the clicked message, or an ephemeral one),
    /// or `response_type: in_channel` (a bot message). Ephemeral replies only show in `responseURLPosts`.
    private func respond(with reply: FakeJSON, channel: String, user: String, originalTS: String?) async {
        let text = reply["text"]?.string ?? ""
        let blocks = try? Self.validatedBlocks(reply["blocks"], limit: 50)
        if let originalTS, reply["delete_original"]?.bool == true {
            let removed = state.withLock { state in
                state.workspace.remove(from: channel, ts: originalTS).map { ($0, state.workspace.ensureChannel(channel)) }
            }
            if case let (message, channel)? = removed { await publish(messageDeletedEvent(message, in: channel), in: channel) }
        } else if let originalTS, reply["replace_original"]?.bool == true {
            let change = state.withLock { state in
                if let index = state.ephemeral.lastIndex(where: { $0.channel == channel && $0.ts == originalTS }) {
                    state.ephemeral[index].text = text
                    state.ephemeral[index].blocks = blocks
                }
                let editTS = state.workspace.nextTS(in: channel)
                return state.workspace.update(in: channel, ts: originalTS) { message in
                    message.text = text
                    message.blocks = blocks
                    message.edited = (botUserID, editTS)
                }.map { ($0.old, $0.new, state.workspace.ensureChannel(channel)) }
            }
            if case let (old, new, channel)? = change { await publish(messageChangedEvent(old: old, new: new, in: channel), in: channel) }
        } else if reply["response_type"]?.string == "in_channel" {
            let (message, channel) = state.withLock { state in
                let channel = state.workspace.ensureChannel(channel)
                let message = FakeSlackMessage(
                    ts: state.workspace.nextTS(in: channel.id), user: botUserID, botID: botID, text: text, blocks: blocks,
                    threadTS: state.workspace.threadRoot(in: channel.id, ts: reply["thread_ts"]?.string)
                )
                state.workspace.append(message, to: channel.id)
                return (message, channel)
            }
            await publish(messageEvent(message, in: channel), in: channel)
        }
    }

    private func responseURL(_ state: inout FakeSlackState, channel: String, user: String, messageTS: String?) -> String {
        let id = FakeSlackID.make("", length: 24)
        state.responseURLs[id] = .init(channel: channel, user: user, messageTS: messageTS)
        return "\(baseURL)/response/\(id)"
    }

    private func userObject(_ state: FakeSlackState, _ user: String) -> FakeJSON {
        let name = state.workspace.users[user]?.name ?? user
        return ["id": .string(user), "username": .string(name), "name": .string(name), "team_id": .string(teamID)]
    }

    /// The block and element carrying `actionID`: in an `actions` block's elements or as a section's accessory.
    static func element(_ actionID: String, in blocks: FakeJSON?) -> (blockID: String, element: FakeJSON)? {
        for block in blocks?.array ?? [] {
            let candidates = (block["elements"]?.array ?? []) + [block["accessory"]].compactMap { $0 }
            if let element = candidates.first(where: { $0["action_id"]?.string == actionID }) {
                return (block["block_id"]?.string ?? "", element)
            }
        }
        return nil
    }
}
