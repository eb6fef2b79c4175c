import Logging

/// An open WebSocket: a stream of incoming events plus thread-safe `send` and `close`.
///
/// A connection is used once: after `.closed` it stays closed, `send` throws `.notConnected`,
/// and messages still queued are discarded (reconnecting means a new connection, so nothing is
/// ever sent twice). Dropping the last reference closes it with 1001 (going away).
public final class WebSocketConnection: Sendable {
    /// Keep-alive and size limits for one connection.
    public struct Configuration: Sendable, Equatable {
        /// How often the client pings the server.
        public var pingInterval: Duration
        /// With no frame or pong for this long the connection ends with `.keepAliveTimeout`.
        public var keepAliveTimeout: Duration
        /// Largest incoming message accepted; a larger one ends the connection with `.messageTooLarge`.
        public var maxMessageSize: Int
        /// How long TCP connect, TLS and the upgrade handshake may take together.
        public var connectTimeout: Duration
        /// With this many messages read and not yet taken from `events`, the client stops reading the socket until
        /// the consumer has taken all but a quarter of them: a consumer that falls behind holds the sender back
        /// (through TCP) instead of the messages piling up in memory.
        public var readAhead: Int

        /// Creates a configuration; the defaults suit Slack Socket Mode and Mattermost.
        /// Durations under 10 ms are raised to 10 ms.
        public init(
            pingInterval: Duration = .seconds(15),
            keepAliveTimeout: Duration = .seconds(30),
            maxMessageSize: Int = 16 * 1024 * 1024,
            connectTimeout: Duration = .seconds(10),
            readAhead: Int = 256
        ) {
            self.pingInterval = max(pingInterval, .milliseconds(10))
            self.keepAliveTimeout = max(keepAliveTimeout, .milliseconds(10))
            self.maxMessageSize = max(maxMessageSize, 1)
            self.connectTimeout = max(connectTimeout, .milliseconds(10))
            self.readAhead = max(readAhead, 4)
        }
    }

    private let core: LWSConnection

    init(core: LWSConnection) {
        self.core = core
    }

    deinit {
        close(code: 1001)
    }

    /// Incoming messages in wire order, ending with exactly one `.closed`; meant for a single consumer. Taking a
    /// message makes room for the next (`Configuration.readAhead`).
    public var events: WebSocketEvents { WebSocketEvents(core: core) }

    /// The most messages that were read and waiting for the consumer at once (at most about
    /// `Configuration.readAhead`).
    public var mostWaiting: Int { core.readAhead.mostWaiting }

    /// Queues a text message; callable from any thread or task, messages keep their order.
    ///
    /// - Throws: `WebSocketError.notConnected` once `close` was called or the connection ended.
    public func send(text: String) throws(WebSocketError) {
        let mustWake = try core.outbox.withLock { (outbox) throws(WebSocketError) -> Bool in
            try outbox.enqueue(text)
        }
        if mustWake { core.loop.submit(.wake(core)) }
    }

    /// Starts a graceful close after the messages already queued; the stream then ends with `.closed(.closedLocally)`.
    ///
    /// Codes outside 1000–1003, 1007–1011 and 3000–4999 are sent as 1000; the reason is cut to
    /// the 123 bytes a close frame can carry. Does nothing if the connection is already closing.
    public func close(code: UInt16 = 1000, reason: String = "") {
        let sendable: [ClosedRange<UInt16>] = [1000...1003, 1007...1011, 3000...4999]
        let wireCode = sendable.contains { $0.contains(code) } ? code : 1000
        if wireCode != code {
            core.logger.warning("websocket close code cannot be sent; using 1000", metadata: ["code": "\(code)"])
        }
        let mustWake = core.outbox.withLock { $0.close(code: wireCode, reason: reason.truncatedToUTF8Count(123)) }
        if mustWake { core.loop.submit(.wake(core)) }
    }
}

fileprivate extension String {
    /// The longest prefix whose UTF-8 encoding fits in `limit` bytes, never splitting a character.
    func truncatedToUTF8Count(_ limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var result = ""
        for character in self {
            guard result.utf8.count + character.utf8.count <= limit else { break }
            result.append(character)
        }
        return result
    }
}
