import Foundation
import HindsightCore
import HindsightStore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// Hindsight's records in a PostgreSQL database (`HINDSIGHT_DB=postgres://…`): the same `BotRecords` as the SQLite
/// store, under the same contract tests, for installations that run replicas on a database they already operate.
///
/// A transaction's body is the desk's synchronous decision, as with SQLite: it runs on a thread of this store's own
/// (never on Swift's cooperative pool or an event loop), which waits for each query's answer on the connection.
///
/// Writes are one at a time across every process on the database, as SQLite's single writer is within one: each write
/// transaction first locks the one row of `hindsight_writer` by moving its generation (`takeWriterLock`), and runs at
/// READ COMMITTED, so each of its reads sees everything the writers before it committed. The generation also keeps
/// SQLite's look-back cache coherent here: each write stamps the incidents it changed with its generation
/// (`incident.written_at`), and a process whose write finds the generation one past its own last write knows no other
/// process wrote in between and keeps what it cached; otherwise it drops what was cached about the incidents stamped
/// since. Two replicas given the same Mattermost post at the same moment therefore queue: the second finds the post stored and stores nothing, and an incident's event numbers stay
/// gap-free. (Serializable transactions without the lock were tried first: correct, but a replica whose transaction
/// overlapped every commit of a busier one was refused again and again, 30 times in a row under test load.) Should
/// PostgreSQL still refuse a transaction for serialization or a deadlock (SQLSTATE 40001, 40P01), it is run again from
/// the start after a short random pause, up to `attempts` times.
public final class PostgresStore: RecordStore {
    /// Where the database is; its `description` leaves the password out.
    public let url: PostgresURL
    /// Writes and migrations, one at a time, on a connection and thread of their own.
    private let writer: Lane
    /// Reads (cards, reports, `/readyz`), one at a time on a second connection, made at the first read, so that a
    /// long read never holds up capture, as SQLite's readers do not hold up its writer.
    private let reader: Lane
    /// What capture reads for every message, kept between write transactions while no other process writes.
    private let lookBack = LookBackCache()
    private let logger: Logger
    private let tls: PostgresConnection.Configuration.TLS
    /// How many times a transaction PostgreSQL refused for serialization is run in all.
    static let attempts = 5

    private init(url: PostgresURL, connection: PostgresConnection, tls: PostgresConnection.Configuration.TLS, logger: Logger) {
        self.url = url
        writer = Lane(label: "hindsight.postgres.writes", connection: connection)
        reader = Lane(label: "hindsight.postgres.reads", connection: nil)
        self.tls = tls
        self.logger = logger
    }

    /// Connects and migrates the database to the current schema, waiting while another process migrates it.
    public static func open(_ url: PostgresURL, logger: Logger = Logger(label: "hindsight.postgres")) async throws(StoreError) -> PostgresStore {
        let store: PostgresStore
        do {
            let tls = try Self.tls(url.sslMode)
            store = PostgresStore(url: url, connection: try await Self.connect(url, tls: tls, logger: logger), tls: tls, logger: logger)
        } catch {
            throw StoreError.cannotConnect(database: url.redacted, reason: Self.describe(error))
        }
        try await store.migrate()
        return store
    }

    /// Opens the store, runs `body` on it and closes it, whatever `body` did: for commands that ask it a few things.
    public static func using<T>(_ url: PostgresURL, logger: Logger = Logger(label: "hindsight.postgres"),
                                _ body: (PostgresStore) async throws -> T) async throws -> T {
        let store = try await open(url, logger: logger)
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }

    /// A store let go of closes its connection, which lives until it has (PostgresNIO requires a connection closed
    /// before it goes).
    deinit {
        for lane in [writer, reader] {
            guard let connection = lane.connection.withLock({ $0 }) else { continue }
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Closes the connections; the store answers nothing after.
    public func close() async {
        for lane in [writer, reader] {
            try? await lane.connection.withLock { $0 }?.close()
        }
    }

    /// Runs `body` in one write transaction, after every other process's write before it: the desk's reads and the
    /// changes it decides commit together or not at all.
    public func write<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws(StoreError) -> T {
        try await writer.run(url) { try self.transaction(.write, on: self.writer, body) }
    }

    /// Runs `body` in one read-only transaction that sees a single snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws(StoreError) -> T {
        try await reader.run(url) { try self.transaction(.read, on: self.reader, body) }
    }

    /// The migrations applied to the database, in order.
    public func appliedMigrations() async throws(StoreError) -> [String] {
        try await read { tx in try tx.rows("SELECT name FROM hindsight_migration ORDER BY position").map { try $0[0].decode(String.self) } }
    }

    /// The server's version, as `SHOW server_version` gives it (e.g. "15.18 (Debian 15.18-0+deb12u1)").
    public func serverVersion() async throws(StoreError) -> String {
        try await read { tx in try tx.rows("SHOW server_version").first.map { try $0[0].decode(String.self) } ?? "" }
    }

    private func migrate() async throws(StoreError) {
        // The migration lock, not the writers': a process that waited for it must see what the one before it committed
        // meanwhile (READ COMMITTED, as writes).
        try await writer.run(url) { try self.transaction(.migration, on: self.writer) { tx in
            // The lock is the transaction's: a second process blocks here until the first has committed its migrations.
            try tx.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))")
            try tx.execute(PostgresQuery(unsafeSQL: PostgresSchema.ledger))
            let applied = Set(try tx.rows("SELECT name FROM hindsight_migration").map { try $0[0].decode(String.self) })
            for (name, sql) in PostgresSchema.migrations where !applied.contains(name) {
                // One statement per query (the extended protocol's rule); no migration has a semicolon inside a literal.
                for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !statement.isEmpty {
                    try tx.execute(PostgresQuery(unsafeSQL: statement))
                }
                try tx.execute("INSERT INTO hindsight_migration (name) VALUES (\(name))")
            }
        } }
    }

    /// A connection and the thread its transactions run on, one at a time. The connection is replaced by a new one
    /// when it was closed (the server restarted, the network dropped), and made at the first transaction when there
    /// is none yet.
    private final class Lane: Sendable {
        let queue: DispatchQueue
        let connection: Mutex<PostgresConnection?>

        init(label: String, connection: PostgresConnection?) {
            queue = DispatchQueue(label: label)
            self.connection = Mutex(connection)
        }

        /// Runs `work` on the lane's thread.
        func run<T: Sendable>(_ url: PostgresURL, _ work: @escaping @Sendable () throws -> T) async throws(StoreError) -> T {
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    queue.async { continuation.resume(with: Result { try work() }) }
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.failed(path: url.redacted, reason: PostgresStore.describe(error))
            }
        }
    }

    private enum Kind {
        case write, read, migration
    }

    /// Moves the writer generation, taking its row's lock until the transaction ends: writes run one at a time across
    /// processes (a second writer waits here, then reads what the first committed, at READ COMMITTED).
    static let takeWriterLock: PostgresQuery = "UPDATE hindsight_writer SET generation = generation + 1 WHERE id = 1 RETURNING generation"

    /// On the store's thread: BEGIN, the body, COMMIT; again from BEGIN when PostgreSQL refuses it for serialization.
    private func transaction<T>(_ kind: Kind, on lane: Lane, _ body: (PostgresTransaction) throws -> T) throws -> T {
        var attempt = 1
        while true {
            var tx = PostgresTransaction(connection: try liveConnection(lane), logger: logger)
            try tx.execute(kind == .read ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL READ COMMITTED")
            var generation: Int64?
            do {
                if kind == .write {
                    guard let moved = try tx.rows(Self.takeWriterLock).first.map({ try $0[0].decode(Int64.self) }) else {
                        throw StoreError.failed(path: url.redacted, reason: "hindsight_writer has no row: run `hindsight migrate`")
                    }
                    // Unchanged since this process's last write (one less than now) keeps what it cached; otherwise
                    // what the other processes' writes changed is dropped.
                    tx.cacheKept = try lookBack.begin(version: moved - 1, changedSince: { [tx] last in try tx.incidentsWritten(since: last) })
                    (generation, tx.cache) = (moved, lookBack)
                }
                let value = try body(tx)
                if let generation { try tx.stampTouched(generation: generation) }
                try tx.execute("COMMIT")
                if kind == .write { lookBack.commit(version: generation) }
                return value
            } catch {
                if kind == .write { lookBack.rollback() }
                _ = try? tx.execute("ROLLBACK")
                guard attempt < Self.attempts, Self.isSerializationFailure(error) else { throw error }
                usleep(useconds_t.random(in: 200...(1_000 * useconds_t(attempt))))
                attempt += 1
            }
        }
    }

    /// The connection, connected again first if it was closed. Runs on the store's thread, which may wait.
    private func liveConnection(_ lane: Lane) throws -> PostgresConnection {
        let current = lane.connection.withLock { $0 }
        if let current, !current.isClosed { return current }
        if current != nil { logger.warning("reconnecting to PostgreSQL", metadata: ["database": "\(url.redacted)"]) }
        let fresh = try Self.connecting(url, tls: tls, logger: logger).wait()
        lane.connection.withLock { $0 = fresh }
        return fresh
    }

    static func isSerializationFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// A new connection to `url`, as the store makes them.
    static func connect(_ url: PostgresURL, logger: Logger) async throws -> PostgresConnection {
        try await connect(url, tls: try tls(url.sslMode), logger: logger)
    }

    private static func connect(_ url: PostgresURL, tls: PostgresConnection.Configuration.TLS, logger: Logger) async throws -> PostgresConnection {
        try await connecting(url, tls: tls, logger: logger).get()
    }

    /// The one way a connection is made: awaited at start, waited for on the store's thread when it reconnects.
    private static func connecting(_ url: PostgresURL, tls: PostgresConnection.Configuration.TLS, logger: Logger) -> EventLoopFuture<PostgresConnection> {
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.username, password: url.password,
                                                             database: url.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger)
    }

    /// libpq's modes: `prefer` and `require` encrypt without checking the certificate, `verify-ca` checks who signed it,
    /// `verify-full` also that it names the host.
    private static func tls(_ mode: PostgresURL.SSLMode) throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return .disable
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        let context = try NIOSSLContext(configuration: configuration)
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    /// What went wrong, with PostgreSQL's own message and SQLSTATE when the server sent one (PSQLError's description hides
    /// them); never the password, which no query or server message carries.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            return "\(message) (SQLSTATE \(info[.sqlState] ?? "?"))"
        }
        return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
    }
}

extension PostgresStore {
    /// Copies every table of a SQLite store into this database in one transaction (`hindsight store copy`). Refused
    /// unless this database holds no incident yet, so nothing is merged or doubled; a failure leaves it as it was.
    /// - Returns: how many rows each table received, in `StoreCopy.tables` order.
    public func copy(from source: Store) async throws -> [(table: String, rows: Int)] {
        var tables: [(name: String, columns: [String], rows: [[StoreCopy.Value]])] = []
        for (name, columns) in StoreCopy.tables { tables.append((name, columns, try source.rows(of: name, columns: columns))) }
        let copied = tables
        let counts = try await write { tx -> [(table: String, rows: Int)]? in
            guard try tx.allIncidents().isEmpty else { return nil }
            return try copied.map { table in
                let placeholders = (1...table.columns.count).map { "$\($0)" }.joined(separator: ", ")
                let insert = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(placeholders))"
                for row in table.rows {
                    var binds = PostgresBindings()
                    for value in row {
                        switch value {
                        case let .integer(number): binds.append(number)
                        case let .real(number): binds.append(number)
                        case let .text(text): binds.append(text)
                        case .null: binds.appendNull()
                        }
                    }
                    try tx.execute(PostgresQuery(unsafeSQL: insert, binds: binds))
                }
                return (table.name, table.rows.count)
            }
        }
        guard let counts else { throw StoreCopyError.targetNotEmpty }
        return counts
    }
}

/// Why `hindsight store copy` did not copy.
public enum StoreCopyError: Error, CustomStringConvertible, Sendable {
    case targetNotEmpty

    public var description: String {
        switch self {
        case .targetNotEmpty: "the PostgreSQL database already holds incidents: copy into a new, empty database (hindsight migrate creates the tables)."
        }
    }
}
