import ArgumentParser
import Foundation
import HindsightCore
import HindsightPrompts
import HindsightStore

/// `hindsight report <incident-id>`: the post-mortem report as it would be published now, from the command line.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print an incident's post-mortem report (Markdown from Prompts/report.mustache, or the report data as JSON)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, json }

    @Argument(help: "The incident id, e.g. INC-2026-1122-001 (`hindsight stats` lists them).")
    var incident: String

    @Option(help: "markdown or json.")
    var format: Format = .markdown

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let source = try options.source()
        let settings = try Composition.settings(source)
        let prompts: PromptSet
        do {
            prompts = try PromptSet(explicit: settings.promptsPath)
        } catch {
            throw ValidationError("Prompts: \(error)")
        }
        var desk = prompts.desk(zone: settings.timeZone, redact: { $0 })
        desk.markups = Platforms.markups
        let id = IncidentID(rawValue: incident.uppercased())
        let found = try await Composition.read(settings, source) { tx -> (Incident, [TimelineEvent], PostmortemDraft)? in
            guard let incident = try tx.incident(id) else { return nil }
            return (incident, try tx.events(of: id), try tx.postmortem(of: id) ?? PostmortemDraft(incidentID: id))
        }
        guard let (incident, events, draft) = found else {
            throw ValidationError("There is no incident \(id.rawValue) in \(Composition.shownDatabase(settings)); `hindsight stats` lists the incidents.")
        }
        let model = desk.reportModel(incident: incident, events: events, draft: draft, now: Date(), revision: draft.publications)
        switch format {
        case .markdown:
            FileHandle.standardOutput.write(Data(desk.renderReport(model).utf8))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(model))
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }
}
