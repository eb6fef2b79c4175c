import Foundation
import HindsightNet
import HindsightTesting
import Logging
import Testing

/// The web archive in a real browser: Debian's chromium, driven headless through chromedriver's WebDriver API, against
/// the built binary serving a database a console session filled. CI installs both (`.ci/run`); elsewhere the suite
/// runs when they are installed and says so when they are not. Screenshots go to `.build/browser-screenshots/`.
@Suite("Browser: the web archive in headless chromium", .serialized, .enabled(if: InstalledBrowser.available, InstalledBrowser.missing))
struct BrowserTests {
    static let chromium = InstalledBrowser.chromium
    static let chromedriver = InstalledBrowser.chromedriver
    static let token = "browser-test-token-0123456789"
    static let screenshots = ChildProcess.repositoryRoot.appendingPathComponent(".build/browser-screenshots")
    static let http = HTTPClient(configuration: .init(totalTimeout: .seconds(60), followRedirects: false), logger: Logger(label: "browser-test"))

    /// What fills the database: two incidents captured through `hindsight ingest` as a Slack war room would deliver
    /// them (times, authors, an alert integration), one with hostile chat text, then the post-mortem written by commands.
    static var history: [[String: Any]] {
        var lines: [[String: Any]] = []
        func say(_ channel: String, _ at: String, _ name: String, _ text: String, bot: Bool = false) {
            lines.append(["channel": channel, "id": "\(channel)-\(lines.count)", "user": "U-\(name)", "name": name, "ts": at, "text": text, "bot": bot])
        }
        func command(_ channel: String, _ at: String, _ name: String, _ text: String) {
            lines.append(["channel": channel, "user": "U-\(name)", "name": name, "ts": at, "command": text])
        }
        command("C-DNS", "2026-11-20T08:00:00Z", "bo", "start DNS resolution failures in eu-west sev3 at 2026-11-20T08:00:00Z")
        say("C-DNS", "2026-11-20T08:03:00Z", "bo", "resolvers timing out for internal zones")
        command("C-DNS", "2026-11-20T08:30:00Z", "bo", "resolved at 2026-11-20T08:30:00Z")
        command("C-PAY", "2026-11-22T10:00:00Z", "ana", "start Checkout returns 500 after the payments deploy sev1 at 2026-11-22T10:00:00Z")
        say("C-PAY", "2026-11-22T10:02:10Z", "PagerDuty", "[TRIGGERED] checkout 5xx rate above 20% https://grafana.example.com/d/checkout?from=now-1h&to=now", bot: true)
        say("C-PAY", "2026-11-22T10:03:00Z", "cy", "<script>document.title='pwned'</script>")
        say("C-PAY", "2026-11-22T10:03:30Z", "cy", "<img src=x onerror=\"document.title='pwned'\"> [click](javascript:document.title='pwned') \"><svg onload=\"document.title='pwned'\">")
        command("C-PAY", "2026-11-22T10:04:00Z", "ana", "detected at 2026-11-22T10:04:00Z")
        say("C-PAY", "2026-11-22T10:07:00Z", "bo", "I'm looking at it, paging the payments on-call")
        command("C-PAY", "2026-11-22T10:07:30Z", "ana", "acknowledged at 2026-11-22T10:07:00Z")
        say("C-PAY", "2026-11-22T10:16:00Z", "bo", "payments client logs show timeouts after 1s since deploy 2026.11.22-3")
        say("C-PAY", "2026-11-22T10:27:00Z", "ana", "rolling back payments deploy 2026.11.22-3 now")
        say("C-PAY", "2026-11-22T10:31:00Z", "bo", "error rate back to baseline, monitoring")
        command("C-PAY", "2026-11-22T10:31:30Z", "ana", "mitigated at 2026-11-22T10:31:00Z")
        command("C-PAY", "2026-11-22T11:02:00Z", "ana", "resolved at 2026-11-22T11:02:00Z")
        for text in [
            "summary A payments deploy changed a timeout default; checkout calls failed for 62 minutes.",
            "why The payments client gave up after 1s instead of 10s",
            "rootcause A library upgrade changed the default client timeout and no test covered it",
            "went-well Rollback took four minutes once decided",
            "action Add a contract test for the payments client timeout owner @ana due 2026-12-01 priority P1",
            "tag payments",
        ] { command("C-PAY", "2026-11-22T11:10:00Z", "ana", text) }
        return lines
    }

    /// A WebDriver session on a chromedriver child.
    struct Driver {
        let base: String
        let session: String

        static func start() async throws -> (ChildProcess, Driver) {
            let port = try ClosedPort().port  // free now that the probe socket is closed
            let driver = try ChildProcess(
                arguments: ["--port=\(port)", "--allowed-ips=127.0.0.1"], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()],
                binary: URL(fileURLWithPath: try #require(BrowserTests.chromedriver, "chromedriver is not installed: apt-get install chromium-driver")))
            let base = "http://127.0.0.1:\(port)"
            for _ in 0..<200 {
                if let status = try? await BrowserTests.http.execute(HTTPClient.Request(url: base + "/status")), status.status == 200 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let created = try await call(base, .post, "/session", [
                "capabilities": ["alwaysMatch": ["goog:chromeOptions": [
                    "binary": try #require(BrowserTests.chromium, "chromium is not installed: apt-get install chromium"),
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600", "--no-first-run"],
                ]]],
            ])
            let session = try #require(created["sessionId"] as? String, "no WebDriver session: \(created)")
            return (driver, Driver(base: base, session: session))
        }

        static func call(_ base: String, _ method: HTTPClient.Method, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
            let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
            let response = try await BrowserTests.http.execute(HTTPClient.Request(
                method, url: base + path, body: data.map { .data($0, contentType: "application/json") }))
            let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
            return object["value"] as? [String: Any] ?? ["value": object["value"] ?? NSNull()]
        }

        func call(_ method: HTTPClient.Method, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
            try await Self.call(base, method, "/session/\(session)" + path, body)
        }

        func open(_ url: String) async throws { _ = try await call(.post, "/url", ["url": url]) }
        func url() async throws -> String { try await call(.get, "/url")["value"] as? String ?? "" }

        /// Runs `script` in the page (WebDriver's script, which a page's Content-Security-Policy does not restrict).
        func run(_ script: String) async throws -> Any? { try await call(.post, "/execute/sync", ["script": script, "args": []])["value"] }

        func count(_ selector: String) async throws -> Int {
            try await run("return document.querySelectorAll(\(Self.quoted(selector))).length") as? Int ?? -1
        }

        func text(_ selector: String) async throws -> String {
            try await run("const e = document.querySelector(\(Self.quoted(selector))); return e ? e.innerText : ''") as? String ?? ""
        }

        func element(_ selector: String) async throws -> String {
            let found = try await call(.post, "/element", ["using": "css selector", "value": selector])
            return try #require(found.first { $0.key.hasPrefix("element-") }?.value as? String, "no element \(selector): \(found)")
        }

        func type(_ text: String, into selector: String) async throws {
            _ = try await call(.post, "/element/\(try await element(selector))/value", ["text": text])
        }

        func click(_ selector: String) async throws {
            _ = try await call(.post, "/element/\(try await element(selector))/click", [:])
        }

        /// Waits up to 10 s for `condition`: a click that submits a form can return before the next page has loaded
        /// (and a command sent meanwhile fails), so what the next page shows is awaited, not assumed.
        func until(_ condition: () async throws -> Bool) async throws -> Bool {
            for _ in 0..<200 {
                if (try? await condition()) == true { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await condition()
        }

        /// Whether a JavaScript alert is open (hostile text that ran `alert` would leave one).
        func alertOpen() async throws -> Bool {
            let answer = try await call(.get, "/alert/text")
            return answer["error"] == nil
        }

        func screenshot(_ name: String) async throws {
            let png = try await call(.get, "/screenshot")["value"] as? String ?? ""
            try FileManager.default.createDirectory(at: BrowserTests.screenshots, withIntermediateDirectories: true)
            try #require(Data(base64Encoded: png)).write(to: BrowserTests.screenshots.appendingPathComponent("\(name).png"))
        }

        func quit() async { _ = try? await Self.call(base, .delete, "/session/\(session)") }

        static func quoted(_ text: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
        }
    }

    @Test("sign in, list, search, an incident's timeline and an insights chart load; hostile chat text runs no script")
    func archiveInBrowser() async throws {
        try await withTemporaryFolder("hindsight-browser") { dir in
            let database = dir.appendingPathComponent("db.sqlite").path
            let seed = try ChildProcess(arguments: ["ingest", "--platform", "slack"], environment: ChildProcess.environment(database: database))
            for line in Self.history { _ = seed.write(String(decoding: try JSONSerialization.data(withJSONObject: line), as: UTF8.self) + "\n") }
            seed.closeInput()
            var output: [String] = []
            for await line in seed.lines { output.append(line) }
            #expect(seed.wait() == 0 && !output.contains { $0.hasPrefix("error") }, "\(output) \(seed.standardError)")

            let bot = try ChildProcess(arguments: ["run"], environment: ChildProcess.environment(database: database, extra: [
                "HINDSIGHT_WEB": "on", "HINDSIGHT_WEB_TOKEN": Self.token, "HINDSIGHT_HTTP_HOST": "127.0.0.1", "HINDSIGHT_HTTP_PORT": "0",
                "HINDSIGHT_LOG_LEVEL": "notice",
            ]))
            defer { bot.terminate() }
            let site = "http://127.0.0.1:\(try await bot.httpPort())"
            let (chromedriver, browser) = try await Driver.start()
            defer { chromedriver.kill() }

            // Signing in: the archive sends a stranger to the login form, which leads back to the page asked for.
            try await browser.open(site + "/incidents")
            #expect(try await browser.url().contains("/login"))
            try await browser.screenshot("login")
            try await browser.type("wrong-token-000000000", into: "#token")
            try await browser.click("button[type=submit]")
            #expect(try await browser.until { try await browser.count(".problem") == 1 })
            #expect(try await browser.text(".problem").contains("not the archive's"))
            try await browser.type(Self.token, into: "#token")
            try await browser.click("button[type=submit]")
            #expect(try await browser.until { try await browser.url() == site + "/incidents" })
            #expect(try await browser.until { try await browser.count("tr.incident") == 2 })
            #expect(try await browser.text("table.incidents").contains("Checkout returns 500 after the payments deploy"))
            try await browser.screenshot("incidents")

            // Searching from the form finds the incident whose messages mention the words.
            try await browser.type("resolvers timing", into: "#q")
            try await browser.click(".search button[type=submit]")
            #expect(try await browser.until { try await browser.url().contains("q=resolvers") })
            #expect(try await browser.until { try await browser.count("tr.incident") == 1 })
            #expect(try await browser.text("table.incidents").contains("DNS resolution failures"))

            // The incident: header, the timeline picture with its milestones and key events, the tables, no script.
            try await browser.open(site + "/incidents/INC-2026-1122-001")
            #expect(try await browser.text("h1") == "Checkout returns 500 after the payments deploy")
            #expect(try await browser.count("svg.timeline") == 1)
            #expect(try await browser.count("svg.timeline polygon.milestone") >= 4)
            #expect(try await browser.count("svg.timeline circle.key") >= 1)
            #expect(try await browser.count("table.key-events tr[id^=e]") >= 5)
            #expect(try await browser.text("#postmortem").contains("A payments deploy changed a timeout default"))
            #expect(try await browser.text("#actions").contains("contract test"))
            #expect(try await browser.run("return document.title") as? String != "pwned")
            #expect(try await browser.count("script") == 0)
            #expect(try await browser.count("main img") == 0)
            #expect(try await browser.count("td.text svg") == 0)
            #expect(try await browser.count("a[href^='javascript']") == 0)
            // The hostile text is there, as text (the transcript is collapsed: its text content, not what is shown).
            let transcript = try await browser.run("return document.querySelector('#transcript').textContent") as? String ?? ""
            #expect(transcript.contains("<script>document.title='pwned'</script>") && transcript.contains("<img src=x onerror="))
            #expect(try await !browser.alertOpen())
            try await browser.screenshot("incident")
            _ = try await browser.run("document.querySelector('#transcript details').open = true; return 0")
            try await browser.screenshot("incident-transcript")

            // On a phone-sized window nothing runs off the side: wide tables scroll inside their own box.
            _ = try await browser.call(.post, "/window/rect", ["width": 390, "height": 844])
            try await browser.open(site + "/incidents/INC-2026-1122-001")
            let overflow = try await browser.run("return document.documentElement.scrollWidth - document.documentElement.clientWidth") as? Int
            #expect(overflow == 0, "the page is \(overflow ?? -1) px wider than a phone's screen")
            try await browser.screenshot("incident-phone")
            _ = try await browser.call(.post, "/window/rect", ["width": 1280, "height": 1600])

            // Insights: both charts drawn, numbers beside them.
            try await browser.open(site + "/insights")
            #expect(try await browser.count("svg.bars rect") >= 2)
            #expect(try await browser.count("svg.trend polyline") == 3)
            #expect(try await browser.text("#figures").contains("MTTR"))
            try await browser.screenshot("insights")

            // Signing out ends the session.
            try await browser.click(".signout button")
            #expect(try await browser.until { try await browser.url().contains("/login") })
            try await browser.open(site + "/insights")
            #expect(try await browser.url().contains("/login"))
            await browser.quit()
        }
    }
}

/// Where Debian (or another distribution) installs the browser and its driver.
enum InstalledBrowser {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// In CI the browser is required: a missing one fails the suite instead of skipping it.
    static var available: Bool { (chromium != nil && chromedriver != nil) || ProcessInfo.processInfo.environment["CI"] != nil }
    static let missing: Comment = "chromium and chromedriver are not installed (apt-get install chromium chromium-driver); CI installs them"
}
