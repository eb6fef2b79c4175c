import GRDB

/// Makes every timeline insert into a bot's SQLite file fail, as a full disk or a read-only volume would, until
/// `repair`: a second connection adds a trigger that aborts them, which the bot's writer cannot tell from the real thing.
public struct FullDisk: Sendable {
    private let saboteur: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)  // the bot's writer may hold the lock for a moment
        saboteur = try DatabaseQueue(path: path, configuration: configuration)
    }

    public func fail() async throws {
        try await saboteur.write { db in
            try db.execute(sql: "CREATE TRIGGER full_disk BEFORE INSERT ON event BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        }
    }

    public func repair() async throws {
        try await saboteur.write { db in try db.execute(sql: "DROP TRIGGER full_disk") }
    }
}
