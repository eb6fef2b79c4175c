import Foundation
import Testing

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
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path)
        let session = try await run(["run"], env: env, input: """
            /postmortem start Queue backlog sev2 at -30m
            /postmortem detected at -20m
            /postmortem resolved
            """)
        #expect(session.status == 0)

        let stats = try await run(["stats", "--format", "json"], env: env)
        #expect(stats.status == 0)
        let figures = try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any]
        #expect(figures?["count"] as? Int == 1)
        let ttd = (figures?["timeToDetect"] as? [String: Any])?["mean"] as? Double
        #expect(ttd.map { abs($0 - 600) < 5 } == true)
        let ttr = (figures?["timeToResolve"] as? [String: Any])?["mean"] as? Double
        #expect(ttr.map { abs($0 - 1800) < 5 } == true)

        let export = try await run(["export"], env: env)
        #expect(export.status == 0)
        let archive = try JSONSerialization.jsonObject(with: Data(export.output.utf8)) as? [[String: Any]]
        let incident = archive?.first?["incident"] as? [String: Any]
        #expect((incident?["milestones"] as? [String: Any])?.keys.sorted() == ["detected", "resolved", "started"])
        #expect((archive?.first?["timeline"] as? [Any])?.count == 3)
    }
}
