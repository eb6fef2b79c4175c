import ArgumentParser

/// `hindsight`: the incident-channel bot and its tools.
@main
struct HindsightCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "hindsight",
        abstract: "An incident-channel bot: captures the timeline, guides the blameless post-mortem, publishes the report.",
        discussion: """
            Start with `hindsight run`. With no chat credentials it opens a console channel in this terminal: every line \
            you type is a channel message, and `/postmortem help` lists the commands.

            Settings come from a YAML file (--config) and environment variables, which override it (see README.md): \
            HINDSIGHT_DB, HINDSIGHT_PROMPTS, HINDSIGHT_TIMEZONE, HINDSIGHT_LOG_LEVEL, \
            MATTERMOST_URL + MATTERMOST_TOKEN. `hindsight config` shows what is in effect.
            """,
        version: version,
        subcommands: [RunCommand.self, DoctorCommand.self, HealthcheckCommand.self, PromptsCommand.self, BenchCommand.self, IngestCommand.self, EvalCommand.self, StatsCommand.self, ReportCommand.self, ExportCommand.self, BackupCommand.self, MigrateCommand.self, StoreCommand.self, ConfigCommand.self],
        defaultSubcommand: nil
    )
}
