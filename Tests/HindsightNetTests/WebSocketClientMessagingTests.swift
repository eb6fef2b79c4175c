import Foundation
import HindsightNet
import HindsightTesting
import Testing

@Suite("WebSocketClient messaging")
struct WebSocketClientMessagingTests {
    @Test("a text message sent by the client comes back through an echoing server")
    func echoRoundTrip() async throws {
        try await withConnectedWebSocket { connection, peer in
            let echo = Task {
                for await message in peer.messages { try await peer.sendText(message) }
            }
            defer { echo.cancel() }
            try connection.send(text: "hello, incident channel ✅")
            let event = try await nextElement(of: connection.events, waitingFor: "the echo")
            #expect(event == .text("hello, incident channel ✅"))
        }
    }

    @Test("a 1 MB message sent by the server in 16 KB fragments arrives whole and intact")
    func fragmentedMegabyte() async throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789é€")
        let message = String((0..<1_000_000).map { alphabet[($0 * 7 + $0 / 13) % alphabet.count] })
        try await withConnectedWebSocket { connection, peer in
            try await peer.sendText(message, fragmentSize: 16 * 1024)
            let event = try await nextElement(of: connection.events, waitingFor: "the 1 MB message")
            guard case .text(let received) = event else {
                Issue.record("expected one text message, got \(String(describing: event))")
                return
            }
            #expect(received.utf8.count == message.utf8.count)
            #expect(received == message)
        }
    }

    @Test("messages the server writes together in one write arrive whole and in order, at each of the three length forms")
    func batchedFramesAtEveryLength() async throws {
        // 7-bit lengths up to 125, 126 and a 16-bit length up to 65,535, 127 and a 64-bit length above it.
        let lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]
        let messages = lengths.enumerated().map { index, length in
            String((0..<length).map { Character(UnicodeScalar(UInt8(97 + ($0 + index) % 26))) })
        } + ["ünïcødé ✅ after the long ones"]
        try await withConnectedWebSocket { connection, peer in
            try await peer.sendTexts(messages)
            for (index, message) in messages.enumerated() {
                let event = try await nextElement(of: connection.events, waitingFor: "message \(index + 1) of \(messages.count)")
                #expect(event == .text(message), "message \(index + 1) (\(message.utf8.count) bytes)")
            }
        }
    }

    @Test("a binary message from the server is delivered as binary")
    func binaryMessage() async throws {
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await withConnectedWebSocket { connection, peer in
            try await peer.sendBinary(bytes)
            let event = try await nextElement(of: connection.events, waitingFor: "the binary message")
            #expect(event == .binary(Data(bytes)))
        }
    }

    @Test("a server ping is answered with a pong carrying the same payload")
    func serverPingGetsPong() async throws {
        try await withConnectedWebSocket { _, peer in
            try await peer.sendPing(Array("are you there".utf8))
            let pong = try await nextElement(of: peer.pongs, waitingFor: "the pong")
            #expect(pong == Array("are you there".utf8))
        }
    }

    @Test("1,000 sends from 8 concurrent tasks all arrive, none lost, each task's messages in its own order")
    func concurrentSendsKeepOrder() async throws {
        let tasks = 8
        let perTask = 125
        try await withConnectedWebSocket { connection, peer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for index in 0..<perTask { try connection.send(text: "\(task):\(index)") }
                    }
                }
                try await group.waitForAll()
            }
            let received = try await withDeadline(.seconds(10), waitingFor: "1,000 messages") {
                var received: [String] = []
                for await message in peer.messages {
                    received.append(message)
                    if received.count == tasks * perTask { break }
                }
                return received
            }
            #expect(received.count == tasks * perTask)
            var nextIndex = Array(repeating: 0, count: tasks)
            for message in received {
                let parts = message.split(separator: ":").compactMap { Int($0) }
                #expect(parts.count == 2 && parts[1] == nextIndex[parts[0]], "out of order: \(message)")
                if parts.count == 2 { nextIndex[parts[0]] = parts[1] + 1 }
            }
            #expect(nextIndex == Array(repeating: perTask, count: tasks))
        }
    }

    @Test("headers and the query on the upgrade request reach the server")
    func headersAndQueryReachServer() async throws {
        try await withConnectedWebSocket(
            path: "link/?ticket=abc-123&app_id=A1%2FB",
            headers: [("Authorization", "Bearer xoxb-secret-token"), ("X-Hindsight-Trace", "t-42")]
        ) { _, peer in
            #expect(peer.request.uri == "/link/?ticket=abc-123&app_id=A1%2FB")
            #expect(peer.request.path == "/link/")
            #expect(peer.request.query == "ticket=abc-123&app_id=A1%2FB")
            #expect(peer.request.header("authorization") == "Bearer xoxb-secret-token")
            #expect(peer.request.header("X-Hindsight-Trace") == "t-42")
        }
    }
}

@Suite("WebSocketClient read-ahead")
struct WebSocketClientReadAheadTests {
    /// `count` text messages of about 200 bytes, numbered, for the server to send in one write.
    static func messages(_ count: Int) -> [String] {
        (0..<count).map { "message \($0) " + String(repeating: "x", count: 200) }
    }

    /// Takes `count` messages and checks they are the numbered ones, in order; returns how many arrived.
    static func take(_ count: Int, from connection: WebSocketConnection) async throws -> Int {
        try await withDeadline(.seconds(20), waitingFor: "\(count) messages") {
            var received = 0
            for await event in connection.events {
                guard case .text(let text) = event else {
                    Issue.record("expected message \(received), got \(event)")
                    return received
                }
                if !text.hasPrefix("message \(received) ") { Issue.record("message \(received) out of order: \(text.prefix(20))") }
                received += 1
                if received == count { break }
            }
            return received
        }
    }

    @Test("a consumer that falls behind stops the client reading: about readAhead messages wait in memory, not all of them, and every one arrives in order")
    func readAheadIsBounded() async throws {
        let total = 5_000
        try await withConnectedWebSocket(client: .init(readAhead: 64)) { connection, peer in
            let sending = Task { try await peer.sendTexts(Self.messages(total)) }
            try await Task.sleep(for: .milliseconds(500))  // the consumer is busy elsewhere
            let received = try await Self.take(total, from: connection)
            try await withDeadline(waitingFor: "the server's write to finish") { try await sending.value }
            #expect(received == total)
            // lws stops at the message that fills the read-ahead; what it read past that waits in its buffer.
            #expect(connection.mostWaiting >= 64)
            #expect(connection.mostWaiting <= 64 + 16, "\(connection.mostWaiting) messages waited at once")
        }
    }

    @Test("while the client does not read, the server's pongs cannot arrive: the keep-alive does not end the connection for it")
    func pausedReadingIsNotADeadConnection() async throws {
        let total = 2_000
        let configuration = WebSocketConnection.Configuration(pingInterval: .milliseconds(100), keepAliveTimeout: .milliseconds(400), readAhead: 32)
        try await withConnectedWebSocket(client: configuration) { connection, peer in
            let sending = Task { try await peer.sendTexts(Self.messages(total)) }
            try await Task.sleep(for: .milliseconds(1_200))  // three keep-alive timeouts
            let received = try await Self.take(total, from: connection)
            try await withDeadline(waitingFor: "the server's write to finish") { try await sending.value }
            #expect(received == total)
            try connection.send(text: "still here")
            let echoed = try await nextElement(of: peer.messages, waitingFor: "the client's message after catching up")
            #expect(echoed == "still here")
        }
    }
}
