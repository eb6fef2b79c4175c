import Foundation

/// A parsed `/postmortem …` command. Each case carries exactly what its handler needs.
public enum PostmortemCommand: Hashable, Sendable {
    case help
    case start(title: String, severity: Severity?, at: Date?)
    /// `start … --channel [@people]`: start the incident in a channel of its own, inviting the people named.
    case declare(title: String, severity: Severity?, at: Date?, invite: [String])
    case severity(Severity)
    case milestone(MilestoneKind, at: Date?, note: String?)
    case reopen
    case status
    case note(text: String, at: Date?)
    case timeline(filter: TimelineFilter, page: Int)
    case pin(event: Int, on: Bool)
    case confirm(suggestion: Int)
    case dismiss(suggestion: Int)
    /// Who holds a role: a mention as typed, `me` for whoever typed it, nil to clear it.
    case role(IncidentRole, person: String?)
    /// Writing the post-mortem: sections, whys, actions, review.
    case postmortem(PostmortemRequest)

    /// Which events `/postmortem timeline` shows.
    public enum TimelineFilter: String, Hashable, Sendable {
        case all, key
    }
}

/// Why a command could not be parsed; each case names what to fix.
public enum CommandError: Error, Hashable, Sendable {
    case empty
    case unknownSubcommand(String)
    case missingArgument(subcommand: String, argument: String)
    case invalidTime(String)
    case invalidSeverity(String)
    case invalidNumber(String)
    case unexpectedArgument(subcommand: String, argument: String)
    case invalidDay(String)
    case invalidPriority(String)
    case invalidActionType(String)
    case invalidRole(String)
}
