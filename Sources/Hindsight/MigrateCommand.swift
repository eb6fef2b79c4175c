import ArgumentParser
import HindsightPostgres
import HindsightStore

/// `hindsight migrate`: brings the database to this version's schema and says what it holds. Every command that opens
/// the store migrates it too; this one does only that, for a deployment step before the bot starts (on PostgreSQL a
/// second process migrating at the same moment waits for the first, then finds nothing to do).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database migrations this version needs (SQLite file or PostgreSQL) and list them."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let source = try options.source()
        let settings = try Composition.settings(source)
        let migrations: [String]
        let shown: String
        do {
            if PostgresURL.isPostgres(settings.databasePath) {
                let url = try Composition.postgresURL(settings, source)
                (migrations, shown) = (try await PostgresStore.using(url) { try await $0.appliedMigrations() }, url.redacted)
            } else {
                (migrations, shown) = (try Store(path: settings.databasePath).appliedMigrations(), settings.databasePath)
            }
        } catch let error as StoreError {
            throw ValidationError(error.description)
        }
        print("\(shown): \(migrations.count) migrations applied, the last \(migrations.last ?? "none").")
    }
}
