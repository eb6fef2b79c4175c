import ArgumentParser
import Foundation
import HindsightPostgres
import HindsightStore

/// `hindsight store copy`: moves an installation from its SQLite file to a PostgreSQL database.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move the records between stores.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy every incident, timeline, post-mortem and the bot's own records from a SQLite file into a new PostgreSQL database.",
            discussion: """
                Stop the bot first (what it captures meanwhile would not be copied). The PostgreSQL database must hold no \
                incident yet; it is migrated first, and the copy is one transaction: all of it or nothing. The password \
                comes from the URL or HINDSIGHT_DB_PASSWORD(_FILE). Then set HINDSIGHT_DB to the PostgreSQL URL.
                """
        )

        @Option(help: "The SQLite file: sqlite:PATH or a path.")
        var from: String
        @Option(help: "The PostgreSQL database: postgres://user@host:5432/name?sslmode=….")
        var to: String

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let source = try options.source()
            let path = from.hasPrefix("sqlite:") ? String(from.dropFirst("sqlite:".count)) : from
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--from \(from): there is no such file; give the SQLite file the bot used (HINDSIGHT_DB).")
            }
            let url: PostgresURL
            do {
                url = try PostgresURL(to, password: source["HINDSIGHT_DB_PASSWORD"])
            } catch {
                throw ValidationError("--to: \(error.description)")
            }
            do {
                let sqlite = try Store(path: path)
                let copied = try await PostgresStore.using(url) { try await $0.copy(from: sqlite) }
                for (table, rows) in copied { print("\(table): \(rows) rows") }
                print("Copied \(path) into \(url.redacted). Set HINDSIGHT_DB to that URL to run on it.")
            } catch let error as StoreCopyError {
                throw ValidationError(error.description)
            } catch let error as StoreError {
                throw ValidationError(error.description)
            }
        }
    }
}
