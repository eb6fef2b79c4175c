import HindsightNet
import HindsightTesting
import NIOHTTP1
import Testing

@Suite("WebSocketClient connecting")
struct WebSocketClientConnectTests {
    @Test("a handshake rejected with 401 gives a clear error that does not leak the token")
    func rejectedHandshake() async throws {
        try await withTestWebSocketServer(configuration: .init(rejectUpgradeWith: .unauthorized)) { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            defer { client.shutdown() }
            let error = await #expect(throws: WebSocketError.self) {
                try await client.connect(to: server.url + "?ticket=secret-ticket", headers: [("Authorization", "Bearer xoxb-secret")])
            }
            guard case .handshakeRejected(_, let status)? = error else {
                Issue.record("expected handshakeRejected, got \(String(describing: error))")
                return
            }
            #expect(status == 401)
            let description = error.map(String.init(describing:)) ?? ""
            #expect(description.contains("401"))
            #expect(!description.contains("xoxb-secret"))
            #expect(!description.contains("secret-ticket"))
            let request = try await nextElement(of: server.rejectedRequests, waitingFor: "the rejected request")
            #expect(request?.header("Authorization") == "Bearer xoxb-secret")
        }
    }

    @Test("connecting to a closed port gives a connection-refused error")
    func closedPort() async throws {
        let closed = try ClosedPort()
        let url = "ws://127.0.0.1:\(closed.port)/"
        let client = WebSocketClient(logger: webSocketTestLogger)
        defer { client.shutdown() }
        let error = await #expect(throws: WebSocketError.self) {
            try await withDeadline(waitingFor: "the refusal") { try await client.connect(to: url) }
        }
        #expect(error == .connectionRefused(endpoint: url))
        #expect(error.map(String.init(describing:))?.contains("refused") == true)
        withExtendedLifetime(closed) {}  // the port stays taken until the assertions are done
    }

    @Test("a wss URL pointing at a plain server fails with a TLS error")
    func tlsAgainstPlainServer() async throws {
        try await withTestWebSocketServer { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            defer { client.shutdown() }
            let url = server.url.replacingOccurrences(of: "ws://", with: "wss://")
            let error = await #expect(throws: WebSocketError.self) {
                try await withDeadline(waitingFor: "the TLS failure") { try await client.connect(to: url) }
            }
            guard case .tlsFailed? = error else {
                Issue.record("expected tlsFailed, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("a server that never answers the handshake fails with connectTimedOut")
    func handshakeTimeout() async throws {
        try await withTestWebSocketServer(configuration: .init(answersHandshake: false)) { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            defer { client.shutdown() }
            let configuration = WebSocketConnection.Configuration(connectTimeout: .milliseconds(300))
            await #expect(throws: WebSocketError.connectTimedOut(endpoint: server.url)) {
                try await withDeadline(waitingFor: "the connect timeout") {
                    try await client.connect(to: server.url, configuration: configuration)
                }
            }
        }
    }

    @Test("cancelling the task that waits for the handshake fails the connect with cancelled")
    func cancelledConnect() async throws {
        try await withTestWebSocketServer(configuration: .init(answersHandshake: false)) { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            defer { client.shutdown() }
            let attempt = Task { try await client.connect(to: server.url) }
            attempt.cancel()
            let result = try await withDeadline(waitingFor: "the cancelled connect") { await attempt.result }
            #expect(throws: WebSocketError.cancelled(endpoint: server.url)) { try result.get() }
        }
    }

    @Test("a host name that does not resolve gives hostNotFound")
    func unknownHost() async throws {
        let client = WebSocketClient(logger: webSocketTestLogger)
        defer { client.shutdown() }
        await #expect(throws: WebSocketError.hostNotFound(host: "no-such-host.invalid")) {
            try await withDeadline(.seconds(15), waitingFor: "the lookup failure") {
                try await client.connect(to: "ws://no-such-host.invalid/")
            }
        }
    }

    @Test("URLs that are not ws or wss are rejected before connecting", arguments: [
        "http://127.0.0.1/", "ws://", "not a url", "ws://127.0.0.1:0/",
    ])
    func invalidURL(url: String) async throws {
        let client = WebSocketClient(logger: webSocketTestLogger)
        defer { client.shutdown() }
        let error = await #expect(throws: WebSocketError.self) { try await client.connect(to: url) }
        guard case .invalidURL? = error else {
            Issue.record("expected invalidURL, got \(String(describing: error))")
            return
        }
    }

    @Test("a header containing a line break is rejected before connecting")
    func headerInjection() async throws {
        let client = WebSocketClient(logger: webSocketTestLogger)
        defer { client.shutdown() }
        await #expect(throws: WebSocketError.invalidHeader(name: "X-Evil")) {
            try await client.connect(to: "ws://127.0.0.1:9/", headers: [("X-Evil", "a\r\nInjected: yes")])
        }
    }
}
