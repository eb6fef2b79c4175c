import ArgumentParser
import Foundation
import HindsightConfig
import HindsightMattermost
import HindsightNet
import HindsightPostgres
import HindsightPrometheus
import HindsightPrompts
import HindsightSlack
import HindsightStore
import HindsightTrackers
import Logging

/// `hindsight doctor`: checks every configured part live and prints a pass/fail table.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration and every configured integration live (store, Prompts, Slack, Mattermost, trackers, Prometheus)."
    )

    @OptionGroup var options: ConfigOptions

    struct Row {
        var check: String
        var passed: Bool?
        var detail: String
    }

    /// The store's rows: what it holds, and on PostgreSQL the server's version and the migrations (opening the store
    /// applied any missing, as `hindsight migrate` does).
    static func storeRows(_ store: Composition.OpenedStore) async throws -> [Row] {
        let count = try await store.records.read { tx in try tx.allIncidents().count }
        guard let postgres = store.records as? PostgresStore else {
            return [Row(check: "store", passed: true, detail: "\(store.shown): \(count) incidents")]
        }
        let (version, migrations) = (try await postgres.serverVersion(), try await postgres.appliedMigrations())
        return [Row(check: "store", passed: true, detail: "\(store.shown): PostgreSQL \(version), \(count) incidents"),
                Row(check: "migrations", passed: true, detail: "\(migrations.count) applied, the last \(migrations.last ?? "none")"),
                Row(check: "replicas", passed: nil, detail: "several bot processes may share this database (tested with two; README, PostgreSQL)")]
    }

    func run() async throws {
        let source = try options.source()
        let settings = try Composition.settings(source)
        var rows: [Row] = []
        let http = SharedHTTP.client
        defer { http.shutdown() }

        do {
            let prompts = try PromptSet.checked(explicit: settings.promptsPath)
            rows.append(Row(check: "prompts", passed: true, detail: prompts.origin))
        } catch {
            rows.append(Row(check: "prompts", passed: false, detail: "\(error)"))
        }
        var store: Composition.OpenedStore?
        do {
            let opened = try await Composition.openStore(settings, source)
            store = opened
            rows += try await Self.storeRows(opened)
        } catch {
            // A PostgreSQL error names the database itself (without its password).
            let shown = PostgresURL.isPostgres(settings.databasePath) ? "" : "\(settings.databasePath): "
            rows.append(Row(check: "store", passed: false, detail: "\(shown)\(error)"))
        }
        let reports = URL(fileURLWithPath: settings.reportsDirectory)
        let probe = reports.appendingPathComponent(".hindsight-doctor-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
            rows.append(Row(check: "reports directory", passed: true, detail: "\(reports.path) is writable"))
        } catch {
            rows.append(Row(check: "reports directory", passed: false, detail: "\(reports.path): \(error.localizedDescription)"))
        }

        var platforms = 0
        do {
            if let slack = try SlackConfiguration.fromEnvironment(source.values) {
                platforms += 1
                var channels: [String] = []
                if let store, let open = try? await store.records.read({ tx in try tx.openIncidents() }) {
                    channels = open.filter { $0.channel.platform == .slack }.map(\.channel.channelID)
                }
                for check in await SlackDoctor.run(slack, http: http, incidentChannels: channels) {
                    rows.append(Row(check: check.name, passed: check.passed, detail: check.detail))
                }
            }
        } catch {
            platforms += 1
            rows.append(Row(check: "slack", passed: false, detail: "\(error)"))
        }
        do {
            if let mattermost = try MattermostConfiguration.fromEnvironment(source.values) {
                platforms += 1
                let rest = MattermostREST(baseURL: mattermost.serverURL, token: mattermost.token, transport: http, logger: Logger(label: "doctor"), maxAttempts: 1)
                do {
                    let me = try await rest.me()
                    rows.append(Row(check: "mattermost", passed: true, detail: "\(mattermost.serverURL) as @\(me.username)"))
                } catch {
                    rows.append(Row(check: "mattermost", passed: false, detail: MattermostStartupError(serverURL: mattermost.serverURL, cause: error).description))
                }
                rows.append(Row(check: "mattermost slash command", passed: mattermost.commandToken != nil,
                                detail: mattermost.commandToken != nil ? "MATTERMOST_COMMAND_TOKEN set" : "MATTERMOST_COMMAND_TOKEN is not set: /postmortem will be refused"))
                if mattermost.publicURL == nil {
                    rows.append(Row(check: "mattermost dialogs", passed: nil, detail: "HINDSIGHT_PUBLIC_URL is not set: forms fall back to one-line commands"))
                }
            }
        } catch {
            platforms += 1
            rows.append(Row(check: "mattermost", passed: false, detail: "\(error)"))
        }
        if platforms == 0 {
            rows.append(Row(check: "chat platform", passed: nil, detail: "none configured: `hindsight run` opens the console channel"))
        }

        if let filer = try TrackerSetup.filer(source, logger: Logger(label: "doctor")) {
            for tracker in filer.trackers {
                do {
                    rows.append(Row(check: tracker.name, passed: true, detail: try await tracker.check()))
                } catch {
                    rows.append(Row(check: tracker.name, passed: false, detail: error.description))
                }
            }
        }
        if let url = source["PROMETHEUS_URL"] {
            do {
                let response = try await http.execute(HTTPClient.Request(url: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/status/buildinfo"))
                rows.append(Row(check: "prometheus", passed: response.isSuccess, detail: response.isSuccess ? url : "\(url): HTTP \(response.status)"))
            } catch {
                rows.append(Row(check: "prometheus", passed: false, detail: "\(url): \(error)"))
            }
        }
        if settings.web {
            do {
                let access = try WebSetup.access(source)
                _ = try WebSetup.templates(try PromptSet.checked(explicit: settings.promptsPath))
                rows.append(Row(check: "web archive", passed: true, detail: "\(WebSetup.summary(access)); templates compile"))
            } catch {
                rows.append(Row(check: "web archive", passed: false, detail: "\(error)"))
            }
        }
        let webhooks = try WebhookSetup.configuration(source)
        if !webhooks.isEmpty {
            rows.append(Row(check: "webhooks", passed: true, detail: "\(webhooks.routes.count) signal routes"))
        }

        let width = rows.map(\.check.count).max() ?? 5
        for row in rows {
            let mark = switch row.passed { case true?: "pass"; case false?: "FAIL"; case nil: "note" }
            print("\(row.check.padding(toLength: width, withPad: " ", startingAt: 0))  \(mark)  \(row.detail)")
        }
        if rows.contains(where: { $0.passed == false }) { throw ExitCode.failure }
    }
}
