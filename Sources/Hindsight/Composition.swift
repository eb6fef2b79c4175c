import ArgumentParser
import Foundation
import HindsightBot
import HindsightConfig
import HindsightCore
import HindsightNet
import HindsightPostgres
import HindsightPrometheus
import HindsightPrompts
import HindsightServer
import HindsightSlack
import HindsightStore
import Logging

/// The one place that builds the program's parts from settings: logging, prompts, store, desk, bot.
struct Composition {
    let settings: Settings
    let logger: Logger
    let prompts: PromptSet
    let bot: Bot
    /// The SQLite store, for the web archive's reads (the bot itself owns every write); nil on PostgreSQL, whose archive
    /// search is not built yet.
    let store: Store?
    let desk: IncidentDesk

    /// Who runs the scheduled work among replicas on one PostgreSQL database; always this process on SQLite.
    let lease: any SchedulerLease
    /// How often the reminder scheduler runs a round: on PostgreSQL often enough that a replica takes the rounds over
    /// within seconds of the one running them dying.
    var schedulerInterval: Duration { lease is SoleProcess ? .seconds(60) : .seconds(5) }

    let source: SettingsSource
    /// The websocket client of the configured chat platforms (nil for the console), already setting up its TLS
    /// context on a thread of its own while `Prompts/` load and the store opens.
    var webSockets: WebSocketClient? = nil
    /// Slack's identity and first connection, on their way while `Prompts/` load and the store opens (`run` on Slack).
    var slackHeadStart: SlackHeadStart? = nil

    /// Reads and validates settings, failing with a message naming the setting.
    static func settings(_ source: SettingsSource) throws -> Settings {
        do {
            return try Settings(source)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The SQLite file HINDSIGHT_DB names, for the commands that need a file (`backup`). A PostgreSQL URL is refused
    /// with what to use instead, rather than taken for a file name.
    static func sqlitePath(_ settings: Settings, for command: String) throws -> String {
        guard PostgresURL.isPostgres(settings.databasePath) else { return settings.databasePath }
        throw ValidationError("""
            HINDSIGHT_DB names a PostgreSQL database (\(shownDatabase(settings))); `hindsight \(command)` needs a SQLite file, e.g. \
            HINDSIGHT_DB=./hindsight.sqlite\(command == "backup" ? ". For a copy of a PostgreSQL database, use pg_dump (see README, PostgreSQL)" : "").
            """)
    }

    /// How messages name the store HINDSIGHT_DB names: the SQLite path, or the PostgreSQL URL without its password.
    static func shownDatabase(_ settings: Settings) -> String {
        guard PostgresURL.isPostgres(settings.databasePath) else { return settings.databasePath }
        return (try? PostgresURL(settings.databasePath).redacted) ?? "postgres://…"
    }

    /// The PostgreSQL database HINDSIGHT_DB names, with HINDSIGHT_DB_PASSWORD(_FILE) as its password when given.
    static func postgresURL(_ settings: Settings, _ source: SettingsSource) throws -> PostgresURL {
        do {
            return try PostgresURL(settings.databasePath, password: source["HINDSIGHT_DB_PASSWORD"])
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The store HINDSIGHT_DB names, opened and migrated.
    struct OpenedStore {
        /// What the bot records through.
        let records: any RecordStore
        /// The same store when it is a SQLite file (the web archive reads it); nil on PostgreSQL.
        let sqlite: Store?
        /// How logs and `doctor` name it: the path, or the URL without its password.
        let shown: String
        /// Who runs the scheduled work: this process on SQLite, the lease's holder among replicas on PostgreSQL.
        let lease: any SchedulerLease
    }

    /// Opens (and migrates) the SQLite file or the PostgreSQL database HINDSIGHT_DB names: for `run`, `ingest` and
    /// `doctor` alike.
    static func openStore(_ settings: Settings, _ source: SettingsSource) async throws -> OpenedStore {
        guard PostgresURL.isPostgres(settings.databasePath) else {
            let file = try Store(path: settings.databasePath, synchronous: settings.synchronous == .full ? .full : .normal)
            return OpenedStore(records: file, sqlite: file, shown: settings.databasePath, lease: SoleProcess())
        }
        let url = try postgresURL(settings, source), logger = Logger(label: "hindsight.postgres")
        return OpenedStore(records: try await PostgresStore.open(url, logger: logger), sqlite: nil, shown: url.redacted,
                           lease: PostgresSchedulerLease(url, logger: logger))
    }

    /// Runs `body` in one read transaction of the store HINDSIGHT_DB names, SQLite or PostgreSQL (`stats`, `report`,
    /// `export`), and closes it.
    static func read<T: Sendable>(_ settings: Settings, _ source: SettingsSource, _ body: @escaping @Sendable (any BotRecords) throws -> T) async throws -> T {
        let opened = try await openStore(settings, source)
        func read<S: RecordStore>(_ store: S) async throws -> T { try await store.read { try body($0) } }
        do {
            let value = try await read(opened.records)
            await (opened.records as? PostgresStore)?.close()
            return value
        } catch {
            await (opened.records as? PostgresStore)?.close()
            throw error
        }
    }

    /// Builds everything `run` needs, or fails with a message that says what to fix.
    /// - Parameter connecting: `run` passes true: when a chat platform is configured, its websocket client starts
    ///   setting up (TLS and the system's CA certificates) before the slower parts are built, instead of after them.
    static func start(_ options: ConfigOptions, connecting: Bool = false) async throws -> Composition {
        let source = try options.source()
        let settings = try settings(source)
        let secrets = Settings.secretValues(source)
        LoggingSystem.bootstrap { label in
            LogOutput(label: label, format: settings.logFormat, level: Logger.Level(rawValue: settings.logLevel) ?? .info, secrets: secrets)
        }
        let logger = Logger(label: "hindsight")
        // After the logging bootstrap, so libwebsockets' lines go through the redacting log output.
        let webSockets = connecting ? Platforms.preparedWebSockets(source.values) : nil
        let slackHeadStart = webSockets.flatMap { Platforms.slackHeadStart(source.values, webSockets: $0, logger: logger) }
        do {
            let prompts = try PromptSet.checked(explicit: settings.promptsPath)
            let opened = try await openStore(settings, source)
            // Every text is redacted with Prompts/redaction.yaml before it is stored (compiled once, at start).
            var desk = prompts.desk(zone: settings.timeZone)
            desk.stakeholderChannels = settings.stakeholderChannels
            desk.markups = Platforms.markups
            desk.incidentChannels = settings.incidentChannelPattern.map(IncidentChannels.init(pattern:))
            logger.info("store open", metadata: ["db": "\(opened.shown)", "prompts": "\(prompts.origin)",
                                                 "redaction_patterns": "\(prompts.redactor.patternIDs.count)"])
            return Composition(settings: settings, logger: logger, prompts: prompts, bot: Bot(store: opened.records, desk: desk, logger: logger, reportsDirectory: URL(fileURLWithPath: settings.reportsDirectory),
                        filer: try TrackerSetup.filer(source, logger: logger),
                        prometheus: source["PROMETHEUS_URL"].map {
                            PrometheusClient(baseURL: $0, token: source["PROMETHEUS_TOKEN"], http: SharedHTTP.client)
                        }), store: opened.sqlite, desk: desk, lease: opened.lease, source: source, webSockets: webSockets,
                        slackHeadStart: slackHeadStart)
        } catch let error as PromptsError {
            throw ValidationError("Prompts: \(error)")
        } catch let error as StoreError {
            throw ValidationError("\(error)")
        }
    }

    /// `HINDSIGHT_CALLBACK_SECRET` (or `_FILE`), else the secret generated on first start and kept in the database.
    func callbackSecret() async throws -> String {
        let configured = source["HINDSIGHT_CALLBACK_SECRET"]
        if let configured, configured.utf8.count < 16 {
            throw ValidationError("HINDSIGHT_CALLBACK_SECRET has \(configured.utf8.count) characters: use at least 16 random characters (e.g. `openssl rand -hex 32`), or unset it to have one generated and kept in the database.")
        }
        do {
            return try await bot.callbackSecret(configured: configured, generate: CallbackSigner.generateSecret)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
