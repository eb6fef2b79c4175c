import Foundation
import HindsightTesting
import Testing

/// The built binary against a real PostgreSQL server: what works on it so far (`run`, `ingest`, `migrate`, `doctor`)
/// and that every other command says so instead of taking the URL for a file name.
@Suite("hindsight on PostgreSQL: migrate, run, doctor, and a clear refusal where SQLite is still needed", .enabled(if: TestPostgres.enabled))
struct PostgresCommandTests {
    func run(_ arguments: [String], database: String, input: String = "") async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(arguments: arguments, environment: ChildProcess.environment(database: database))
        if !input.isEmpty { _ = child.write(input) }
        child.closeInput()
        var lines: [String] = []
        for await line in child.lines { lines.append(line) }
        let status = child.wait()
        return (status, (lines + [child.standardError]).joined(separator: "\n"))
    }

    @Test("migrate applies every migration once (again: nothing new); the console bot runs on it; doctor counts what it stored; stats and backup refuse")
    func commands() async throws {
        let database = try TestPostgres.freshDatabase()
        let first = try await run(["migrate"], database: database)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("11 migrations applied, the last v12-reply-outbox"), "\(first.output)")
        let again = try await run(["migrate"], database: database)
        #expect(again.status == 0 && again.output.contains("11 migrations applied"), "\(again.output)")
        let console = try await run(["run"], database: database, input: "/postmortem start db down sev2\nrolling back to v41\n/postmortem timeline\n")
        #expect(console.status == 0, "\(console.output)")
        #expect(console.output.contains("“db down” (sev2)") && console.output.contains("rolling back to v41"), "\(console.output)")
        let doctor = try await run(["doctor"], database: database)
        #expect(doctor.status == 0, "\(doctor.output)")
        let rows = doctor.output.split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("store") && $0.contains("pass") && $0.contains("PostgreSQL") && $0.contains(" 1 incidents") }, "\(doctor.output)")
        #expect(rows.contains { $0.hasPrefix("migrations") && $0.contains("pass") }, "\(doctor.output)")
        for command in [["stats"], ["backup", "/tmp/hindsight-never-written.sqlite"]] {
            let refused = try await run(command, database: database)
            #expect(refused.status != 0)
            #expect(refused.output.contains("HINDSIGHT_DB names a PostgreSQL database"), "\(refused.output)")
            #expect(refused.output.contains("`hindsight \(command[0])` still needs a SQLite file"), "\(refused.output)")
        }
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
