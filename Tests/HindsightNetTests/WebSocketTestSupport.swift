import HindsightNet
import HindsightTesting
import Logging
import Testing

/// Skips events until the connection's `.closed` and returns its reason.
func closeReason(
    of connection: WebSocketConnection,
    within deadline: Duration = .seconds(5)
) async throws -> WebSocketCloseReason? {
    try await withDeadline(deadline, waitingFor: "the connection to close") {
        for await event in connection.events {
            if case .closed(let reason) = event { return reason }
        }
        return nil
    }
}

/// A logger for tests: lws warnings and errors are worth seeing when a test fails.
let webSocketTestLogger: Logger = {
    var logger = Logger(label: "hindsight.tests.websocket")
    logger.logLevel = .warning
    return logger
}()

/// Connects a fresh client to a fresh server and hands both ends to `body`; always cleans up.
func withConnectedWebSocket(
    server serverConfiguration: TestWebSocketServer.Configuration = .init(),
    client configuration: WebSocketConnection.Configuration = .init(),
    path: String = "",
    headers: [(String, String)] = [],
    _ body: @escaping @Sendable (WebSocketConnection, TestWebSocketConnection) async throws -> Void
) async throws {
    let client = WebSocketClient(logger: webSocketTestLogger)
    defer { client.shutdown() }
    try await withTestWebSocketServer(configuration: serverConfiguration) { server in
        let connection = try await withDeadline(waitingFor: "the handshake") {
            try await client.connect(to: server.url + path, headers: headers, configuration: configuration)
        }
        let peer = try #require(await nextElement(of: server.connections, waitingFor: "the server to accept"))
        try await body(connection, peer)
    }
}
