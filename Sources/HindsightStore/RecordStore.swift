/// A store the bot runs on, one transaction at a time: SQLite's `Store` (the default) or PostgreSQL's `PostgresStore`
/// (`HINDSIGHT_DB=postgres://…`). The bot reads and writes only through `BotRecords`, which both answer alike.
public protocol RecordStore: Sendable {
    associatedtype Records: BotRecords
    /// Runs `body` in one write transaction: its reads and its changes commit together or not at all.
    func write<T: Sendable>(_ body: @escaping @Sendable (Records) throws -> T) async throws(StoreError) -> T
    /// Runs `body` in one read transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (Records) throws -> T) async throws(StoreError) -> T
}

extension Store: RecordStore {}
