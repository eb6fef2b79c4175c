import ArgumentParser
import Foundation
import HindsightBot
import HindsightConsole
import HindsightCore
import HindsightPrompts
import HindsightStore
import Logging

/// `hindsight run`: runs the bot on the configured channels (the console when none is configured).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bot. With no Slack or Mattermost credentials, the terminal becomes the incident channel.",
        discussion: """
            With MATTERMOST_URL and MATTERMOST_TOKEN set it connects to Mattermost and serves slash commands on \
            HINDSIGHT_HTTP_PORT; SIGTERM or Ctrl-C stops it gracefully. Without them, pipe lines in to script the \
            console: printf '/postmortem start db down sev2\\nrolling back\\n' | hindsight run
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let app = try await Composition.start(options, connecting: true)
        let platforms = try Platforms(app, callbackSecret: try await app.callbackSecret())
        if platforms.isEmpty {
            await runConsole(app)
            return
        }
        do {
            try await platforms.run()
        } catch {
            // A startup refusal (bad token, unreachable server) is the whole story: say it plainly and exit 1.
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func runConsole(_ app: Composition) async {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "you"
        let console = ConsoleChannel(
            bot: app.bot, user: Person(id: "console:\(user)", name: user),
            filesDirectory: URL(fileURLWithPath: app.settings.filesDirectory), logger: app.logger)
        await console.run(lines: StandardInputLines()) { text in
            print(text)
        }
    }
}

/// `hindsight backup <path>`: a consistent copy of the database, safe while the bot runs.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the database (VACUUM INTO), safe while the bot is running."
    )

    @Argument(help: "Where to write the copy; the file must not exist yet.")
    var path: String

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let settings = try Composition.settings(options.source())
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("\(path) already exists; choose a new file name so no backup is overwritten.")
        }
        let store = try Store(path: try Composition.sqlitePath(settings, for: "backup"))
        try store.backup(to: path)
        print("Backed up \(settings.databasePath) to \(path).")
    }
}
