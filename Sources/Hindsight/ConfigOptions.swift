import ArgumentParser
import Foundation
import HindsightConfig

/// `--config <file>` on every command that reads settings.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "A YAML settings file (see Deploy/hindsight.example.yaml); environment variables override it.")
    var config: String?

    /// The merged settings source, or a validation error naming the key, the value and what is expected.
    func source() throws -> SettingsSource {
        do {
            return try SettingsSource(yamlFile: config ?? ProcessInfo.processInfo.environment["HINDSIGHT_CONFIG"],
                                      environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// `hindsight config`: the effective settings and where each came from, secrets masked.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective settings and where each came from (secrets masked), then validate them."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let source = try options.source()
        for line in Settings.describe(source) { print(line) }
        do {
            _ = try Settings(source)
            print("\nSettings are valid.")
        } catch {
            throw ValidationError(error.description)
        }
    }
}
