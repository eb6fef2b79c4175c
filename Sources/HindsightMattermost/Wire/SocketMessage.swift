import Foundation
import HindsightCore

/// One text frame from the Mattermost WebSocket: an event with its `seq`, or the reply to a client action.
public enum SocketMessage: Sendable, Equatable {
    case event(SocketEvent)
    /// `{"status":"OK"|"FAIL","seq_reply":N}`.
    case reply(seqReply: Int, ok: Bool)

    /// Decodes a frame; throws on JSON that is neither an event nor a reply.
    public static func decode(_ text: String) throws -> SocketMessage {
        let frame = try SafeJSON.decode(Frame.self, from: Data(text.utf8))
        if let name = frame.event {
            return .event(SocketEvent(name: name, seq: frame.seq, data: frame.data ?? .init(), broadcast: frame.broadcast ?? .init()))
        }
        guard let seqReply = frame.seqReply else { throw SocketMessageError.unrecognised }
        return .reply(seqReply: seqReply, ok: frame.status == "OK")
    }

    private struct Frame: Decodable {
        var event: String?
        var seq: Int?
        var data: SocketEvent.Payload?
        var broadcast: SocketEvent.Broadcast?
        var status: String?
        var seqReply: Int?

        enum CodingKeys: String, CodingKey {
            case event, seq, data, broadcast, status
            case seqReply = "seq_reply"
        }
    }
}

/// A frame that is neither an event nor an action reply.
public enum SocketMessageError: Error, Equatable {
    case unrecognised
}

/// A server event: `{"event":NAME,"data":{…},"broadcast":{…},"seq":N}`.
public struct SocketEvent: Sendable, Equatable {
    public var name: String
    /// Counts up from 0 per connection; absent on very old servers.
    public var seq: Int?
    public var data: Payload
    public var broadcast: Broadcast

    public init(name: String, seq: Int?, data: Payload = .init(), broadcast: Broadcast = .init()) {
        self.name = name
        self.seq = seq
        self.data = data
        self.broadcast = broadcast
    }

    /// The `data` fields Hindsight reads; `post` and `reaction` are JSON documents encoded as strings.
    public struct Payload: Decodable, Sendable, Equatable {
        public var connectionID: String?
        public var post: String?
        public var reaction: String?
        public var channelID: String?

        enum CodingKeys: String, CodingKey {
            case connectionID = "connection_id", post, reaction, channelID = "channel_id"
        }

        public init(connectionID: String? = nil, post: String? = nil, reaction: String? = nil, channelID: String? = nil) {
            self.connectionID = connectionID
            self.post = post
            self.reaction = reaction
            self.channelID = channelID
        }

        // Other events reuse these names with other types: read only strings, ignore the rest.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            connectionID = try? c.decodeIfPresent(String.self, forKey: .connectionID)
            post = try? c.decodeIfPresent(String.self, forKey: .post)
            reaction = try? c.decodeIfPresent(String.self, forKey: .reaction)
            channelID = try? c.decodeIfPresent(String.self, forKey: .channelID)
        }

        /// The post decoded a second time from its JSON string.
        public func decodedPost() throws -> MattermostPost? {
            try post.map { try SafeJSON.decode(MattermostPost.self, from: Data($0.utf8)) }
        }

        /// The reaction decoded a second time from its JSON string.
        public func decodedReaction() throws -> MattermostReaction? {
            try reaction.map { try SafeJSON.decode(MattermostReaction.self, from: Data($0.utf8)) }
        }
    }

    /// Who the event was sent to.
    public struct Broadcast: Decodable, Sendable, Equatable {
        public var channelID: String?
        public var userID: String?

        enum CodingKeys: String, CodingKey {
            case channelID = "channel_id", userID = "user_id"
        }

        public init(channelID: String? = nil, userID: String? = nil) {
            self.channelID = channelID
            self.userID = userID
        }
    }
}

/// Client actions sent on the socket.
public enum SocketAction {
    /// `{"seq":N,"action":"ping"}`.
    public static func ping(seq: Int) -> String { #"{"seq":\#(seq),"action":"ping"}"# }

    /// `{"seq":N,"action":"authentication_challenge","data":{"token":…}}`.
    public static func authenticationChallenge(seq: Int, token: String) -> String {
        let data = try? JSONEncoder().encode(["token": token])
        return #"{"seq":\#(seq),"action":"authentication_challenge","data":\#(String(decoding: data ?? Data("{}".utf8), as: UTF8.self))}"#
    }
}
