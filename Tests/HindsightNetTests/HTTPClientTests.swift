import Foundation
import HindsightNet
import HindsightTesting
import Testing

@Suite("HTTPClient requests and responses", .timeLimit(.minutes(1)))
struct HTTPClientTests {
    @Test("2xx, 4xx and 5xx statuses all come back as responses, not errors", arguments: [200, 404, 500])
    func statusIsAResponse(code: Int) async throws {
        try await withClientAndServer { client, server in
            let response = try await client.execute(.init(url: server.url("/status/\(code)")))
            #expect(response.status == code)
            #expect(response.text == "status \(code)")
            #expect(response.isSuccess == (code == 200))
        }
    }

    @Test("request headers reach the server and response headers are looked up case-insensitively")
    func headersBothWays() async throws {
        try await withClientAndServer { client, server in
            let request = HTTPClient.Request(url: server.url("/headers"), headers: ["x-request-id": "req-42"])
            let response = try await client.execute(request)
            #expect(response.headers["X-Echo-Request-Id"] == "req-42")
            #expect(response.headers["x-echo-request-id"] == "req-42")
            #expect(response.headers["CONTENT-TYPE"] == "text/plain")
            #expect(response.headers.values(for: "x-MULTI") == ["one", "two"])
            #expect(response.headers["X-Not-Sent"] == nil)
        }
    }

    @Test("a JSON body round-trips and is sent as application/json; charset=utf-8")
    func jsonRoundTrip() async throws {
        try await withClientAndServer { client, server in
            let sent = IncidentPayload(id: 7, title: "Checkout is down — 502s", tags: ["sev1"])
            let request = HTTPClient.Request(.post, url: server.url("/json"), body: try .json(sent))
            let response = try await client.execute(request)
            #expect(response.status == 200)
            #expect(response.headers["X-Received-Content-Type"] == "application/json; charset=utf-8")
            let received = try response.decode(IncidentPayload.self)
            #expect(received == IncidentPayload(id: 7, title: sent.title, tags: ["sev1", "seen"]))
        }
    }

    @Test("form fields with reserved and non-ASCII characters arrive exactly as sent")
    func formEncoding() async throws {
        let fields = [
            ("text", "a&b=c d+e/f?g#h%25 100%"),
            ("channel name", "#incident-🔥"),
            ("who", "Zoë O'Brien <zoe@example.com>"),
            ("empty", ""),
        ]
        try await withClientAndServer { client, server in
            let response = try await client.execute(.init(.post, url: server.url("/form"), body: .form(fields)))
            #expect(response.status == 200)
            #expect(response.headers["x-received-content-type"] == "application/x-www-form-urlencoded")
            let received = try response.decode(ReceivedForm.self)
            #expect(received.fields == Dictionary(uniqueKeysWithValues: fields))
        }
    }

    @Test("a multipart upload delivers a text field and a file part with its file name and type")
    func multipartUpload() async throws {
        let report = Data("# Postmortem\n\nRoot cause: expired certificate.\n".utf8)
        try await withClientAndServer { client, server in
            let body = HTTPClient.Body.multipart([
                .init(name: "channels", value: "C024BE91L"),
                .init(name: "file", filename: "postmortem.md", contentType: "text/markdown", data: report),
            ])
            let response = try await client.execute(.init(.post, url: server.url("/multipart"), body: body))
            #expect(response.status == 200, "\(response.text)")
            let received = try response.decode(ReceivedForm.self)
            #expect(received.fields["channels"] == "C024BE91L")
            #expect(received.fields["file"] == String(decoding: report, as: UTF8.self))
            #expect(received.fields["file.filename"] == "postmortem.md")
            #expect(received.fields["file.contentType"] == "text/markdown")
        }
    }

    @Test("a 429 with Retry-After: 3 surfaces retryAfter of three seconds")
    func retryAfterSeconds() async throws {
        try await withClientAndServer { client, server in
            let response = try await client.execute(.init(url: server.url("/rate-limited")))
            #expect(response.status == 429)
            #expect(response.retryAfter == .seconds(3))
        }
    }

    @Test("Retry-After as an HTTP-date is measured from now, and a past date means retry at once")
    func retryAfterDate() throws {
        let response = HTTPClient.Response(status: 503, headers: ["Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"])
        let now = try #require(ISO8601DateFormatter().date(from: "2015-10-21T07:27:30Z"))
        #expect(response.retryAfter(now: now) == .seconds(30))
        #expect(response.retryAfter(now: now.addingTimeInterval(3600)) == .zero)
        #expect(HTTPClient.Response(status: 503, headers: ["Retry-After": "soon"]).retryAfter == nil)
        #expect(HTTPClient.Response(status: 200).retryAfter == nil)
    }

    @Test("PUT and PATCH reach the server with their method and body", arguments: [HTTPClient.Method.put, .patch])
    func putAndPatch(method: HTTPClient.Method) async throws {
        try await withClientAndServer { client, server in
            let body = HTTPClient.Body.data(Data("status=resolved".utf8), contentType: "text/plain")
            let response = try await client.execute(.init(method, url: server.url("/items/INC-9"), body: body))
            let received = try response.decode(ReceivedUpdate.self)
            #expect(received == ReceivedUpdate(method: method.rawValue, id: "INC-9", body: "status=resolved"))
        }
    }

    @Test("a request without a body still reaches the server with its method", arguments: HTTPClient.Method.allCases.filter { $0 != .get })
    func bodylessMethods(method: HTTPClient.Method) async throws {
        try await withClientAndServer { client, server in
            let response = try await client.execute(.init(method, url: server.url("/items/INC-10")))
            let received = try response.decode(ReceivedUpdate.self)
            #expect(received == ReceivedUpdate(method: method.rawValue, id: "INC-10", body: ""))
        }
    }

    @Test("a redirect is followed and only the final response's headers are kept")
    func redirectFollowed() async throws {
        try await withClientAndServer { client, server in
            let response = try await client.execute(.init(url: server.url("/redirect")))
            #expect(response.status == 200)
            #expect(response.text == "final")
            #expect(response.headers["X-Hop"] == nil)
            #expect(response.headers["Location"] == nil)
        }
    }

    @Test("with redirects turned off, a 302 comes back as it is")
    func redirectNotFollowed() async throws {
        try await withClientAndServer(configuration: .init(followRedirects: false)) { client, server in
            let response = try await client.execute(.init(url: server.url("/redirect")))
            #expect(response.status == 302)
            #expect(response.headers["location"] == "/final")
            #expect(response.headers["x-hop"] == "first")
        }
    }

    @Test("a 5 MB response body arrives byte for byte")
    func largeResponseBody() async throws {
        try await withClientAndServer { client, server in
            let response = try await client.execute(.init(url: server.url("/large")))
            #expect(response.status == 200)
            #expect(response.body.count == fiveMegabytes)
            #expect(response.body == patternBytes(count: fiveMegabytes))
        }
    }

    @Test("a 5 MB request body arrives byte for byte")
    func largeRequestBody() async throws {
        try await withClientAndServer { client, server in
            let body = HTTPClient.Body.data(patternBytes(count: fiveMegabytes), contentType: "application/octet-stream")
            let response = try await client.execute(.init(.post, url: server.url("/upload"), body: body))
            #expect(response.status == 200)
            #expect(response.text == "intact \(fiveMegabytes)")
        }
    }

    @Test("headers print their names only, never their values")
    func headersRedactedWhenPrinted() {
        let headers: HTTPClient.Headers = ["Authorization": "Bearer xoxb-secret", "Accept": "application/json"]
        #expect(String(describing: headers) == "Headers(Authorization, Accept)")
        #expect(!String(reflecting: HTTPClient.Request(url: "http://x", headers: headers)).contains("xoxb-secret"))
    }
}
