import Foundation
import HindsightTesting
import Testing

/// The built binary against a real PostgreSQL server: `migrate`, `run`, `doctor` and the read commands work on it, and
/// `backup` says to use pg_dump instead of taking the URL for a file name.
@Suite("hindsight on PostgreSQL: migrate, run, doctor, stats, report, export, and backup pointing to pg_dump", .enabled(if: TestPostgres.enabled))
struct PostgresCommandTests {
    func run(_ arguments: [String], database: String, input: String = "") async throws -> (status: Int32, output: String, stdout: String) {
        let child = try ChildProcess(arguments: arguments, environment: ChildProcess.environment(database: database))
        if !input.isEmpty { _ = child.write(input) }
        child.closeInput()
        var lines: [String] = []
        for await line in child.lines { lines.append(line) }
        let status = child.wait()
        return (status, (lines + [child.standardError]).joined(separator: "\n"), lines.joined(separator: "\n"))
    }

    @Test("migrate applies every migration once (again: nothing new); the console bot runs on it; doctor counts what it stored; stats, report and export read it; backup refuses")
    func commands() async throws {
        let database = try TestPostgres.freshDatabase()
        let first = try await run(["migrate"], database: database)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("13 migrations applied, the last v14-one-message-index"), "\(first.output)")
        let again = try await run(["migrate"], database: database)
        #expect(again.status == 0 && again.output.contains("13 migrations applied"), "\(again.output)")
        let console = try await run(["run"], database: database, input: "/postmortem start db down sev2\nrolling back to v41\n/postmortem timeline\n")
        #expect(console.status == 0, "\(console.output)")
        #expect(console.output.contains("“db down” (sev2)") && console.output.contains("rolling back to v41"), "\(console.output)")
        let doctor = try await run(["doctor"], database: database)
        #expect(doctor.status == 0, "\(doctor.output)")
        let rows = doctor.output.split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("store") && $0.contains("pass") && $0.contains("PostgreSQL") && $0.contains(" 1 incidents") }, "\(doctor.output)")
        #expect(rows.contains { $0.hasPrefix("migrations") && $0.contains("pass") }, "\(doctor.output)")
        let stats = try await run(["stats"], database: database)
        #expect(stats.status == 0 && stats.output.contains(": 1, 1 open") && stats.output.contains("sev2 1"), "\(stats.output)")
        let export = try await run(["export"], database: database)
        #expect(export.status == 0, "\(export.output)")
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]], "\(export.output)")
        let incident = try #require(exported.first?["incident"] as? [String: Any])
        let id = try #require(incident["id"] as? String)
        #expect((exported.first?["timeline"] as? [Any])?.isEmpty == false)
        let report = try await run(["report", id], database: database)
        #expect(report.status == 0 && report.output.contains("db down") && report.output.contains("rolling back to v41"), "\(report.output)")
        let refused = try await run(["backup", "/tmp/hindsight-never-written.sqlite"], database: database)
        #expect(refused.status != 0)
        #expect(refused.output.contains("HINDSIGHT_DB names a PostgreSQL database") && refused.output.contains("use pg_dump"), "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/hindsight-never-written.sqlite"))
    }

    @Test("a wrong database name fails migrate with what to check, and no password in the message")
    func wrongDatabase() async throws {
        let database = try TestPostgres.freshDatabase()
        let missing = database.replacingOccurrences(of: "/hindsight_test_", with: "/missing_")
        let result = try await run(["migrate"], database: missing)
        #expect(result.status != 0)
        #expect(result.output.contains("cannot use the database postgres://"), "\(result.output)")
        #expect(result.output.contains("that the database exists"), "\(result.output)")
    }
}
