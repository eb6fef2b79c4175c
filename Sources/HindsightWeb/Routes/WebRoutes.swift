import Foundation
import HTTPTypes
import HindsightCore
import HindsightServer
import Hummingbird
import Logging
import NIOCore

/// The web archive on the bot's HTTP server (`HINDSIGHT_WEB=on`): `/incidents` (search, filters, pages),
/// `/incidents/<id>`, `/insights`, each also as JSON (`.json` or `Accept: application/json`), each report as the
/// Markdown the bot publishes, and the login form. Read-only: no route changes an incident. Every page but the login
/// form and the style sheet needs a reader (`WebAccess`); every answer carries a strict Content-Security-Policy.
public struct WebRoutes: HTTPRoutes {
    let reader: ArchiveReader
    let access: WebAccess
    let templates: WebTemplates
    let logger: Logger
    let now: @Sendable () -> Date

    public init(reader: ArchiveReader, access: WebAccess, templates: WebTemplates, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.reader = reader
        self.access = access
        self.templates = templates
        self.logger = logger
        self.now = now
    }

    /// No script at all, styles and forms from this site only, never framed.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    public func register(on routes: RouteRegistrar) {
        routes.get("") { _, _ in Self.redirect("/incidents") }
        routes.get("web/hindsight.css") { [templates] _, _ in
            var headers = Self.securityHeaders
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: templates.css)))
        }
        routes.get("login") { [self] request, context in
            loginPage(next: request.uri.queryParameters["next"].map(String.init), failed: false, status: .ok)
        }
        routes.post("login") { [self] request, context in try await login(request) }
        routes.post("logout") { _, _ in
            var response = Self.redirect("/login")
            response.headers[.setCookie] = WebAccess.logoutCookie
            return response
        }
        routes.get("incidents") { [self] request, context in
            try await guarded(request, context, json: false) { user in try await incidents(request, user: user, json: false) }
        }
        routes.get("incidents.json") { [self] request, context in
            try await guarded(request, context, json: true) { user in try await incidents(request, user: user, json: true) }
        }
        routes.get("incidents/:id") { [self] request, context in
            var id = context.parameters.get("id") ?? ""
            let json = id.hasSuffix(".json")
            if json { id.removeLast(5) }
            return try await guarded(request, context, json: json) { user in try await incident(request, id: id, user: user, json: json) }
        }
        routes.get("incidents/:id/report.md") { [self] request, context in
            try await guarded(request, context, json: false) { _ in try await report(id: context.parameters.get("id") ?? "") }
        }
        routes.get("insights") { [self] request, context in
            try await guarded(request, context, json: false) { user in try await insights(request, user: user, json: false) }
        }
        routes.get("insights.json") { [self] request, context in
            try await guarded(request, context, json: true) { user in try await insights(request, user: user, json: true) }
        }
    }

    // MARK: Access

    /// Runs `serve` for a reader (named as `WebAccess` names them); a stranger gets the login form (a page) or 401
    /// (JSON, or a script sending a token).
    func guarded(_ request: Request, _ context: BotRequestContext, json: Bool, _ serve: (String) async throws -> Response) async throws -> Response {
        let headers = Self.headers(request)
        switch access.verdict(headers: headers, peer: context.remoteAddress?.ipAddress, now: now()) {
        case .reader(let user):
            do {
                return try await serve(user)
            } catch {
                logger.error("web archive page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                return Self.problem(.internalServerError, "The archive could not read its database (the bot's log has the details). Try again in a moment; if it persists, check the log and `hindsight doctor`.", json: wantsJSON(request, json))
            }
        case .stranger:
            if wantsJSON(request, json) || headers["authorization"] != nil {
                var response = Self.problem(.unauthorized, "Sign in: send Authorization: Bearer <HINDSIGHT_WEB_TOKEN>, or open /login in a browser.", json: true)
                response.headers[.wwwAuthenticate] = "Bearer realm=\"hindsight\""
                return response
            }
            return Self.redirect("/login?next=" + (request.uri.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"))
        }
    }

    func login(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let form = Self.formFields(String(buffer: body))
        let next = WebAccess.safeRedirect(form["next"])
        guard access.acceptsLogin(form["token"] ?? "") else {
            // A wrong token waits a moment, so guessing is slow as well as hopeless against a 16+ character token.
            try await Task.sleep(for: .milliseconds(250))
            return loginPage(next: next, failed: true, status: .unauthorized)
        }
        var response = Self.redirect(next)
        let secure = Self.headers(request)["x-forwarded-proto"]?.lowercased() == "https" || request.uri.scheme == .https
        response.headers[.setCookie] = access.loginCookie(now: now(), secure: secure)
        return response
    }

    func loginPage(next: String?, failed: Bool, status: HTTPResponse.Status) -> Response {
        struct Login: Encodable {
            var next: String
            var failed: Bool
            var tokenLogin: Bool
        }
        let page = Login(next: WebAccess.safeRedirect(next), failed: failed, tokenLogin: access.configuration.token != nil)
        return html(templates.render(Screen(section: "login", user: "", signedIn: false, page: page), "login"), status: status)
    }

    // MARK: Pages

    func incidents(_ request: Request, user: String, json: Bool) async throws -> Response {
        let query = ListQuery(parameters: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
        let view = try await reader.list(query)
        if wantsJSON(request, json) { return Self.json(view) }
        return html(page(view, user: user))
    }

    func incident(_ request: Request, id: String, user: String, json: Bool) async throws -> Response {
        let parameters = request.uri.queryParameters
        let transcriptPage = parameters["page"].flatMap { Int(String($0)) } ?? 1
        guard let view = try await reader.incident(IncidentID(rawValue: id.uppercased()), page: max(transcriptPage, 1), transcriptOpen: parameters["page"] != nil) else {
            return Self.problem(.notFound, "There is no incident \(id). The list at /incidents has every incident.", json: wantsJSON(request, json))
        }
        if wantsJSON(request, json) { return Self.json(view) }
        return html(page(view, user: user))
    }

    func report(id: String) async throws -> Response {
        guard let report = try await reader.report(IncidentID(rawValue: id.uppercased())) else {
            return Self.problem(.notFound, "There is no incident \(id). The list at /incidents has every incident.", json: false)
        }
        var headers = Self.securityHeaders
        headers[.contentType] = "text/markdown; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(report.fileName)\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: report.markdown)))
    }

    func insights(_ request: Request, user: String, json: Bool) async throws -> Response {
        let days = request.uri.queryParameters["days"].flatMap { Int(String($0)) }.map { min(max($0, 1), 3_650) } ?? 90
        let view = try await reader.insights(days: days)
        if wantsJSON(request, json) { return Self.json(view) }
        return html(page(view, user: user))
    }

    // MARK: Answers

    /// What every page template gets: the page's view, who reads it, and which section of the site it is in.
    /// (Stored properties only: Mustache reads values by reflection, which sees no computed ones.)
    struct Screen<Page: Encodable>: Encodable {
        var user: String
        var signedIn: Bool
        var page: Page
        var inIncidents: Bool
        var inInsights: Bool

        init(section: String, user: String, signedIn: Bool, page: Page) {
            self.user = user
            self.signedIn = signedIn
            self.page = page
            inIncidents = section == "incidents"
            inInsights = section == "insights"
        }
    }

    /// The HTML of the incident list for `user` (the benchmark times this).
    public func page(_ view: IncidentListView, user: String) -> String {
        templates.render(Screen(section: "incidents", user: user, signedIn: true, page: view), "incidents")
    }

    /// The HTML of an incident's page for `user`.
    public func page(_ view: IncidentView, user: String) -> String {
        templates.render(Screen(section: "incidents", user: user, signedIn: true, page: view), "incident")
    }

    /// The HTML of the insights page for `user`.
    public func page(_ view: InsightsView, user: String) -> String {
        templates.render(Screen(section: "insights", user: user, signedIn: true, page: view), "insights")
    }

    func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    func wantsJSON(_ request: Request, _ json: Bool) -> Bool {
        json || (request.headers[.accept]?.contains("application/json") ?? false)
    }

    static func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers = securityHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String, json: Bool) -> Response {
        var headers = securityHeaders
        if json {
            headers[.contentType] = "application/json; charset=utf-8"
            let data = (try? JSONEncoder().encode(["error": message])) ?? Data()
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// The request's headers by lower-case name (repeated ones joined as a `Cookie` header joins them).
    static func headers(_ request: Request) -> [String: String] {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + "; " + field.value } ?? field.value
        }
        return headers
    }

    /// An `application/x-www-form-urlencoded` body's fields.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}
