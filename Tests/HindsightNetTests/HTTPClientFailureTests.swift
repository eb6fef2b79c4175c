import Foundation
import HindsightNet
import HindsightTesting
import Hummingbird
import Logging
import Testing

@Suite("HTTPClient failures, timeouts, cancellation and concurrency", .timeLimit(.minutes(1)))
struct HTTPClientFailureTests {
    static let secret = "Bearer xoxb-1234-do-not-leak"

    /// Held for the whole test, so no other test's server can take the port.
    let closed: ClosedPort

    init() throws {
        closed = try ClosedPort()
    }

    /// A URL on 127.0.0.1 where nothing listens.
    func refusedURL() async throws -> String {
        "http://127.0.0.1:\(closed.port)/api/chat.postMessage"
    }

    @Test("a total timeout shorter than the server's delay fails with timedOut promptly")
    func totalTimeout() async throws {
        try await withClientAndServer { client, server in
            let request = HTTPClient.Request(url: server.url("/slow?ms=5000"), timeout: .milliseconds(300))
            let started = ContinuousClock.now
            await #expect(throws: HTTPClientError.timedOut(url: server.url("/slow"), after: .milliseconds(300))) {
                try await client.execute(request)
            }
            // Well before the server would answer, with room for a loaded CI machine.
            #expect(ContinuousClock.now - started < .milliseconds(3000))
        }
    }

    @Test("connecting to a port nobody listens on fails with connectionRefused and says what to check")
    func connectionRefused() async throws {
        let url = try await refusedURL()
        let client = HTTPClient(logger: Logger(label: "test"))
        defer { client.shutdown() }
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.execute(.init(.post, url: url + "?token=abc"))
        }
        #expect(error == .connectionRefused(url: url))
        let description = try #require(error).description
        #expect(description.contains("Could not connect to \(url)"))
        #expect(description.contains("Check that the service is running"))
        #expect(!description.contains("token=abc"))
    }

    @Test("https to a server that does not speak TLS fails with a tls error")
    func tlsFailure() async throws {
        try await withClientAndServer { client, server in
            let url = server.url("/status/200").replacingOccurrences(of: "http://", with: "https://")
            let thrown = await #expect(throws: HTTPClientError.self) { try await client.execute(.init(url: url)) }
            guard case .tls(let failedURL, let message)? = thrown else {
                Issue.record("expected a TLS error, got \(String(describing: thrown))")
                return
            }
            #expect(failedURL == url)
            #expect(!message.isEmpty)
            #expect(thrown?.description.contains("TLS failed for \(url)") == true)
        }
    }

    @Test("a redirect loop fails with tooManyRedirects")
    func redirectLoop() async throws {
        try await withClientAndServer(configuration: .init(maxRedirects: 3)) { client, server in
            await #expect(throws: HTTPClientError.tooManyRedirects(url: server.url("/loop"))) {
                try await client.execute(.init(url: server.url("/loop")))
            }
        }
    }

    @Test("a URL that is not http or https fails with invalidURL", arguments: ["ftp://127.0.0.1/file", "http://[::1"])
    func invalidURL(url: String) async throws {
        let client = HTTPClient(logger: Logger(label: "test"))
        defer { client.shutdown() }
        await #expect(throws: HTTPClientError.invalidURL(url)) {
            try await client.execute(.init(url: url))
        }
    }

    @Test("twenty concurrent requests to a slow endpoint complete in parallel")
    func concurrentRequests() async throws {
        try await withClientAndServer { client, server in
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.execute(.init(url: server.url("/slow?ms=500"))).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20))
            // One after another would take 10 s.
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }

    @Test("cancelling the waiting task stops the transfer, throws cancelled, and the client keeps working")
    func cancellation() async throws {
        enum ServerSaw { case request, clientHungUp }
        let (events, event) = AsyncStream.makeStream(of: ServerSaw.self)
        try await withClientAndServer(extraRoutes: { router in
            router.get("hang") { request, _ in
                event.yield(.request)
                do {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await Task.sleep(for: .seconds(20))  // never answers within the test
                    }
                } catch {
                    event.yield(.clientHungUp)
                    throw error
                }
                return "late"
            }
        }) { client, server in
            let task = Task { try await client.execute(.init(url: server.url("/hang"))) }
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == .request)
            let cancelledAt = ContinuousClock.now
            task.cancel()
            let result = await task.result
            #expect(throws: HTTPClientError.cancelled) { try result.get() }
            #expect(ContinuousClock.now - cancelledAt < .seconds(3))
            #expect(await iterator.next() == .clientHungUp, "the connection was closed, not left running")
            let after = try await client.execute(.init(url: server.url("/status/200")))
            #expect(after.status == 200)
        }
    }

    @Test("a request made from an already-cancelled task throws cancelled")
    func alreadyCancelled() async throws {
        let client = HTTPClient(logger: Logger(label: "test"))
        defer { client.shutdown() }
        let url = try await refusedURL()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(.init(url: url))
        }
        await #expect(throws: HTTPClientError.cancelled) { try await task.value }
    }

    @Test("after shutdown, requests fail with shutDown, and shutting down twice is harmless")
    func shutdown() async throws {
        try await withClientAndServer { client, server in
            let before = try await client.execute(.init(url: server.url("/status/200")))
            #expect(before.status == 200)
            client.shutdown()
            client.shutdown()
            await #expect(throws: HTTPClientError.shutDown) {
                try await client.execute(.init(url: server.url("/status/200")))
            }
        }
    }

    @Test("a client nobody else holds stays alive until its response arrives")
    func temporaryClient() async throws {
        try await withTestHTTPServer(configure: addClientTestRoutes) { server in
            let response = try await HTTPClient(logger: Logger(label: "test"))
                .execute(.init(url: server.url("/slow?ms=100")))
            #expect(response.status == 200)
        }
    }

    @Test("error descriptions and debug logs never contain the Authorization header value")
    func secretsStayOut() async throws {
        let lines = CapturingLogHandler.Lines()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        let refused = try await refusedURL()
        try await withClientAndServer(logger: logger) { client, server in
            let headers: HTTPClient.Headers = ["Authorization": Self.secret]
            let requests = [
                HTTPClient.Request(.post, url: refused, headers: headers, body: .form([("text", "hi")])),
                HTTPClient.Request(url: server.url("/slow?ms=2000"), headers: headers, timeout: .milliseconds(200)),
                HTTPClient.Request(url: "ftp://127.0.0.1/", headers: headers),
                HTTPClient.Request(url: server.url("/status/200"), headers: ["Authorization": Self.secret, "X-Bad": "a\r\nb"]),
            ]
            for request in requests {
                let thrown = await #expect(throws: HTTPClientError.self) { try await client.execute(request) }
                let error = try #require(thrown)
                #expect(!error.description.contains("xoxb"), "\(error.description)")
                #expect(!String(reflecting: error).contains("xoxb"))
            }
            let response = try await client.execute(.init(url: server.url("/status/404"), headers: headers))
            #expect(response.status == 404)
        }
        #expect(lines.all.count >= 5)
        #expect(lines.all.allSatisfy { !$0.contains("xoxb") })
        #expect(lines.all.allSatisfy { !$0.contains("?ms=") }, "query strings stay out of logs")
    }

    @Test("a header value with a line break is refused, naming the header but not its value")
    func headerInjection() async throws {
        let client = HTTPClient(logger: Logger(label: "test"))
        defer { client.shutdown() }
        let request = HTTPClient.Request(url: "http://127.0.0.1:1/", headers: ["X-Token": "abc\r\nX-Evil: 1"])
        await #expect(throws: HTTPClientError.invalidHeader(name: "X-Token")) { try await client.execute(request) }
    }
}
