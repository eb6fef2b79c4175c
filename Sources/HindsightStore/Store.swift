import Foundation
import GRDB
import HindsightCore

/// Hindsight's durable state: one SQLite file in WAL mode with a single writer and concurrent readers.
///
/// Durability: `synchronous=NORMAL` by default. In WAL mode a committed transaction survives a crash or SIGKILL of
/// the process (it is in the WAL file the OS holds); only a power loss or kernel crash can lose the last commits.
/// `synchronous=FULL` (`HINDSIGHT_DB_SYNCHRONOUS=full`) also survives that, at the cost of an fsync per commit.
public final class Store: Sendable {
    /// How hard SQLite works to keep commits across power loss.
    public enum Synchronous: String, Sendable, CaseIterable {
        case normal = "NORMAL"
        case full = "FULL"
    }

    private let pool: DatabasePool
    /// What capture reads about an open incident for every message, kept beside the writer connection.
    private let lookBack = LookBackCache()
    /// Checkpoints the WAL a moment after writes, off the commit path (automatic checkpoints are off).
    private let checkpointer: Checkpointer
    public let path: String

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    /// - Parameter checkpointDelay: how long after a write the WAL is checkpointed (`Checkpointer`).
    public init(path: String, synchronous: Synchronous = .normal, checkpointDelay: Duration = .milliseconds(200)) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)")
            // Checkpoints run beside the writer (`Checkpointer`), not inside whichever commit fills the WAL.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(pool)
            checkpointer = try Checkpointer(path: path, delay: checkpointDelay)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Runs `body` in one write transaction: the desk's reads and the changes it decides commit together or not at all.
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws(StoreError) -> T {
        do {
            return try writeHere(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.classify(error, path: path)
        }
    }

    /// The write on the calling thread (GRDB's writer queue runs it there when idle), not hopping to the queue's thread
    /// and back: at a message a millisecond, those two wake-ups cost more CPU than the transaction. While another write
    /// runs, the caller's thread waits for it: at most one transaction (a batch of `Bot.captureBatchLimit` messages or
    /// a backfill page), which is what its acknowledgements wait for anyway.
    private func writeHere<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        defer { checkpointer.wrote() }
        return try pool.write { [lookBack] db in
            try lookBack.begin(db)
            return try body(StoreTransaction(db: db, cache: lookBack))
        }
    }

    /// Checkpoints the WAL now, as far as no reader prevents it (tests; the checkpointer does this after writes).
    @discardableResult
    func checkpoint() -> (walFrameCount: Int, checkpointedFrameCount: Int)? {
        checkpointer.checkpoint()
    }

    /// Runs `body` against a consistent snapshot, concurrently with writes.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read { db in try body(StoreTransaction(db: db)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.classify(error, path: path)
        }
    }

    /// Synchronous read for command-line tools that are not async.
    public func readNow<T>(_ body: (StoreTransaction) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read { db in try body(StoreTransaction(db: db)) }
        } catch {
            throw StoreError.classify(error, path: path)
        }
    }

    /// The migrations applied to this file, oldest first.
    public func appliedMigrations() throws(StoreError) -> [String] {
        do {
            return try pool.read { db in try Schema.migrator.appliedMigrations(db) }
        } catch {
            throw StoreError.classify(error, path: path)
        }
    }

    /// Writes a consistent copy of the database to `destination` with SQLite's online backup API, safe while the bot
    /// runs (writers continue; the copy is the state at one commit).
    public func backup(to destination: String) throws(StoreError) {
        do {
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            try copy.close()
        } catch {
            throw StoreError.classify(error, path: destination)
        }
    }
}

/// Why the store could not do what was asked, with what to do about it.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    /// A database server (PostgreSQL) could not be reached or refused the connection; `database` is its URL without
    /// the password.
    case cannotConnect(database: String, reason: String)
    case diskFull(path: String)
    case readOnly(path: String)
    case failed(path: String, reason: String)

    static func classify(_ error: any Error, path: String) -> StoreError {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL: return .diskFull(path: path)
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM: return .readOnly(path: path)
            default: break
            }
        }
        return .failed(path: path, reason: "\(error)")
    }

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open the database \(path): \(reason). Check that the directory exists and is writable, or set HINDSIGHT_DB."
        case let .cannotConnect(database, reason): """
            cannot use the database \(database): \(reason). Check the host, port and user in HINDSIGHT_DB, the password \
            (HINDSIGHT_DB_PASSWORD_FILE), that the database exists and that the server accepts this host (pg_hba.conf).
            """
        case let .diskFull(path): "the disk holding \(path) is full: free some space; nothing is acknowledged until writes succeed again."
        case let .readOnly(path): "the database \(path) is read-only: fix its permissions or mount; nothing is acknowledged until writes succeed again."
        case let .failed(path, reason): "database \(path) error: \(reason)"
        }
    }
}
