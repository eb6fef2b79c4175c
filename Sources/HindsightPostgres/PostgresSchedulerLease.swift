import HindsightStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The scheduler lease among replicas on one PostgreSQL database: a session-level advisory lock, held on a connection
/// of its own for as long as that connection lives. When the process holding it dies, PostgreSQL closes its session and
/// frees the lock, and the next replica to ask (every scheduler round, a few seconds apart) takes it over.
public final class PostgresSchedulerLease: SchedulerLease {
    /// The advisory lock's key (distinct from the store's writer and migration locks).
    static let key: Int64 = 0x4869_6E64_7369_6703

    private let url: PostgresURL
    private let logger: Logger
    /// The connection asking for the lock, kept between rounds; the lock, once granted, lives as long as it does.
    private let session = Mutex<(connection: PostgresConnection?, held: Bool)>((nil, false))

    public init(_ url: PostgresURL, logger: Logger = Logger(label: "hindsight.postgres")) {
        self.url = url
        self.logger = logger
    }

    deinit {
        if let connection = session.withLock({ $0.connection }) {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    public func holds() async -> Bool {
        let (current, held) = session.withLock { ($0.connection, $0.held) }
        if let current, !current.isClosed, held { return true }
        do {
            let connection: PostgresConnection
            if let current, !current.isClosed {
                connection = current
            } else {
                if held { logger.warning("scheduler lease lost with its connection; asking again") }
                connection = try await PostgresStore.connect(url, logger: logger)
            }
            let granted = try await connection.query("SELECT pg_try_advisory_lock(\(Self.key))", logger: logger)
                .collect().first.map { try $0.decode(Bool.self) } ?? false
            session.withLock { $0 = (connection, granted) }
            if granted { logger.notice("this process now runs the scheduled work (reminders, tracker sync)") }
            return granted
        } catch {
            logger.warning("scheduler lease unavailable", metadata: ["error": "\(PostgresStore.describe(error))"])
            session.withLock { $0.held = false }
            return false
        }
    }
}
