import Foundation
import HindsightCore
import HindsightNet
import HindsightStore
import HindsightTesting
import Logging
import Testing

/// The built binary against the fake Slack: configuration from the environment, Socket Mode, the Web API, and what
/// operators rely on — readiness, metrics, a graceful stop, and no loss when the process is killed under load.
@Suite("The real binary on Slack")
struct SlackProcessTests {
    static let channel = "C0E2EINCIDENT"
    static let alice = "U0E2EALICE"

    init() { signal(SIGPIPE, SIG_IGN) }

    func environment(_ fake: FakeSlack, database: String, botToken: String? = nil) -> [String: String] {
        ChildProcess.environment(database: database, extra: [
            "SLACK_APP_TOKEN": fake.appToken, "SLACK_BOT_TOKEN": botToken ?? fake.botToken, "SLACK_API_URL": fake.apiURL,
            "HINDSIGHT_HTTP_HOST": "127.0.0.1", "HINDSIGHT_HTTP_PORT": "0", "HINDSIGHT_LOG_LEVEL": "notice",
        ])
    }

    func scene(_ fake: FakeSlack) {
        fake.addChannel(id: Self.channel, name: "inc-checkout")
        fake.addUser(id: Self.alice, name: "alice", displayName: "Alice")
    }

    func temporaryDatabase() throws -> (dir: URL, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-slack-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appendingPathComponent("db.sqlite").path)
    }

    func storedMessageIDs(_ database: String) async throws -> [String] { try await Store(path: database).allMessageIDs() }

    /// Posts `total` messages ("load 0", "load 1"…) by alice in the incident channel, pausing `pause` after every 50
    /// (50 ms: about 1,000 a second); the task returns their message ids in order.
    func load(_ fake: FakeSlack, total: Int, pause: Duration) -> Task<[String], Never> {
        Task {
            var posted: [String] = []
            for index in 0..<total {
                posted.append(await fake.postMessage(channel: Self.channel, user: Self.alice, text: "load \(index)"))
                if index % 50 == 49 { try? await Task.sleep(for: pause) }
            }
            return posted
        }
    }

    /// Waits for a live connection, failing with the child's log if it never comes.
    func waitForConnection(_ fake: FakeSlack, hellos: Int, _ child: ChildProcess) async throws {
        let connected = await fake.waitFor(timeout: .seconds(20)) { $0.hellosSent >= hellos && $0.liveConnections >= 1 }
        try #require(connected, "no Socket Mode connection; stderr: \(child.standardError.suffix(3000))")
    }

    @Test("a slash command opens an incident, messages are captured, /readyz and /metrics report Slack, SIGTERM exits 0")
    func sessionAndGracefulStop() async throws {
        let (dir, database) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await FakeSlack.run { fake in
            scene(fake)
            let child = try ChildProcess(arguments: ["run"], environment: environment(fake, database: database))
            let port = try await child.httpPort()
            try await waitForConnection(fake, hellos: 1, child)
            let answer = try await fake.slashCommand(channel: Self.channel, user: Self.alice, text: "start Checkout returns 500 sev2")
            #expect(answer.payload?["response_type"]?.string == "in_channel")
            #expect(answer.payload?["text"]?.string?.contains("INC-") == true)
            var posted: [String] = []
            for text in ["error rate at 40%", "rolled back to v41", "error rate back to normal"] {
                posted.append(await fake.postMessage(channel: Self.channel, user: Self.alice, text: text))
            }
            var stored: [String] = []
            for _ in 0..<500 where Set(stored) != Set(posted) {
                stored = try await storedMessageIDs(database)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(Set(stored) == Set(posted), "stderr: \(child.standardError)")

            let http = HTTPClient(logger: Logger(label: "e2e"))
            defer { http.shutdown() }
            let ready = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/readyz"))
            #expect(ready.status == 200, "\(ready.text)")
            #expect(ready.text.contains("slack: ok") && ready.text.contains("store: ok"))
            let metrics = try await http.execute(HTTPClient.Request(url: "http://127.0.0.1:\(port)/metrics")).text
            #expect(metrics.contains(#"platform="slack""#) && metrics.contains("hindsight_events_captured_total"), "\(metrics.prefix(2000))")
            #expect(metrics.contains(#"method="auth.test""#))
            let latencyLines = metrics.split(separator: "\n").filter { $0.hasPrefix("hindsight_capture_duration_seconds") && $0.contains(#"platform="slack""#) }
            #expect(latencyLines.contains { $0.contains("_count") && !$0.hasSuffix(" 0") }, "store-then-ack latency recorded: \(latencyLines)")

            child.terminate()
            #expect(child.wait() == 0, "stderr: \(child.standardError)")
            #expect(!child.standardError.contains(fake.botToken) && !child.standardError.contains(fake.appToken), "no token in the logs")
        }
    }

    @Test("a refused SLACK_BOT_TOKEN stops the binary with exit 1 and says what to do")
    func badToken() async throws {
        let (dir, database) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await FakeSlack.run { fake in
            let child = try ChildProcess(arguments: ["run"], environment: environment(fake, database: database, botToken: "xoxb-wrong-token"))
            child.closeInput()
            for await _ in child.lines {}
            #expect(child.wait() == 1)
            #expect(child.standardError.contains("Slack rejected SLACK_BOT_TOKEN"), "\(child.standardError)")
            #expect(!child.standardError.contains("xoxb-wrong-token"))
        }
    }
}

/// Resilience: real processes under load. These suites' names start with "Resilience": scripts/test.sh runs them on their
/// own, after the rest, because they keep both cores busy.
@Suite("Resilience: the real binary on Slack under kill -9")
struct ResilienceSlackKillTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    @Test("kill -9 every few hundred events while 5,000 messages arrive: every message stored exactly once")
    func killNineUnderLoad() async throws {
        let e2e = SlackProcessTests()
        let (dir, database) = try e2e.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await FakeSlack.run(configuration: .init(ackTimeout: .seconds(1))) { fake in
            let began = ContinuousClock.now
            e2e.scene(fake)
            var child = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
            try await e2e.waitForConnection(fake, hellos: 1, child)
            _ = try await fake.slashCommand(channel: SlackProcessTests.channel, user: SlackProcessTests.alice, text: "start Load test sev3")
            var restarts: [String] = []  // when each bot was killed and its successor connected, for a loss's message

            let total = 5000
            let generator = e2e.load(fake, total: total, pause: .milliseconds(20))  // about 2,000 messages/s
            var kills = 0
            var lastKillAt = 0
            let deadline = ContinuousClock.now + .seconds(180)  // a stalled bot fails the test instead of hanging it
            while kills < 8, ContinuousClock.now < deadline {
                let acked = await fake.stats.ackedEvents
                if acked >= total { break }
                if acked - lastKillAt >= 400 {
                    child.kill()
                    _ = child.wait()
                    let killedAt = began.duration(to: .now)
                    kills += 1
                    lastKillAt = acked
                    child = try ChildProcess(arguments: ["run"], environment: e2e.environment(fake, database: database))
                    try await e2e.waitForConnection(fake, hellos: kills + 1, child)
                    restarts.append("killed at \(killedAt), next connected at \(began.duration(to: .now))")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let posted = await generator.value
            let expected = Set(posted)
            var stored: [String] = []
            let settle = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < settle {
                stored = try await e2e.storedMessageIDs(database)
                if expected.isSubset(of: Set(stored)) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            child.terminate()
            #expect(child.wait() == 0, "stderr: \(child.standardError.suffix(3000))")
            stored = try await e2e.storedMessageIDs(database)
            #expect(kills >= 5, "killed \(kills) times")
            #expect(stored.count == Set(stored).count, "none stored twice")
            // On a loss, the last bot's log says where its backfills started and what they stored, and the fake says how
            // many events it gave up redelivering (each then rests on a backfill alone).
            let givenUp = await fake.stats.givenUp
            print("slack kill -9: \(kills) kills, \(givenUp) events given up by the fake, \(Set(stored).count) of \(total) stored")
            let lost = expected.subtracting(stored).sorted()
            var deliveries: [String] = []
            for ts in lost.prefix(5) {
                deliveries.append("\(ts) (load \(posted.firstIndex(of: ts) ?? -1)): \(await fake.deliveryHistory(ofMessage: ts).joined(separator: "; "))")
            }
            let links = await fake.linkHistory()
            #expect(lost.isEmpty, """
                lost \(lost.count) of \(total) (\(givenUp) events given up by the fake); how the first were delivered: \
                \(deliveries.joined(separator: " | ")); bots: \(restarts.joined(separator: "; ")); connections: \
                \(links.joined(separator: ", ")); last bot's log: \(child.standardError.suffix(4000))
                """)
        }
    }
}

@Suite("Resilience: the real binary through Slack disconnect storms")
struct ResilienceSlackStormTests {
    @Test("refresh every 50 envelopes, abrupt drops, a socket that never says hello, one that stalls mid-frame: nothing lost, memory flat")
    func storm() async throws {
        let e2e = SlackProcessTests()
        let (dir, database) = try e2e.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await FakeSlack.run(configuration: .init(ackTimeout: .seconds(1), refreshGrace: .milliseconds(300))) { fake in
            e2e.scene(fake)
            var env = e2e.environment(fake, database: database)
            env["HINDSIGHT_LOG_LEVEL"] = "error"
            env["SLACK_PING_INTERVAL"] = "0.5"  // a stalled or silent socket is replaced after 1.5 s
            let child = try ChildProcess(arguments: ["run"], environment: env)
            try await e2e.waitForConnection(fake, hellos: 1, child)
            _ = try await fake.slashCommand(channel: SlackProcessTests.channel, user: SlackProcessTests.alice, text: "start Storm sev3")

            var posted: [String] = []
            func post(_ count: Int) async {
                for _ in 0..<count {
                    posted.append(await fake.postMessage(channel: SlackProcessTests.channel, user: SlackProcessTests.alice, text: "storm \(posted.count)"))
                }
            }
            func caughtUp() async throws {
                let expected = Set(posted)
                for _ in 0..<2000 {
                    if expected.isSubset(of: Set(try await e2e.storedMessageIDs(database))) { return }
                    try await Task.sleep(for: .milliseconds(10))
                }
                Issue.record("not caught up; stderr: \(child.standardError.suffix(2000))")
            }
            // Warm up, then take the memory baseline.
            for _ in 0..<4 {
                await post(50)
                await fake.requestRefresh()
            }
            try await caughtUp()
            let baseline = try #require(child.residentBytes)

            for round in 0..<6 {
                for _ in 0..<6 {
                    await post(50)
                    await fake.requestRefresh(warningFirst: round.isMultiple(of: 2))
                }
                await fake.dropConnections()
                await post(20)
                if round == 2 {
                    // A server that accepts the socket and never says hello: the bot replaces it.
                    await fake.withholdHello(true)
                    await fake.dropConnections()
                    await post(20)
                    let opened = await fake.stats.connectionsOpened
                    let replaced = await fake.waitFor(timeout: .seconds(20)) { $0.connectionsOpened >= opened + 2 }
                    #expect(replaced, "a socket without hello was replaced")
                    await fake.withholdHello(false)
                }
                if round == 4 {
                    // A socket that stops mid-frame: keep-alive notices and the bot reconnects.
                    await fake.stallConnections()
                    await post(20)
                }
                try await caughtUp()
            }
            let after = try #require(child.residentBytes)
            let stored = try await e2e.storedMessageIDs(database)
            #expect(stored.count == Set(stored).count, "none stored twice")
            #expect(Set(posted).subtracting(stored).isEmpty, "lost \(Set(posted).subtracting(stored).count) of \(posted.count)")
            #expect(after < baseline + 24 << 20, "RSS grew from \(baseline >> 20) MB to \(after >> 20) MB")
            print("storm: \(posted.count) messages, \(await fake.stats.connectionsOpened) connections, RSS \(baseline >> 20) → \(after >> 20) MB")
            #expect(await fake.stats.liveConnections <= 1, "old sockets let go")
            child.terminate()
            #expect(child.wait() == 0)
        }
    }
}
