import Foundation
import Testing
import HindsightCore
import HindsightStore

@Suite("The console channel, as a newcomer uses it")
struct ConsoleSessionTests {
    @Test("a piped session creates an incident that a second run shows, and EOF exits cleanly")
    func pipedSessionPersists() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path,
                                           extra: ["HINDSIGHT_FILES_DIR": dir.appendingPathComponent("files").path])

        let first = try ChildProcess(arguments: ["run"], environment: env)
        first.write("""
            /postmortem start Checkout returns 500 sev2
            error rate at 40% on checkout-api
            ok, rolled back to v41, error rate back to normal
            /postmortem confirm S1
            /postmortem confirm S2
            /postmortem note cache warmed by hand
            /postmortem status

            """)
        first.closeInput()
        var output: [String] = []
        for await line in first.lines { output.append(line) }
        #expect(first.wait() == 0, "stderr: \(first.standardError)")
        let text = output.joined(separator: "\n")
        #expect(text.contains("INC-"))
        #expect(text.contains("S1:") && text.contains("S2:"), "the opening line is the detection, the rollback the mitigation")
        #expect(text.contains("TTM "))

        let second = try ChildProcess(arguments: ["run"], environment: env)
        second.write("/postmortem timeline\n")
        second.closeInput()
        var timeline: [String] = []
        for await line in second.lines { timeline.append(line) }
        #expect(second.wait() == 0)
        let shown = timeline.joined(separator: "\n")
        #expect(shown.contains("error rate at 40% on checkout-api"))
        #expect(shown.contains("cache warmed by hand"))
        #expect(shown.contains("◆"))   // the confirmed mitigation

        let store = try Store(path: dir.appendingPathComponent("db.sqlite").path)
        let incident = try #require(try await store.read { tx in try tx.allIncidents() }.first)
        #expect(incident.milestones[.detected] != nil)
        #expect(incident.milestones[.mitigated] != nil)
    }

    @Test("hindsight --help and --version answer without touching the database")
    func help() async throws {
        let help = try ChildProcess(arguments: ["--help"], environment: ChildProcess.environment(database: "/nonexistent/db.sqlite"))
        var lines: [String] = []
        for await line in help.lines { lines.append(line) }
        #expect(help.wait() == 0)
        #expect(lines.joined(separator: "\n").contains("run"))
        let version = try ChildProcess(arguments: ["--version"], environment: ChildProcess.environment(database: "/nonexistent/db.sqlite"))
        var v: [String] = []
        for await line in version.lines { v.append(line) }
        #expect(version.wait() == 0)
        #expect(v.first?.isEmpty == false)
    }
}

@Suite("Secrets never reach the database")
struct RedactionEndToEndTests {
    @Test("a token pasted in the channel is stored redacted")
    func pastedTokenIsRedacted() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-redact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("db.sqlite").path
        let child = try ChildProcess(arguments: ["run"], environment: ChildProcess.environment(database: database))
        // Made-up values; the npm and Datadog ones were stored as typed before issue 16.
        let npm = String(repeating: "Qz7fK2pLw9", count: 4).prefix(36)
        let datadog = String(repeating: "4f9a0c1d", count: 4)
        child.write("/postmortem start Token leak drill\noops: xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\n/postmortem note rotated AKIAIOSFODNN7EXAMPLE\n"
                    + "NPM_TOKEN=npm_\(npm) and DD_API_KEY=\(datadog) were in the CI log\n")
        child.closeInput()
        for await _ in child.lines {}
        #expect(child.wait() == 0)
        let raw = try Data(contentsOf: URL(fileURLWithPath: database)) + ((try? Data(contentsOf: URL(fileURLWithPath: database + "-wal"))) ?? Data())
        #expect(raw.range(of: Data("AbCdEfGhIjKlMnOpQrStUvWx".utf8)) == nil)
        #expect(raw.range(of: Data("IOSFODNN7EXAMPLE".utf8)) == nil)
        #expect(raw.range(of: Data("[redacted:slack-token]".utf8)) != nil)
        #expect(raw.range(of: Data(npm.utf8)) == nil)
        #expect(raw.range(of: Data(datadog.utf8)) == nil)
        #expect(raw.range(of: Data("DD_API_KEY=[redacted:datadog-key]".utf8)) != nil)
    }
}
