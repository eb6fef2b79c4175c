import Foundation
import HindsightNet
import HindsightTesting
import Testing

@Suite("WebSocketClient closing and liveness")
struct WebSocketClientClosingTests {
    @Test("a server close with code 4001 and a reason is surfaced as closedByPeer")
    func serverCloseWithCode() async throws {
        try await withConnectedWebSocket { connection, peer in
            try await peer.close(code: 4001, reason: "token revoked")
            let reason = try await closeReason(of: connection)
            #expect(reason == .closedByPeer(code: 4001, reason: "token revoked"))
            let closure = await peer.waitUntilClosed()
            #expect(closure == .closeFrame(code: 4001, reason: "token revoked"), "lws echoes the peer's close payload")
        }
    }

    @Test("an abrupt TCP drop is reported as dropped")
    func abruptDrop() async throws {
        try await withConnectedWebSocket { connection, peer in
            await peer.dropAbruptly()
            let reason = try await closeReason(of: connection)
            guard case .dropped = reason else {
                Issue.record("expected .dropped, got \(String(describing: reason))")
                return
            }
        }
    }

    @Test("a server that stops answering pings is reported as keepAliveTimeout within the keep-alive window")
    func silentServerTimesOut() async throws {
        let configuration = WebSocketConnection.Configuration(pingInterval: .milliseconds(200), keepAliveTimeout: .seconds(1))
        try await withTestWebSocketServer(configuration: .init(answersPings: false)) { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            defer { client.shutdown() }
            let connectStarted = ContinuousClock.now
            let connection = try await client.connect(to: server.url, configuration: configuration)
            let connected = ContinuousClock.now
            let reason = try await closeReason(of: connection, within: .seconds(4))
            #expect(reason == .keepAliveTimeout)
            // Silence starts somewhere between the two instants; the report comes one timeout later. The upper bound
            // allows two seconds of scheduling slack: on a loaded 2-core CI machine 2.2 s was seen.
            #expect(ContinuousClock.now - connectStarted >= .seconds(1))
            #expect(ContinuousClock.now - connected < .seconds(3))
            let peer = try #require(await nextElement(of: server.connections, waitingFor: "the accepted connection"))
            #expect(try await nextElement(of: peer.pings, waitingFor: "a client ping") != nil)
        }
    }

    @Test("a server that stalls in the middle of a frame is reported as keepAliveTimeout")
    func stalledFrameTimesOut() async throws {
        let configuration = WebSocketConnection.Configuration(pingInterval: .milliseconds(200), keepAliveTimeout: .seconds(1))
        try await withConnectedWebSocket(client: configuration) { connection, peer in
            try await peer.stallMidFrame()
            let reason = try await closeReason(of: connection, within: .seconds(4))
            #expect(reason == .keepAliveTimeout)
        }
    }

    @Test("a server that answers pings keeps the connection open past the keep-alive timeout")
    func answeredPingsKeepAlive() async throws {
        let configuration = WebSocketConnection.Configuration(pingInterval: .milliseconds(100), keepAliveTimeout: .milliseconds(500))
        try await withConnectedWebSocket(client: configuration) { connection, peer in
            // Ten answered pings span about twice the keep-alive timeout.
            try await withDeadline(waitingFor: "ten client pings") {
                var count = 0
                for await _ in peer.pings {
                    count += 1
                    if count == 10 { break }
                }
            }
            try connection.send(text: "still here")
            #expect(try await nextElement(of: peer.messages, waitingFor: "a message after the pings") == "still here")
        }
    }

    @Test("close sends the code and reason to the server and ends with closedLocally")
    func localClose() async throws {
        try await withConnectedWebSocket { connection, peer in
            connection.close(code: 4000, reason: "shutting down")
            let reason = try await closeReason(of: connection)
            #expect(reason == .closedLocally)
            #expect(await peer.waitUntilClosed() == .closeFrame(code: 4000, reason: "shutting down"))
        }
    }

    @Test("messages queued before close are sent before the close frame; send after close throws notConnected")
    func sendAfterCloseThrows() async throws {
        try await withConnectedWebSocket { connection, peer in
            try connection.send(text: "last words")
            connection.close()
            #expect(throws: WebSocketError.notConnected) { try connection.send(text: "too late") }
            #expect(try await closeReason(of: connection) == .closedLocally)
            #expect(try await nextElement(of: peer.messages, waitingFor: "the queued message") == "last words")
            #expect(await peer.waitUntilClosed() == .closeFrame(code: 1000, reason: ""))
            #expect(throws: WebSocketError.notConnected) { try connection.send(text: "still too late") }
        }
    }

    @Test("a message over maxMessageSize ends the connection with messageTooLarge and close code 1009")
    func oversizedMessage() async throws {
        let configuration = WebSocketConnection.Configuration(maxMessageSize: 1024)
        try await withConnectedWebSocket(client: configuration) { connection, peer in
            try await peer.sendText(String(repeating: "x", count: 4096), fragmentSize: 512)
            #expect(try await closeReason(of: connection) == .messageTooLarge)
            let closure = await peer.waitUntilClosed()
            guard case .closeFrame(let code, _) = closure else {
                Issue.record("expected a close frame, got \(closure)")
                return
            }
            #expect(code == 1009)
        }
    }

    @Test("shutdown ends open connections with closedLocally and later connects throw clientShutDown")
    func shutdownEndsConnections() async throws {
        try await withTestWebSocketServer { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            let connection = try await client.connect(to: server.url)
            client.shutdown()
            #expect(try await closeReason(of: connection) == .closedLocally)
            await #expect(throws: WebSocketError.clientShutDown) { try await client.connect(to: server.url) }
        }
    }

    @Test("a client prepared ahead (from another thread, as at start-up) connects on the context it set up, and none is made after shutdown")
    func preparedAhead() async throws {
        try await withTestWebSocketServer { server in
            let client = WebSocketClient(logger: webSocketTestLogger)
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    #expect(throws: Never.self) { try client.prepare() }
                    done.resume()
                }
            }
            #expect(throws: Never.self) { try client.prepare() }  // again: the same context
            let connection = try await client.connect(to: server.url)
            try connection.send(text: "ping")
            client.shutdown()
            #expect(try await closeReason(of: connection) == .closedLocally)
            #expect(throws: WebSocketError.clientShutDown) { try client.prepare() }
        }
    }
}
