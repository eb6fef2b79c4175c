import HindsightNet
import HindsightTesting
import Logging

/// A wait that took longer than its deadline.
struct DeadlineExceeded: Error, CustomStringConvertible {
    let waitingFor: String
    let deadline: Duration
    var description: String { "gave up waiting for \(waitingFor) after \(deadline)" }
}

/// Runs `body`, failing with `DeadlineExceeded` if it has not finished within `deadline`.
func withDeadline<T: Sendable>(
    _ deadline: Duration = .seconds(5),
    waitingFor: String = "the operation",
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: deadline)
            throw DeadlineExceeded(waitingFor: waitingFor, deadline: deadline)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// The next element of `stream` (nil once it finished), waiting at most `deadline`.
func next<Element: Sendable>(
    _ stream: AsyncStream<Element>,
    within deadline: Duration = .seconds(5),
    waitingFor: String = "the next element"
) async throws -> Element? {
    try await withDeadline(deadline, waitingFor: waitingFor) {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}

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
let testLogger: Logger = {
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
    let client = WebSocketClient(logger: testLogger)
    defer { client.shutdown() }
    try await withTestWebSocketServer(configuration: serverConfiguration) { server in
        let connection = try await withDeadline(waitingFor: "the handshake") {
            try await client.connect(to: server.url + path, headers: headers, configuration: configuration)
        }
        guard let peer = try await next(server.connections, waitingFor: "the server to accept") else {
            throw DeadlineExceeded(waitingFor: "an accepted connection", deadline: .seconds(5))
        }
        try await body(connection, peer)
    }
}
