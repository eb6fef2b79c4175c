import Foundation
import HTTPTypes
import HindsightNet
import HindsightTesting
import Hummingbird
import Logging
import Synchronization

/// A JSON value sent to and returned by the echo routes.
struct IncidentPayload: Codable, Equatable, ResponseCodable {
    var id: Int
    var title: String
    var tags: [String]
}

/// What the fake server saw of a form or multipart submission.
struct ReceivedForm: Codable, Equatable, ResponseCodable {
    var fields: [String: String]
}

/// A PUT or PATCH as the server saw it.
struct ReceivedUpdate: Codable, Equatable, ResponseCodable {
    var method: String
    var id: String
    var body: String
}

/// Deterministic bytes for the large-body tests, so both sides can produce them independently.
func patternBytes(count: Int) -> Data {
    var data = Data(count: count)
    data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
        for index in 0..<count { raw[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 11) }
    }
    return data
}

let fiveMegabytes = 5 * 1024 * 1024

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let echoRequestID = HTTPField.Name("X-Echo-Request-Id")!
    static let receivedContentType = HTTPField.Name("X-Received-Content-Type")!
    static let multi = HTTPField.Name("X-Multi")!
    static let hop = HTTPField.Name("X-Hop")!
}

private func bytes(_ request: Request, limit: Int = 16 << 20) async throws -> Data {
    var buffer = try await request.body.collect(upTo: limit)
    return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
}

private func text(_ string: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: string)))
}

/// Every route the client tests talk to; tests add their own routes next to these when they need state.
func addClientTestRoutes(to router: Router<BasicRequestContext>) {
    router.get("status/:code") { _, context in
        let code = try context.parameters.require("code", as: Int.self)
        return text("status \(code)", status: .init(code: code))
    }
    router.get("headers") { request, _ in
        var headers: HTTPFields = [.contentType: "text/plain"]
        headers[.echoRequestID] = request.headers[.requestID] ?? "missing"
        headers.append(HTTPField(name: .multi, value: "one"))
        headers.append(HTTPField(name: .multi, value: "two"))
        return text("headers", headers: headers)
    }
    router.post("json") { request, context -> Response in
        var incident = try await request.decode(as: IncidentPayload.self, context: context)
        incident.tags.append("seen")
        var response = try incident.response(from: request, context: context)
        response.headers[.receivedContentType] = request.headers[.contentType] ?? ""
        return response
    }
    router.post("form") { request, _ in
        let body = String(decoding: try await bytes(request), as: UTF8.self)
        let fields = try URLEncodedFormDecoder().decode([String: String].self, from: body)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.receivedContentType] = request.headers[.contentType] ?? ""
        let json = try JSONEncoder().encode(ReceivedForm(fields: fields))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
    router.post("multipart") { request, _ -> Response in
        let contentType = request.headers[.contentType] ?? ""
        guard let form = TestHTTPMultipart(body: try await bytes(request), contentType: contentType) else {
            return text("not multipart", status: .badRequest)
        }
        var fields: [String: String] = [:]
        for part in form.parts {
            fields[part.name] = String(decoding: part.data, as: UTF8.self)
            if let filename = part.filename { fields["\(part.name).filename"] = filename }
            if let type = part.contentType { fields["\(part.name).contentType"] = type }
        }
        let json = try JSONEncoder().encode(ReceivedForm(fields: fields))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
    router.get("rate-limited") { _, _ in
        text("slow down", status: .tooManyRequests, headers: [.retryAfter: "3"])
    }
    for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
        router.on("items/:id", method: method) { request, context in
            let body = String(decoding: try await bytes(request), as: UTF8.self)
            let id = try context.parameters.require("id")
            return ReceivedUpdate(method: request.method.rawValue, id: id, body: body)
        }
    }
    router.get("redirect") { _, _ in
        text("moved", status: .found, headers: [.location: "/final", .hop: "first"])
    }
    router.get("final") { _, _ in text("final") }
    router.get("loop") { _, _ in text("again", status: .found, headers: [.location: "/loop"]) }
    router.get("slow") { request, _ in
        let millis = request.uri.queryParameters.get("ms", as: Int.self) ?? 1000
        // The deliberate delay the timing tests measure against; it ends early if the client hangs up.
        try await request.body.consumeWithCancellationOnInboundClose { _ in
            try await Task.sleep(for: .milliseconds(millis))
        }
        return text("slept \(millis) ms")
    }
    router.get("large") { _, _ in
        Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: patternBytes(count: fiveMegabytes))))
    }
    router.post("upload") { request, _ in
        let received = try await bytes(request)
        guard received == patternBytes(count: fiveMegabytes) else {
            return text("corrupted: \(received.count) bytes", status: .unprocessableContent)
        }
        return text("intact \(received.count)")
    }
}

/// Starts the test server with the client routes (plus `extraRoutes`) and a fresh client; shuts both down after.
@discardableResult
func withClientAndServer<Value>(
    configuration: HTTPClient.Configuration = .init(),
    logger: Logger = Logger(label: "hindsight.http-client-tests"),
    extraRoutes: (Router<BasicRequestContext>) -> Void = { _ in },
    _ body: (HTTPClient, TestHTTPServer) async throws -> Value
) async throws -> Value {
    let client = HTTPClient(configuration: configuration, logger: logger)
    defer { client.shutdown() }
    return try await withTestHTTPServer(configure: { router in
        addClientTestRoutes(to: router)
        extraRoutes(router)
    }) { server in
        try await body(client, server)
    }
}

/// A log handler that keeps every rendered line, to check what the client logs.
struct CapturingLogHandler: LogHandler {
    /// Lines rendered as "message metadata", shared by every copy of the handler.
    final class Lines: Sendable {
        private let storage = Mutex<[String]>([])
        var all: [String] { storage.withLock { $0 } }
        func append(_ line: String) { storage.withLock { $0.append(line) } }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.message) \(merged)")
    }
}
