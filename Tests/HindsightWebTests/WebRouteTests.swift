import Foundation
@testable import HindsightCore
import HindsightNet
import HindsightPrompts
import HindsightServer
import HindsightStore
import HindsightTesting
import HindsightWeb
import Logging
import Testing

/// The archive served by the real HTTP server on 127.0.0.1 from a real SQLite file, asked over real HTTP.
@Suite("Web archive routes")
struct WebRouteTests {
    static let token = "web-test-token-0123456789"
    static let now = Seed.base.addingTimeInterval(40 * 86_400)
    static let bearer: HTTPClient.Headers = ["Authorization": "Bearer \(token)"]
    /// A client that shows redirects instead of following them, as the login flow needs to be checked step by step.
    static let http = HTTPClient(configuration: .init(followRedirects: false), logger: Logger(label: "web-test.http"))

    struct Site {
        let url: String
        let store: Store

        func get(_ path: String, headers: HTTPClient.Headers = WebRouteTests.bearer) async throws -> HTTPClient.Response {
            try await WebRouteTests.http.execute(HTTPClient.Request(.get, url: url + path, headers: headers))
        }

        func page(_ path: String) async throws -> String {
            let response = try await get(path)
            #expect(response.status == 200, "\(path): \(response.status)")
            return String(decoding: response.body, as: UTF8.self)
        }

        func json(_ path: String) async throws -> [String: Any] {
            let response = try await get(path)
            #expect(response.status == 200, "\(path): \(response.status)")
            return try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        }
    }

    func withSite(proxies: String = "", token: String? = WebRouteTests.token, _ body: (Site) async throws -> Void) async throws {
        try await withTemporaryFolder("hindsight-web") { dir in
            let store = try Store(path: dir.appendingPathComponent("db.sqlite").path)
            let prompts = try PromptSet(directory: TestBot.prompts)
            var logger = Logger(label: "web-test")
            logger.logLevel = .critical
            let routes = WebRoutes(
                reader: ArchiveReader(store: store, desk: prompts.desk(zone: .gmt, redact: { $0 }), platforms: [.slack, .mattermost], now: { Self.now }),
                access: try WebAccess(configuration: .init(token: token, trustedProxies: try AddressRange.list(proxies))),
                templates: try WebTemplates { try prompts.sources.text($0).text }, logger: logger, now: { Self.now })
            try await withServing([routes], logger: logger) { url in try await body(Site(url: url, store: store)) }
        }
    }

    static let hostile = [
        "<script>document.title='pwned'</script>",
        "<img src=x onerror=\"alert(1)\">",
        "[click me](javascript:alert(1)) javascript:alert(2)",
        "\"><svg onload=alert(3)>",
        "{{page}} {{{page}}} &lt;already&gt;",
    ]

    @Test("hostile chat text is shown as text: no markup, no script, no javascript: link, on the page and in its title")
    func escaping() async throws {
        try await withSite { site in
            try await Seed.incident(site.store, number: 1, title: "<script>alert('title')</script> outage", messages: Self.hostile.map { .init(text: $0, key: [.finding]) },
                                    tags: ["x\"><b>"], actions: [ActionItem(number: 1, text: "<b>bold</b> action", owner: "<i>me</i>", due: nil, priority: .p1, kind: .prevent, status: .open,
                                                                            author: Person(id: "U1", name: "Ana"), addedAt: Seed.base, statusNote: nil, findings: [], issues: ["github": "javascript:alert(4)", "jira": "https://jira.example/browse/OPS-1"])])
            for path in ["/incidents", "/incidents/INC-2026-1118-001", "/incidents?q=script"] {
                let html = try await site.page(path)
                #expect(!html.contains("<script"), "\(path)")
                #expect(!html.contains("<img"), "\(path)")
                #expect(!html.contains("<svg onload"), "\(path)")
                #expect(!html.contains("<b>") && !html.contains("<i>"), "\(path)")
                #expect(!html.lowercased().contains("href=\"javascript"), "\(path)")
                #expect(!html.contains("onerror=\""), "\(path)")
                #expect(html.contains("&lt;script&gt;"), "\(path)")
            }
            let page = try await site.page("/incidents/INC-2026-1118-001")
            #expect(page.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;"))
            #expect(page.contains("{{page}} {{{page}}} &amp;lt;already&amp;gt;"))
            #expect(page.contains("href=\"https://jira.example/browse/OPS-1\""))
            let response = try await site.get("/incidents/INC-2026-1118-001")
            let policy = try #require(response.headers["Content-Security-Policy"])
            #expect(policy.contains("default-src 'none'") && !policy.contains("script-src") && !policy.contains("unsafe"))
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        }
    }

    @Test("the incident page: header, an SVG timeline linking each mark to its key-event row, the transcript paged with revisions")
    func incidentPage() async throws {
        try await withSite { site in
            var messages = (1...450).map { Seed.Message(text: "status update \($0)") }
            messages[9] = .init(text: "pager fired for checkout 5xx", key: [.alert])
            messages[29] = .init(text: "we are investigating", milestone: .acknowledged)
            messages[99] = .init(text: "rolled back the deploy", key: [.action])
            messages[209] = .init(text: "corrected text", editedFrom: "first text")
            messages[210] = .init(text: "a secret I deleted", deleted: true)
            try await Seed.incident(site.store, number: 7, title: "Checkout errors", severity: .sev1, messages: messages)
            let html = try await site.page("/incidents/INC-2026-1118-007")
            #expect(html.contains("<h1>Checkout errors</h1>") && html.contains("sev1"))
            #expect(html.contains("<svg class=\"timeline\""))
            for anchor in ["e10", "e30", "e100"] {
                #expect(html.contains("<a href=\"#\(anchor)\" class=\"mark\">"), "\(anchor)")
                #expect(html.contains("<tr id=\"\(anchor)\""), "\(anchor)")
            }
            #expect(html.contains("<polygon class=\"milestone\""))
            #expect(html.contains("TTR") && html.contains("30m"))
            #expect(html.contains("Events 1–200 of 450"))
            #expect(html.contains("status update 200") && !html.contains("status update 201"))
            #expect(!html.contains("<details open>"))

            let second = try await site.page("/incidents/INC-2026-1118-007?page=2")
            #expect(second.contains("<details open>") && second.contains("Events 201–400 of 450"))
            #expect(second.contains("corrected text") && second.contains("before the edit of") && second.contains("first text"))
            #expect(second.contains("deleted 2026-") && second.contains("<del>"))
            let last = try await site.page("/incidents/INC-2026-1118-007?page=99")
            #expect(last.contains("Events 401–450 of 450"))

            let json = try await site.json("/incidents/INC-2026-1118-007.json")
            #expect(json["title"] as? String == "Checkout errors")
            #expect((json["keyEvents"] as? [Any])?.count == 3)  // the alert, acknowledged, the rollback
            let accepted = try await site.get("/incidents/INC-2026-1118-007", headers: ["Authorization": "Bearer \(Self.token)", "Accept": "application/json"])
            #expect(accepted.headers["Content-Type"]?.hasPrefix("application/json") == true)
            let report = try await site.get("/incidents/INC-2026-1118-007/report.md")
            #expect(report.status == 200 && report.headers["Content-Disposition"]?.contains("2026-11-18-checkout-errors.md") == true)
            #expect(String(decoding: report.body, as: UTF8.self).hasPrefix("# Checkout errors"))
            #expect(try await site.get("/incidents/INC-2099-0101-001").status == 404)
        }
    }

    @Test("the list pages 50 at a time, filters by severity, state, tag, platform and dates, and keeps the filters when paging")
    func listAndFilters() async throws {
        try await withSite { site in
            for number in 1...60 {
                try await Seed.incident(
                    site.store, number: number, title: "Incident \(number)", severity: number % 4 == 0 ? .sev1 : .sev3,
                    state: number % 5 == 0 ? .open : .resolved, platform: number % 2 == 0 ? .slack : .mattermost, day: number % 30,
                    tags: number % 10 == 0 ? ["dns"] : [])
            }
            let first = try await site.json("/incidents.json")
            #expect(first["total"] as? Int == 60 && (first["rows"] as? [Any])?.count == 50 && first["pages"] as? Int == 2)
            let second = try await site.json("/incidents.json?page=2")
            #expect((second["rows"] as? [Any])?.count == 10)
            func total(_ query: String) async throws -> Int { try await site.json("/incidents.json?" + query)["total"] as? Int ?? -1 }
            #expect(try await total("severity=sev1") == 15)
            #expect(try await total("severity=sev1&severity=sev3") == 60)
            #expect(try await total("state=open") == 12)
            #expect(try await total("tag=dns") == 6)
            #expect(try await total("platform=slack&state=open") == 6)
            #expect(try await total("from=2026-11-20&until=2026-11-21") == 4)  // days 2 and 3: numbers 2, 3, 32, 33
            let html = try await site.page("/incidents?severity=sev3&severity=sev1&page=1")
            #expect(html.contains("href=\"/incidents?severity=sev1&amp;severity=sev3&amp;page=2\""))
            #expect(html.contains("<input type=\"checkbox\" name=\"severity\" value=\"sev3\" checked>"))
            let bad = try await site.page("/incidents?from=someday")
            #expect(bad.contains("<code>from someday</code>"))
        }
    }

    @Test("search finds words in titles, messages, edits and post-mortems, best match first, and sees what arrived since")
    func search() async throws {
        try await withSite { site in
            try await Seed.incident(site.store, number: 1, title: "Certificate expired on the API gateway", messages: [.init(text: "renewed it")])
            try await Seed.incident(site.store, number: 2, title: "Slow checkout", messages: [.init(text: "the certificate rotation job was late"), .init(text: "fixed", editedFrom: "fxed")])
            try await Seed.incident(site.store, number: 3, title: "Queue backlog", tags: ["kafka"])
            func ids(_ q: String) async throws -> [String] {
                let json = try await site.json("/incidents.json?q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q))
                return (json["rows"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await ids("certificate") == ["INC-2026-1118-001", "INC-2026-1118-002"])
            #expect(try await ids("certif") == ["INC-2026-1118-001", "INC-2026-1118-002"])
            #expect(try await ids("rotation job") == ["INC-2026-1118-002"])
            #expect(try await ids("fixed") == ["INC-2026-1118-002"])
            #expect(try await ids("kafka") == ["INC-2026-1118-003"])
            #expect(try await ids("\"a\" OR NEAR(") == [])
            // A message captured after the first search is found by the next one.
            try await Seed.incident(site.store, number: 4, title: "DNS", messages: [.init(text: "kafka brokers unreachable")])
            #expect(Set(try await ids("kafka")) == ["INC-2026-1118-003", "INC-2026-1118-004"])
        }
    }

    @Test("insights: the same figures as /postmortem stats, monthly charts with their numbers, overdue action items")
    func insights() async throws {
        try await withSite { site in
            let overdue = ActionItem(number: 1, text: "Alert on certificate expiry", owner: "@ana", due: Seed.base.addingTimeInterval(86_400), priority: .p1, kind: .detect,
                                     status: .open, author: Person(id: "U1", name: "Ana"), addedAt: Seed.base, statusNote: nil, findings: [])
            try await Seed.incident(site.store, number: 1, title: "A", severity: .sev1, day: 1, actions: [overdue], resolvedAfter: 3_600)
            try await Seed.incident(site.store, number: 2, title: "B", severity: .sev2, day: 2, resolvedAfter: 1_800)
            let json = try await site.json("/insights.json")
            let stats = try #require(json["statistics"] as? [String: Any])
            #expect(stats["count"] as? Int == 2)
            #expect((stats["timeToResolve"] as? [String: Any])?["mean"] as? Double == 2_700)
            #expect((json["followThrough"] as? [String: Any])?["overdue"] as? Int == 1)
            let html = try await site.page("/insights")
            #expect(html.contains("<svg class=\"trend\"") && html.contains("<svg class=\"bars\""))
            #expect(html.contains("<rect class=\"sev sev1\"") && html.contains("<polyline points=\""))
            #expect(html.contains("Alert on certificate expiry") && html.contains("45m"))
        }
    }

    @Test("strangers get the login form or 401; the form's token sets a session cookie; the proxy header counts only from a trusted peer")
    func access() async throws {
        try await withSite { site in
            let page = try await site.get("/incidents?q=x", headers: [:])
            #expect(page.status == 303 && page.headers["Location"] == "/login?next=%2Fincidents%3Fq%3Dx")
            #expect(try await site.get("/incidents.json", headers: [:]).status == 401)
            #expect(try await site.get("/insights", headers: ["Accept": "application/json"]).status == 401)
            #expect(try await site.get("/incidents", headers: ["Authorization": "Bearer nope"]).status == 401)
            #expect(try await site.get("/incidents", headers: ["X-Forwarded-User": "mallory"]).status == 303)
            let login = try await site.get("/login?next=%2Finsights", headers: [:])
            #expect(login.status == 200 && String(decoding: login.body, as: UTF8.self).contains("name=\"next\" value=\"/insights\""))
            #expect(try await site.get("/web/hindsight.css", headers: [:]).status == 200)

            func post(_ form: String) async throws -> HTTPClient.Response {
                try await Self.http.execute(HTTPClient.Request(
                    .post, url: site.url + "/login", body: .data(Data(form.utf8), contentType: "application/x-www-form-urlencoded")))
            }
            let wrong = try await post("token=guess&next=%2Finsights")
            #expect(wrong.status == 401 && wrong.headers["Set-Cookie"] == nil)
            let right = try await post("token=\(Self.token)&next=%2Finsights")
            #expect(right.status == 303 && right.headers["Location"] == "/insights")
            let cookie = try #require(right.headers["Set-Cookie"])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let session = String(cookie.split(separator: ";")[0])
            #expect(try await site.get("/insights", headers: ["Cookie": session]).status == 200)
            let offsite = try await post("token=\(Self.token)&next=%2F%2Fevil.example")
            #expect(offsite.headers["Location"] == "/incidents")
        }
        try await withSite(proxies: "127.0.0.1") { site in
            #expect(try await site.get("/incidents", headers: ["X-Forwarded-User": "alice"]).status == 200)
            let html = String(decoding: try await site.get("/incidents", headers: ["X-Forwarded-User": "alice"]).body, as: UTF8.self)
            #expect(html.contains("<span class=\"who\">alice</span>"))
        }
        try await withSite(proxies: "10.0.0.0/8", token: nil) { site in
            let untrusted = try await site.get("/incidents", headers: ["X-Forwarded-User": "alice"])
            #expect(untrusted.status == 303)
        }
    }
}
