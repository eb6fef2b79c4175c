import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// An in-process WebSocket server on 127.0.0.1 with full control over the wire, for tests.
///
/// Each accepted upgrade appears on `connections` as a `TestWebSocketConnection`. Fake Slack
/// and Mattermost servers build on it. Prefer `withTestWebSocketServer`, which always shuts down.
public final class TestWebSocketServer: Sendable {
    /// How the server treats clients.
    public struct Configuration: Sendable {
        /// When false, client pings get no pong (for keep-alive tests); also per connection.
        public var answersPings: Bool
        /// When set, every upgrade request is answered with this HTTP status instead of 101.
        public var rejectUpgradeWith: HTTPResponseStatus?
        /// Largest frame accepted from the client.
        public var maxFrameSize: Int
        /// When false, TCP connections are accepted but the upgrade request is never answered.
        public var answersHandshake: Bool

        /// Creates a configuration; the defaults accept every upgrade and answer pings.
        public init(
            answersPings: Bool = true,
            rejectUpgradeWith: HTTPResponseStatus? = nil,
            maxFrameSize: Int = 16 * 1024 * 1024,
            answersHandshake: Bool = true
        ) {
            self.answersPings = answersPings
            self.rejectUpgradeWith = rejectUpgradeWith
            self.maxFrameSize = maxFrameSize
            self.answersHandshake = answersHandshake
        }
    }

    /// The server's base URL, `ws://127.0.0.1:PORT/`.
    public let url: String
    /// The port the server listens on.
    public let port: Int
    /// Connections in the order their upgrades completed.
    public let connections: AsyncStream<TestWebSocketConnection>
    /// Upgrade requests the server refused (with `rejectUpgradeWith`), for handshake tests.
    public let rejectedRequests: AsyncStream<TestWebSocketRequest>

    private let serverChannel: any Channel
    private let accepted: TestWebSocketChannelList
    private let connectionSink: AsyncStream<TestWebSocketConnection>.Continuation
    private let rejectedSink: AsyncStream<TestWebSocketRequest>.Continuation

    /// Starts a server on an ephemeral port of 127.0.0.1.
    public static func start(configuration: Configuration = .init()) async throws -> TestWebSocketServer {
        let (connections, connectionSink) = AsyncStream.makeStream(of: TestWebSocketConnection.self)
        let (rejected, rejectedSink) = AsyncStream.makeStream(of: TestWebSocketRequest.self)
        let accepted = TestWebSocketChannelList()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.append(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try configurePipeline(
                        channel, configuration: configuration,
                        onUpgrade: { connection in
                            connectionSink.yield(connection)
                        },
                        onReject: { rejectedSink.yield($0) }
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestWebSocketServer(
            channel: channel, connections: connections, connectionSink: connectionSink,
            rejectedRequests: rejected, rejectedSink: rejectedSink, accepted: accepted
        )
    }

    private init(
        channel: any Channel,
        connections: AsyncStream<TestWebSocketConnection>,
        connectionSink: AsyncStream<TestWebSocketConnection>.Continuation,
        rejectedRequests: AsyncStream<TestWebSocketRequest>,
        rejectedSink: AsyncStream<TestWebSocketRequest>.Continuation,
        accepted: TestWebSocketChannelList
    ) {
        serverChannel = channel
        port = channel.localAddress?.port ?? 0
        url = "ws://127.0.0.1:\(port)/"
        self.connections = connections
        self.connectionSink = connectionSink
        self.rejectedRequests = rejectedRequests
        self.rejectedSink = rejectedSink
        self.accepted = accepted
    }

    /// Stops listening and closes every accepted connection without a close frame.
    public func shutdown() async {
        try? await serverChannel.close()
        for channel in accepted.removeAll() {
            try? await channel.close()
        }
        connectionSink.finish()
        rejectedSink.finish()
    }

    private static func configurePipeline(
        _ channel: any Channel,
        configuration: Configuration,
        onUpgrade: @escaping @Sendable (TestWebSocketConnection) -> Void,
        onReject: @escaping @Sendable (TestWebSocketRequest) -> Void
    ) throws {
        guard configuration.answersHandshake else { return }
        let fallbackName = "TestWebSocketHTTPFallbackHandler"
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.maxFrameSize,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(configuration.rejectUpgradeWith == nil ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    // The fallback sits after the HTTP handlers and would see frames: take it out.
                    channel.pipeline.syncOperations.removeHandler(name: fallbackName, promise: nil)
                    let connection = TestWebSocketConnection(
                        channel: channel,
                        request: TestWebSocketRequest(head),
                        answersPings: configuration.answersPings
                    )
                    try channel.pipeline.syncOperations.addHandler(TestWebSocketFrameHandler(connection: connection))
                    onUpgrade(connection)
                }
            }
        )
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
        )
        try channel.pipeline.syncOperations.addHandler(
            TestWebSocketHTTPFallbackHandler(status: configuration.rejectUpgradeWith ?? .upgradeRequired, onReject: onReject),
            name: fallbackName
        )
    }
}

/// Every TCP connection a server accepted, so shutdown can close them.
final class TestWebSocketChannelList: Sendable {
    private let connections = Mutex<[any Channel]>([])

    func append(_ channel: any Channel) {
        connections.withLock { $0.append(channel) }
    }

    func removeAll() -> [any Channel] {
        connections.withLock { connections in
            defer { connections = [] }
            return connections
        }
    }
}

/// Runs `body` with a fresh server and shuts the server down afterwards, even when `body` throws.
public func withTestWebSocketServer<Result: Sendable>(
    configuration: TestWebSocketServer.Configuration = .init(),
    _ body: (TestWebSocketServer) async throws -> Result
) async throws -> Result {
    let server = try await TestWebSocketServer.start(configuration: configuration)
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}
