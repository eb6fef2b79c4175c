import Foundation

/// Something that happened on a WebSocket connection, in wire order.
///
/// `.closed` is always the last event; the stream finishes right after it.
public enum WebSocketEvent: Sendable, Equatable {
    /// A complete text message (fragments already reassembled).
    case text(String)
    /// A complete binary message (fragments already reassembled).
    case binary(Data)
    /// The connection ended; see the reason for whether to reconnect.
    case closed(WebSocketCloseReason)
}

/// Why a WebSocket connection ended.
public enum WebSocketCloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The server sent a close frame with this code and reason (1005 when it sent no code).
    case closedByPeer(code: UInt16, reason: String)
    /// This side asked for the close with `WebSocketConnection.close` or `WebSocketClient.shutdown`.
    case closedLocally
    /// The TCP connection was lost without a close frame.
    case dropped(String)
    /// No frame or pong arrived within the configured keep-alive timeout.
    case keepAliveTimeout
    /// The server sent a message larger than the configured maximum; the connection was closed with 1009.
    case messageTooLarge

    /// A sentence for logs: why the connection ended.
    public var description: String {
        switch self {
        case .closedByPeer(let code, let reason):
            return reason.isEmpty ? "closed by peer (code \(code))" : "closed by peer (code \(code): \(reason))"
        case .closedLocally:
            return "closed locally"
        case .dropped(let detail):
            return "connection dropped: \(detail)"
        case .keepAliveTimeout:
            return "keep-alive timeout: the server stopped answering"
        case .messageTooLarge:
            return "message too large: the server sent more than the configured maximum"
        }
    }
}
