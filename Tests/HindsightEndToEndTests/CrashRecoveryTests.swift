import Foundation
import Testing
import HindsightCore
import HindsightPostgres
import HindsightStore
import HindsightTesting

@Suite("Crash safety of the real process")
struct CrashRecoveryTests {
    init() { signal(SIGPIPE, SIG_IGN) }   // writing to a killed child must fail, not kill the test runner

    /// Runs `hindsight ingest`, redelivering every message (as a platform does after a crash), and SIGKILLs it once
    /// `killAfter` acks have been seen. Returns the ids it acknowledged.
    func ingest(_ lines: [String], env: [String: String], killAfter: Int?) async throws -> Set<String> {
        let child = try ChildProcess(arguments: ["ingest", "--platform", "slack"], environment: env)
        let writer = Thread {
            for line in lines where !child.write(line + "\n") { return }
            child.closeInput()
        }
        writer.start()
        var acked = Set<String>()
        for await line in child.lines where line.hasPrefix("ack ") {
            acked.insert(String(line.dropFirst(4)))
            if let killAfter, acked.count >= killAfter {
                child.kill()
                break
            }
        }
        let status = child.wait()
        if killAfter == nil { #expect(status == 0, "stderr: \(child.standardError)") }
        return acked
    }

    /// The stores the crash drill runs on: the SQLite file, and PostgreSQL where `TestPostgres` has a server (or CI
    /// requires one).
    static var databases: [String] { ["sqlite"] + (TestPostgres.enabled ? ["postgres"] : []) }

    @Test("SIGKILL mid-stream loses no acknowledged message and stores none twice", arguments: databases)
    func killNineTwice(on kind: String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = kind == "postgres" ? try TestPostgres.freshDatabase() : dir.appendingPathComponent("db.sqlite").path
        let env = ChildProcess.environment(database: database)

        let total = 3000
        let start = #"{"channel":"C1","user":"U1","name":"alice","command":"start Crash drill sev3","ts":"1795356000"}"#
        let messages = (1...total).map { i in
            #"{"channel":"C1","id":"1795356\#(String(format: "%03d", i / 1000)).\#(String(format: "%06d", i))","user":"U2","name":"bob","ts":"\#(1_795_356_000 + i)","text":"update \#(i)"}"#
        }
        var acknowledged = try await ingest([start] + messages, env: env, killAfter: 700)
        #expect(acknowledged.count >= 700)
        acknowledged.formUnion(try await ingest([start] + messages, env: env, killAfter: 1900))
        acknowledged.formUnion(try await ingest([start] + messages, env: env, killAfter: nil))

        let store: any RecordStore = kind == "postgres" ? try await PostgresStore.open(try PostgresURL(database)) : try Store(path: database)
        let incidents = try await store.read { tx in try tx.allIncidents() }
        #expect(incidents.count == 1)
        let events = try await store.read { tx in try tx.events(of: incidents[0].id) }.filter { $0.messageID != nil }
        let ids = events.compactMap(\.messageID)
        #expect(ids.count == total)
        #expect(Set(ids).count == total)
        #expect(acknowledged.isSubset(of: Set(ids)))
        #expect(acknowledged.count == total)
    }
}
