import Foundation
import HindsightCore
import HindsightNet
import Logging
import HindsightStore
import HindsightTesting
import Testing

/// The built binary against the fake Mattermost: configuration from the environment, the HTTP server, the socket,
/// and a graceful stop on SIGTERM, as systemd and Kubernetes stop it.
@Suite("The real binary on Mattermost")
struct MattermostProcessTests {
    static let channel = "e2ech4nnele2ech4nnele2ech4"
    static let alice = FakeMattermostUser(id: "e2eal1cee2eal1cee2eal1cee2", username: "alice", firstName: "Alice")
    static let commandToken = "e2ec0mmandt0kene2ec0mmand0"

    func environment(_ fake: FakeMattermost, database: String, token: String? = nil) -> [String: String] {
        ChildProcess.environment(database: database, extra: [
            "MATTERMOST_URL": fake.baseURL, "MATTERMOST_TOKEN": token ?? fake.token,
            "MATTERMOST_COMMAND_TOKEN": Self.commandToken, "MATTERMOST_WEBSOCKET_URL": fake.webSocketURL,
            "HINDSIGHT_HTTP_HOST": "127.0.0.1", "HINDSIGHT_HTTP_PORT": "0", "HINDSIGHT_LOG_LEVEL": "notice",
        ])
    }

    /// The binary on the fake with an incident opened by a slash command, its database path and HTTP port.
    func withIncident(
        extra: [String: String] = [:], _ body: @Sendable (FakeMattermost, ChildProcess, _ port: Int, _ database: String) async throws -> Void
    ) async throws {
        try await withTemporaryFolder("hindsight-mm") { dir in
            let database = dir.appendingPathComponent("db.sqlite").path
            try await FakeMattermost.run { fake in
                fake.addChannel(id: Self.channel, name: "incident-checkout")
                fake.addUser(Self.alice)
                let child = try ChildProcess(arguments: ["run"], environment: environment(fake, database: database).merging(extra) { $1 })
                let port = try await child.httpPort()
                let answer = try await fake.slashCommand(
                    to: "http://127.0.0.1:\(port)/mattermost/command", token: Self.commandToken, channelID: Self.channel,
                    userID: Self.alice.id, text: "start Checkout returns 500 sev2"
                )
                #expect(answer.status == 200)
                #expect(answer.json?["text"]?.string?.contains("INC-") == true)
                await fake.waitForSocket { $0.freshHellos >= 1 }
                try await body(fake, child, port, database)
            }
        }
    }

    @Test("a slash command opens an incident, channel posts are captured, and SIGTERM exits 0 with everything stored")
    func sessionAndGracefulStop() async throws {
        try await withIncident { fake, child, port, database in
            let posts = ["error rate at 40%", "rolled back to v41", "error rate back to normal"]
            var ids: [String] = []
            for text in posts { ids.append(await fake.post(channelID: Self.channel, userID: Self.alice.id, message: text).id) }

            let store = try Store(path: database)
            var stored: [String] = []
            for _ in 0..<500 where stored.count < ids.count {
                stored = try await store.allMessageIDs()
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(Set(stored) == Set(ids), "stderr: \(child.standardError)")

            // Operations endpoints: ready once the socket is up, and Prometheus metrics of what just happened.
            let http = HTTPClient(logger: Logger(label: "e2e"))
            defer { http.shutdown() }
            let ready = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/readyz"))
            #expect(ready.status == 200, "\(ready.text)")
            #expect(ready.text.contains("mattermost: ok") && ready.text.contains("store: ok"))
            let metrics = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/metrics")).text
            #expect(metrics.contains(#"hindsight_events_captured_total{platform="mattermost",outcome="stored"} 3"#)
                    || metrics.contains(#"hindsight_events_captured_total{outcome="stored",platform="mattermost"} 3"#), "\(metrics.prefix(2000))")
            #expect(metrics.contains("hindsight_api_calls_total"))
            // The same latency as Slack's: from reading the event off the socket to storing it.
            let latencyLines = metrics.split(separator: "\n").filter { $0.hasPrefix("hindsight_capture_duration_seconds") && $0.contains(#"platform="mattermost""#) }
            #expect(latencyLines.contains { $0.contains("_count") && !$0.hasSuffix(" 0") }, "read-to-stored latency recorded: \(latencyLines)")
            #expect(metrics.contains("hindsight_open_incidents 1"))
            #expect(metrics.contains("hindsight_connection_up"))
            // The container's HEALTHCHECK: the binary asks /readyz itself.
            let healthy = try ChildProcess(arguments: ["healthcheck", "--url", "http://127.0.0.1:\(port)/readyz"], environment: environment(fake, database: database))
            healthy.closeInput()
            for await _ in healthy.lines {}
            #expect(healthy.wait() == 0, "\(healthy.standardError)")

            child.terminate()
            let status = child.wait()
            #expect(status == 0, "stderr: \(child.standardError)")
            #expect(child.standardError.contains("stopped"))
            let gone = try ChildProcess(arguments: ["healthcheck", "--url", "http://127.0.0.1:\(port)/readyz", "--timeout", "2"], environment: environment(fake, database: database))
            gone.closeInput()
            for await _ in gone.lines {}
            #expect(gone.wait() == 1)
            #expect(gone.standardError.contains("not ready"))
        }
    }

    @Test("buttons: a forged click is refused and counted, a real one works, and still works after a restart (the generated secret is kept)")
    func signedButtons() async throws {
        let publicURL = ["HINDSIGHT_PUBLIC_URL": "https://hindsight.example.com"]
        try await withIncident(extra: publicURL) { fake, first, port, database in
            _ = await fake.post(channelID: Self.channel, userID: Self.alice.id, message: "ok, rolled back to v41, error rate back to normal")
            // The suggestion's own post: asking about *mitigated*, with a confirm button (the live card has buttons of its
            // own, a pending suggestion's among them, and may be posted or edited before or after it).
            @Sendable func isProposal(_ post: FakeMattermostPost) -> Bool {
                post.message.contains("*mitigated*") && !post.message.contains("INC-") && post.props["attachments"]?.arrayValue?.flatMap { $0["actions"]?.arrayValue ?? [] }
                    .contains { $0["integration"]?["context"]?["command"]?.string?.hasPrefix("confirm") == true } == true
            }
            try await eventually("the suggestion with buttons", within: .seconds(20)) {
                fake.posts(by: fake.botUser.id).contains(where: isProposal)
            }
            let proposal = try #require(fake.posts(by: fake.botUser.id).last(where: isProposal))
            let forgedToken = "v1.eyJrIjoiYnV0dG9uIiwicCI6InJlc29sdmVkIn0.Zm9yZ2VkLXNpZ25hdHVyZQ"
            let forged = try await fake.clickButton(
                to: "http://127.0.0.1:\(port)/mattermost/action",
                context: .object(["command": .string("resolved"), "token": .string(forgedToken)]),
                channelID: Self.channel, userID: Self.alice.id, postID: proposal.id
            )
            #expect(forged.status == 401)
            let store = try Store(path: database)
            let channel = ChannelKey(platform: .mattermost, channelID: Self.channel)
            #expect(try await store.read { tx in try tx.openIncident(in: channel)?.state } == .open)

            let http = HTTPClient(logger: Logger(label: "e2e"))
            defer { http.shutdown() }
            let metrics = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/metrics")).text
            #expect(metrics.contains("hindsight_http_refused_total"), "\(metrics.prefix(2000))")
            #expect(!first.standardError.contains(forgedToken))
            #expect(!first.standardError.contains("Zm9yZ2VkLXNpZ25hdHVyZQ"))

            // Restart: the secret generated on first start is in the database, so the posted buttons still work.
            first.terminate()
            #expect(first.wait() == 0, "stderr: \(first.standardError)")
            let second = try ChildProcess(arguments: ["run"], environment: environment(fake, database: database).merging(publicURL) { $1 })
            let secondPort = try await second.httpPort()
            let real = try await fake.clickButton(on: proposal, command: "confirm", userID: Self.alice.id, botURL: "http://127.0.0.1:\(secondPort)")
            #expect(real.status == 200, "stderr: \(second.standardError)")
            #expect(try await store.read { tx in try tx.openIncident(in: channel)?.milestones[.mitigated] } != nil)
            second.terminate()
            #expect(second.wait() == 0, "stderr: \(second.standardError)")
        }
    }

    @Test("a refused MATTERMOST_TOKEN stops the binary with exit 1 and a message that says what to do")
    func badToken() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-mm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await FakeMattermost.run { fake in
            let child = try ChildProcess(
                arguments: ["run"], environment: environment(fake, database: dir.appendingPathComponent("db.sqlite").path, token: "wrong-token")
            )
            child.closeInput()
            for await _ in child.lines {}
            #expect(child.wait() == 1)
            #expect(child.standardError.contains("rejected MATTERMOST_TOKEN"))
            #expect(!child.standardError.contains("wrong-token"))
        }
    }
}

@Suite("hindsight doctor")
struct DoctorTests {
    func run(_ env: [String: String]) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(arguments: ["doctor"], environment: env)
        child.closeInput()
        var lines: [String] = []
        for await line in child.lines { lines.append(line) }
        return (child.wait(), lines.joined(separator: "\n"))
    }

    @Test("every configured integration is checked live: all pass, then a refused tracker token fails the run")
    func doctor() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trackers = FakeTrackers()
        try await trackers.run { trackerURL in
            try await FakeMattermost.run { fake in
                var env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path, extra: [
                    "MATTERMOST_URL": fake.baseURL, "MATTERMOST_TOKEN": fake.token, "MATTERMOST_COMMAND_TOKEN": "c0mmand",
                    "HINDSIGHT_REPORTS_DIR": dir.appendingPathComponent("reports").path,
                    "GITHUB_TOKEN": trackers.githubToken, "GITHUB_REPO": trackers.githubRepo, "GITHUB_API_URL": trackerURL,
                    "JIRA_URL": trackerURL, "JIRA_EMAIL": trackers.jiraEmail, "JIRA_TOKEN": trackers.jiraToken, "JIRA_PROJECT": trackers.jiraProject,
                ])
                let good = try await run(env)
                #expect(good.status == 0, "\(good.output)")
                for check in ["prompts", "store", "reports directory", "mattermost", "github", "jira"] {
                    #expect(good.output.split(separator: "\n").contains { $0.hasPrefix(check) && $0.contains("pass") },
                            "\(check) should pass: \(good.output)")
                }
                env["GITHUB_TOKEN"] = "ghp_refusedrefusedrefusedrefusedrefused00"
                let bad = try await run(env)
                #expect(bad.status == 1)
                #expect(bad.output.split(separator: "\n").contains { $0.hasPrefix("github") && $0.contains("FAIL") && $0.contains("token") })
                #expect(!bad.output.contains("ghp_refused"))
            }
        }
    }
}

@Suite("Resilience: the real binary on Mattermost under kill -9")
struct ResilienceMattermostKillTests {
    @Test("kill -9 every few hundred events while 5,000 posts arrive: every post stored exactly once")
    func killNineUnderLoad() async throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-mm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("db.sqlite").path
        let e2e = MattermostProcessTests()

        try await FakeMattermost.run { fake in
            fake.addChannel(id: MattermostProcessTests.channel, name: "incident-load")
            fake.addUser(MattermostProcessTests.alice)
            var environment = e2e.environment(fake, database: database)
            environment["HINDSIGHT_LOG_LEVEL"] = "info"  // backfill and reconnect lines, to explain a loss
            var child = try ChildProcess(arguments: ["run"], environment: environment)
            var earlierLogs = ""
            let port = try await child.httpPort()
            _ = try await fake.slashCommand(
                to: "http://127.0.0.1:\(port)/mattermost/command", token: MattermostProcessTests.commandToken,
                channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id, text: "start Load test sev3"
            )
            await fake.waitForSocket { $0.freshHellos >= 1 }
            let store = try Store(path: database)

            let total = 5000
            let generator = Task {
                var posted: [String] = []
                for index in 0..<total {
                    posted.append(await fake.post(channelID: MattermostProcessTests.channel, userID: MattermostProcessTests.alice.id, message: "load \(index)").id)
                    if index % 50 == 49 { try? await Task.sleep(for: .milliseconds(20)) }
                }
                return posted
            }
            var kills = 0
            var lastKillAt = 0
            let deadline = ContinuousClock.now + .seconds(180)
            while kills < 8, ContinuousClock.now < deadline {
                let count = try await store.allMessageIDs().count
                if count >= total { break }
                if count - lastKillAt >= 400 {
                    child.kill()
                    _ = child.wait()
                    earlierLogs += "--- killed at \(count) stored\n" + child.standardError
                    kills += 1
                    lastKillAt = count
                    child = try ChildProcess(arguments: ["run"], environment: environment)
                    _ = try await child.httpPort()
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let expected = Set(await generator.value)
            var ids: [String] = []
            let settle = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < settle {
                ids = try await store.allMessageIDs()
                if expected.isSubset(of: Set(ids)) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            child.terminate()
            #expect(child.wait() == 0, "stderr: \(child.standardError.suffix(3000))")
            #expect(kills >= 5, "killed \(kills) times")
            #expect(ids.count == Set(ids).count, "none stored twice")
            let lost = expected.subtracting(ids)
            #expect(lost.isEmpty, "lost \(lost.count) of \(total); logs:\n\(Self.relevant(earlierLogs + "--- last\n" + child.standardError))")
        }
    }

    /// Log lines about connections, backfill and failures (not every captured event).
    static func relevant(_ logs: String) -> String {
        logs.split(separator: "\n").filter { line in
            ["---", "backfill", "websocket", "hello", "error", "warning", "connect"].contains { line.contains($0) }
        }.suffix(200).joined(separator: "\n")
    }
}
