import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `application/x-www-form-urlencoded` (and query string) decoding into a JSON object of strings.
enum FakeSlackForm {
    static func decode(_ text: String) -> FakeJSON {
        var fields: [String: FakeJSON] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]), !name.isEmpty else { continue }
            fields[name] = .string(parts.count == 2 ? unescape(parts[1]) ?? String(parts[1]) : "")
        }
        return .object(fields)
    }

    private static func unescape(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

extension FakeSlack {
    /// The Web API under `/api/`, the upload URLs `files.getUploadURLExternal` hands out, and `response_url`s.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("api/:method") { request, context in try await self.answer(request, method: context.parameters.get("method") ?? "") }
        router.get("api/:method") { request, context in try await self.answer(request, method: context.parameters.get("method") ?? "") }
        router.post("upload/:id") { request, context in try await self.receiveUpload(request, fileID: context.parameters.get("id") ?? "") }
        router.post("response/:id") { request, context in
            try await self.receiveResponseURLPost(request, id: context.parameters.get("id") ?? "")
        }
        return router
    }

    /// Records the call, then answers it: rate limit, injected failure, unknown method, auth, the method itself.
    private func answer(_ request: Request, method: String) async throws -> Response {
        let arrived = ContinuousClock.now
        let body = Data(try await request.body.collect(upTo: 64 << 20).readableBytesView)
        let (arguments, bodyError) = Self.arguments(query: request.uri.query, body: body, contentType: request.headers[.contentType])
        let index = state.withLock { state in
            state.calls.append(FakeSlackCall(method: method, at: arrived, arguments: arguments, status: 0))
            return state.calls.count - 1
        }
        let response = await respond(to: method, authorization: request.headers[.authorization], arguments: arguments, bodyError: bodyError)
        state.withLock { $0.calls[index].status = response.status.code }
        return response
    }

    private func respond(to name: String, authorization: String?, arguments: FakeJSON, bodyError: String?) async -> Response {
        if let retryAfter = state.withLock({ $0.takeRateLimit(name) }) {
            return Self.json(["ok": false, "error": "ratelimited"], status: .tooManyRequests, extraHeaders: [.retryAfter: "\(retryAfter)"])
        }
        if let status = state.withLock({ $0.takeFailure(name) }) {
            let page = "<html><head><title>\(status) Server Error</title></head><body><h1>\(status) Server Error</h1></body></html>\n"
            return Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page))
            )
        }
        guard let method = FakeSlackMethod(rawValue: name) else {
            return Self.json(["ok": false, "error": "unknown_method", "req_method": .string(name)])
        }
        if let bodyError { return Self.json(["ok": false, "error": .string(bodyError)]) }
        if let refusal = authenticate(method, authorization: authorization, arguments: arguments) {
            return Self.json(["ok": false, "error": .string(refusal)])
        }
        do {
            return Self.json(try await perform(method, arguments))
        } catch let failure as FakeSlackAPIFailure {
            var body: FakeJSON = ["ok": false, "error": .string(failure.code)]
            if !failure.messages.isEmpty { body = body.setting("response_metadata", ["messages": .array(failure.messages.map(FakeJSON.string))]) }
            return Self.json(body)
        } catch {
            return Self.json(["ok": false, "error": "internal_error"])
        }
    }

    /// `nil` when the token fits the method; else Slack's error: `not_authed`, `invalid_auth`, `not_allowed_token_type`.
    private func authenticate(_ method: FakeSlackMethod, authorization: String?, arguments: FakeJSON) -> String? {
        var token: String?
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if method != .appsConnectionsOpen {
            token = arguments["token"]?.string  // a POST parameter, still accepted for bot tokens
        } else if arguments["token"] != nil {
            return "invalid_auth"  // apps.connections.open takes the app token only as a bearer header
        }
        guard let token, !token.isEmpty else { return "not_authed" }
        let required = method == .appsConnectionsOpen ? appToken : botToken
        if token == required { return nil }
        return token == appToken || token == botToken ? "not_allowed_token_type" : "invalid_auth"
    }

    /// Query, then body arguments (JSON object, form, or multipart fields); an unreadable JSON body is `invalid_json`.
    static func arguments(query: String?, body: Data, contentType: String?) -> (FakeJSON, error: String?) {
        var fields = FakeSlackForm.decode(query ?? "").object ?? [:]
        let type = (contentType ?? "").lowercased()
        if type.hasPrefix("application/json") {
            guard !body.isEmpty else { return (.object(fields), nil) }
            guard case .object(let json)? = FakeJSON.parse(body) else { return (.object(fields), "invalid_json") }
            fields.merge(json) { _, new in new }
        } else if type.hasPrefix("multipart/form-data"), let contentType {
            guard let form = TestHTTPMultipart(body: body, contentType: contentType) else { return (.object(fields), "invalid_form_data") }
            for part in form.parts where part.filename == nil {
                fields[part.name] = .string(String(decoding: part.data, as: UTF8.self))
            }
        } else if !body.isEmpty {
            fields.merge(FakeSlackForm.decode(String(decoding: body, as: UTF8.self)).object ?? [:]) { _, new in new }
        }
        return (.object(fields), nil)
    }

    static func json(_ value: FakeJSON, status: HTTPResponse.Status = .ok, extraHeaders: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: value.text)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

extension FakeSlackState {
    /// The `Retry-After` seconds when this call of `method` is to be rate limited.
    mutating func takeRateLimit(_ method: String) -> Int? {
        guard let limit = rateLimits[method], limit.remaining > 0 else { return nil }
        rateLimits[method]?.remaining -= 1
        return limit.retryAfter
    }

    /// The HTTP status when this call of `method` is to fail.
    mutating func takeFailure(_ method: String) -> Int? {
        guard let failure = failures[method], failure.remaining > 0 else { return nil }
        failures[method]?.remaining -= 1
        return failure.status
    }
}
