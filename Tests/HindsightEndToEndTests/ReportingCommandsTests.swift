import Foundation
import Testing

/// A fresh directory for one test's database and files, removed afterwards.
private struct Scratch: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("Reporting commands of the real binary")
struct ReportingCommandsTests {
    func run(_ arguments: [String], env: [String: String], input: String = "") async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(arguments: arguments, environment: env)
        child.write(input)
        child.closeInput()
        var lines: [String] = []
        for await line in child.lines { lines.append(line) }
        return (child.wait(), lines.joined(separator: "\n"))
    }

    @Test("stats --format json and export read what a session stored")
    func statsAndExport() async throws {
        let scratch = try Scratch()
        let dir = scratch.url
        let env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path)
        // Absolute instants: a relative time is read against the moment each line is handled, which on a loaded
        // machine can be seconds apart.
        let session = try await run(["run"], env: env, input: """
            /postmortem start Queue backlog sev2 at 2026-11-22T10:00:00Z
            /postmortem detected at 2026-11-22T10:10:00Z
            /postmortem resolved at 2026-11-22T10:30:00Z
            """)
        #expect(session.status == 0)

        let stats = try await run(["stats", "--format", "json"], env: env)
        #expect(stats.status == 0)
        let figures = try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any]
        #expect(figures?["count"] as? Int == 1)
        let ttd = (figures?["timeToDetect"] as? [String: Any])?["mean"] as? Double
        #expect(ttd == 600)
        let ttr = (figures?["timeToResolve"] as? [String: Any])?["mean"] as? Double
        #expect(ttr == 1800)

        let export = try await run(["export"], env: env)
        #expect(export.status == 0)
        let archive = try JSONSerialization.jsonObject(with: Data(export.output.utf8)) as? [[String: Any]]
        let incident = archive?.first?["incident"] as? [String: Any]
        #expect((incident?["milestones"] as? [String: Any])?.keys.sorted() == ["detected", "resolved", "started"])
        #expect((archive?.first?["timeline"] as? [Any])?.count == 3)
    }

    @Test("a post-mortem written in the console publishes to the reports directory, and `hindsight report` prints it")
    func publishAndReport() async throws {
        let scratch = try Scratch()
        let dir = scratch.url
        let env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path, extra: [
            "HINDSIGHT_REPORTS_DIR": dir.appendingPathComponent("reports").path,
            "HINDSIGHT_FILES_DIR": dir.appendingPathComponent("files").path,
        ])
        let session = try await run(["run"], env: env, input: """
            /postmortem start Queue backlog sev2 at -30m
            /postmortem detected at -20m
            /postmortem resolved
            /postmortem summary
            Orders queued for 30 minutes after a consumer deploy stalled.
            /postmortem went-well the backlog drained on its own once consumers restarted
            /postmortem publish
            /postmortem publish --force
            """)
        #expect(session.status == 0)
        #expect(session.output.contains("--force"))
        #expect(session.output.contains("post-mortem published"))
        let reports = dir.appendingPathComponent("reports/docs/post-mortems")
        let files = try FileManager.default.contentsOfDirectory(atPath: reports.path)
        #expect(files.count == 1)
        let name = try #require(files.first)
        #expect(name.hasSuffix("-queue-backlog.md"))
        let saved = try String(contentsOf: reports.appendingPathComponent(name), encoding: .utf8)
        #expect(saved.contains("Orders queued for 30 minutes"))
        #expect(saved.contains("Published before the review was complete"))

        let id = String(try #require(saved.split(separator: "\n").first { $0.hasPrefix("| INC-") }?.split(separator: "|").first)).trimmingCharacters(in: .whitespaces)
        let printed = try await run(["report", id], env: env)
        #expect(printed.status == 0)
        #expect(printed.output.contains("# Queue backlog"))
        let json = try await run(["report", id, "--format", "json"], env: env)
        let model = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(model?["id"] as? String == id)
        #expect((model?["wentWell"] as? [String])?.count == 1)
        let stats = try await run(["stats", "--format", "json"], env: env)
        let figures = try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any]
        let follow = figures?["followThrough"] as? [String: Any]
        #expect(follow?["published"] as? Int == 1 && follow?["resolved"] as? Int == 1)
        let missing = try await run(["report", "INC-1999-0101-001"], env: env)
        #expect(missing.status != 0)
    }

    @Test("eval --explain shows a line's features, milestone scores and key-event verdicts, with and without a quick answer")
    func explain() async throws {
        let scratch = try Scratch()
        let dir = scratch.url
        let env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path)
        let explained = try await run(["eval", "--explain", "failover finished, traffic looks normal"], env: env)
        #expect(explained.status == 0)
        for line in ["features: ", "mitigated: ", "key reasons by the rules: action", "learned key-event model: the words",
                     "after a minute of quiet, answered at once: ", "after a minute of quiet, answered after 5 min: "] {
            #expect(explained.output.contains(line), "\(line) missing in: \(explained.output)")
        }
    }

    @Test("hindsight bench runs end to end on small numbers and prints every figure")
    func benchSmoke() async throws {
        let scratch = try Scratch()
        let dir = scratch.url
        let env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path)
        let bench = try await run(["bench", "--events", "80", "--channels", "4", "--rate", "100", "--duration", "1",
                                   "--incidents", "5", "--report-events", "200"], env: env)
        #expect(bench.status == 0)
        for figure in ["events/s stored and acknowledged", "understanding adds", "ack latency     p50", "peak RSS", "to render, save and publish 200 events"] {
            #expect(bench.output.contains(figure), "\(figure) missing in: \(bench.output)")
        }
    }
}
