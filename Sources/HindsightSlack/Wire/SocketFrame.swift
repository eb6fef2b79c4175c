import Foundation
import HindsightCore

/// One text frame from a Socket Mode connection, decoded in one pass: the header (`type`, `envelope_id`, `reason`)
/// always, so even an envelope whose payload cannot be read is acknowledged, and the payload its type announces.
enum SocketFrame: Sendable {
    case hello(connections: Int?, refreshAfter: Int?)
    /// `warning`, `refresh_requested`, `link_disabled`, or another reason Slack may add.
    case disconnect(reason: String)
    case events(Envelope<EventCallback>)
    case slashCommand(Envelope<SlashCommand>)
    case interactive(Envelope<InteractivePayload>)
    /// An envelope this bot does not understand (a new type, or a payload of the wrong shape): acknowledge, skip.
    case unreadable(envelopeID: String, type: String, reason: String)

    struct Envelope<Payload: Sendable>: Sendable {
        var id: String
        var retryAttempt: Int
        var payload: Payload
    }

    private struct Header: Decodable {
        var type: String
        var envelope_id: String?
        var reason: String?
        var retry_attempt: Int?
        var num_connections: Int?
        var debug_info: DebugInfo?
        struct DebugInfo: Decodable { var approximate_connection_time: Int? }
    }

    /// The header, and the payload its type announces with the error that kept it from being read, if any.
    private struct Whole: Decodable {
        var header: Header
        var payload: Result<SocketFrame, any Error>?

        private enum Keys: String, CodingKey { case payload }

        init(from decoder: any Decoder) throws {
            let header = try Header(from: decoder)
            let container = try decoder.container(keyedBy: Keys.self)
            self.header = header
            func envelope<P: Decodable & Sendable>(_: P.Type) -> Result<Envelope<P>, any Error> {
                Result { Envelope(id: header.envelope_id ?? "", retryAttempt: header.retry_attempt ?? 0, payload: try container.decode(P.self, forKey: Keys.payload)) }
            }
            payload = switch header.type {
            case "events_api": envelope(EventCallback.self).map(SocketFrame.events)
            case "slash_commands": envelope(SlashCommand.self).map(SocketFrame.slashCommand)
            case "interactive": envelope(InteractivePayload.self).map(SocketFrame.interactive)
            default: nil
            }
        }
    }

    /// Decodes a frame; throws only when it is not a Socket Mode frame at all (no JSON object with a `type`).
    static func decode(_ text: String) throws -> SocketFrame {
        if let events = readEvents(text) { return events }  // SocketFrame+Reader.swift: nearly every frame
        return try decodeWithJSONDecoder(text)
    }

    /// `decode` through `JSONDecoder`, for every frame `readEvents` leaves to it.
    static func decodeWithJSONDecoder(_ text: String) throws -> SocketFrame {
        let whole = try SafeJSON.decode(Whole.self, from: Data(text.utf8))
        let header = whole.header
        switch header.type {
        case "hello":
            return .hello(connections: header.num_connections, refreshAfter: header.debug_info?.approximate_connection_time)
        case "disconnect":
            return .disconnect(reason: header.reason ?? "")
        default:
            break
        }
        guard let id = header.envelope_id, !id.isEmpty else { throw SocketFrameError.noEnvelopeID(type: header.type) }
        switch whole.payload {
        case .success(let frame)?: return frame
        case .failure(let error)?: return .unreadable(envelopeID: id, type: header.type, reason: "\(error)")
        case nil: return .unreadable(envelopeID: id, type: header.type, reason: "unknown envelope type")
        }
    }

    /// The acknowledgement for an envelope, with an optional response payload (already JSON).
    static func ack(_ envelopeID: String, payload: Data? = nil) -> String {
        let id = JSONString.quoted(envelopeID)
        guard let payload else { return "{\"envelope_id\":\(id)}" }
        return "{\"envelope_id\":\(id),\"payload\":\(String(decoding: payload, as: UTF8.self))}"
    }
}

enum SocketFrameError: Error, CustomStringConvertible {
    case noEnvelopeID(type: String)

    var description: String {
        switch self {
        case .noEnvelopeID(let type): "a '\(type)' frame without envelope_id"
        }
    }
}

/// `payload` of an `events_api` envelope.
struct EventCallback: Decodable, Sendable, Equatable {
    var event_id: String?
    var event_time: Int?
    var event: SlackEvent
}

/// The `event` object (only the fields Hindsight reads; every field optional so new shapes do not break decoding).
struct SlackEvent: Decodable, Sendable, Equatable {
    var type: String
    var subtype: String?
    var channel: String?
    var channel_id: String?
    var user: String?
    var bot_id: String?
    var text: String?
    var ts: String?
    var event_ts: String?
    var thread_ts: String?
    var files: [SlackFile]?
    var hidden: Bool?
    /// `message_changed`: the new version.
    var message: SlackMessage?
    /// `message_deleted`.
    var deleted_ts: String?
    var previous_message: SlackMessage?
    /// `reaction_added` / `reaction_removed`.
    var reaction: String?
    var item: Item?

    struct Item: Decodable, Sendable, Equatable {
        var type: String?
        var channel: String?
        var ts: String?
        /// `pin_added`: the pinned message.
        var message: SlackMessage?
    }
}

/// A message as events, `conversations.history` and `conversations.replies` show it.
struct SlackMessage: Decodable, Sendable, Equatable {
    var type: String?
    var subtype: String?
    var user: String?
    var bot_id: String?
    var text: String?
    var ts: String?
    var thread_ts: String?
    var files: [SlackFile]?
    var edited: Edited?
    var reply_count: Int?
    var latest_reply: String?

    struct Edited: Decodable, Sendable, Equatable {
        var user: String?
        var ts: String?
    }
}

struct SlackFile: Decodable, Sendable, Equatable {
    var id: String?
    var name: String?
    var title: String?
    var url_private: String?
    var permalink: String?
}

/// `payload` of a `slash_commands` envelope (every field a string).
struct SlashCommand: Decodable, Sendable {
    var channel_id: String
    var user_id: String
    var user_name: String?
    var command: String?
    var text: String?
    var response_url: String?
    var trigger_id: String?
}

/// `payload` of an `interactive` envelope: a modal submission or a button click (others are acknowledged and ignored).
struct InteractivePayload: Decodable, Sendable {
    var type: String
    /// A shortcut's id, as declared in the manifest (`message_action`, `shortcut`).
    var callback_id: String?
    var user: User?
    var trigger_id: String?
    var response_url: String?
    var channel: Channel?
    var message: SlackMessage?
    var container: Container?
    var actions: [Action]?
    var view: View?

    struct User: Decodable, Sendable { var id: String }
    struct Channel: Decodable, Sendable { var id: String }
    struct Container: Decodable, Sendable {
        var channel_id: String?
        var message_ts: String?
    }
    struct Action: Decodable, Sendable {
        var action_id: String?
        var block_id: String?
        var value: String?
        var text: Label?
        /// The option picked in an overflow menu or select.
        var selected_option: Option?
        struct Label: Decodable, Sendable { var text: String? }
        struct Option: Decodable, Sendable { var value: String?; var text: Label? }

        /// What the element stands for: a button's value, or the option picked from a menu.
        var command: String? { value ?? selected_option?.value }
    }
    struct View: Decodable, Sendable {
        var id: String?
        var callback_id: String?
        var private_metadata: String?
        var state: State?
        struct State: Decodable, Sendable { var values: [String: [String: InputState]] }
    }

    /// One input element's state in `view.state.values[block_id][action_id]`.
    struct InputState: Decodable, Sendable {
        var type: String?
        var value: String?
        var selected_date: String?
        var selected_user: String?
        var selected_conversation: String?
        var selected_option: Option?
        struct Option: Decodable, Sendable { var value: String? }

        /// The answer as text, whatever the element.
        var text: String? { value ?? selected_date ?? selected_user ?? selected_conversation ?? selected_option?.value }
    }
}
