import ArgumentParser
import Foundation
import HindsightCore
import HindsightStore

/// `hindsight stats`: incident figures over a window, as a table or JSON for dashboards.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Incident counts, MTTD/MTTA/MTTM/MTTR (mean and median), MTBF and post-mortem follow-through over a window."
    )

    enum Format: String, ExpressibleByArgument { case text, json }

    @Option(help: "How far back to look, in days.")
    var days: Int = 90

    @Option(help: "Start of the window instead of --days (YYYY-MM-DD, UTC).")
    var since: String?

    @Option(help: "text or json.")
    var format: Format = .text

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let source = try options.source()
        let settings = try Composition.settings(source)
        let now = Date()
        var start = now.addingTimeInterval(-Double(days) * 86_400)
        if let since {
            guard let day = TimeExpression.parseDay(since, today: now) else {
                throw ValidationError("--since \(since) is not a date: use YYYY-MM-DD.")
            }
            start = day
        }
        let (incidents, drafts) = try await Composition.read(settings, source) { tx in (try tx.allIncidents(), try tx.allPostmortems()) }
        let window = DateInterval(start: start, end: max(start, now))
        let stats = IncidentStatistics(incidents: incidents, window: window)
        let follow = FollowThrough(incidents: incidents, drafts: drafts, window: window, now: now)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            // The incident figures stay at the top level (dashboards read them there); follow-through is added beside.
            var object = try JSONSerialization.jsonObject(with: try encoder.encode(stats)) as? [String: Any] ?? [:]
            object["followThrough"] = try JSONSerialization.jsonObject(with: try encoder.encode(follow))
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        case .text:
            print(Self.table(stats, from: start, to: now))
            print(Self.followThrough(follow))
        }
    }

    static func followThrough(_ f: FollowThrough) -> String {
        [
            "Post-mortems published: \(f.published) of \(f.resolved) resolved (\(FigureText.percent(f.completionRate))), mean \(FigureText.duration(f.timeToPublish.mean)) after resolution",
            "Action items done: \(f.actionsDone) of \(f.actions) (\(FigureText.percent(f.actionCompletionRate))), \(f.overdue) overdue",
        ].joined(separator: "\n")
    }

    static func table(_ s: IncidentStatistics, from: Date, to: Date) -> String {
        func figure(_ name: String, _ d: DurationSummary) -> String {
            let mean = FigureText.duration(d.mean)
            let median = FigureText.duration(d.median)
            return "\(name.padding(toLength: 5, withPad: " ", startingAt: 0)) mean \(mean.padding(toLength: 8, withPad: " ", startingAt: 0)) median \(median.padding(toLength: 8, withPad: " ", startingAt: 0)) (\(d.count) incidents)"
        }
        var lines = ["Incidents \(UTCFormat.day(from)) – \(UTCFormat.day(to)) (UTC): \(s.count), \(s.open) open"]
        lines.append("By severity: " + Severity.allCases.map { "\($0.rawValue) \(s.bySeverity[$0.rawValue] ?? 0)" }.joined(separator: ", "))
        lines.append("By month: " + (s.byMonth.isEmpty ? "—" : s.byMonth.keys.sorted().map { "\($0) \(s.byMonth[$0]!)" }.joined(separator: ", ")))
        lines += [figure("MTTD", s.timeToDetect), figure("MTTA", s.timeToAcknowledge), figure("MTTM", s.timeToMitigate), figure("MTTR", s.timeToResolve)]
        lines.append("MTBF  " + (s.meanTimeBetweenFailures.map(UTCFormat.duration) ?? "— (needs two incidents, the first resolved)"))
        return lines.joined(separator: "\n")
    }
}

/// `hindsight export`: every incident with its timeline and suggestions as JSON, for archives.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print every incident, its timeline and milestone suggestions as JSON (for archives)."
    )

    @OptionGroup var options: ConfigOptions

    struct IncidentExport: Encodable {
        var incident: Incident
        var timeline: [TimelineEvent]
        var suggestions: [MilestoneSuggestion]
        var postmortem: PostmortemDraft?
    }

    func run() async throws {
        let source = try options.source()
        let settings = try Composition.settings(source)
        let export = try await Composition.read(settings, source) { tx in
            try tx.allIncidents().map { IncidentExport(
                incident: $0, timeline: try tx.events(of: $0.id), suggestions: try tx.suggestions(of: $0.id), postmortem: try tx.postmortem(of: $0.id)
            ) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        FileHandle.standardOutput.write(try encoder.encode(export))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
