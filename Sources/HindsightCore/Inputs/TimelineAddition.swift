import Foundation

/// A message someone asked to put on an incident's timeline outside the flow of capture: Slack's "Add to timeline"
/// message shortcut, Mattermost's `/postmortem pin <permalink>`. It may be from before the incident started (it joins
/// the timeline at its own time) or from another channel (it keeps its channel).
public struct TimelineAddition: Hashable, Sendable {
    public var message: ChannelMessage
    /// Why it matters, in the asker's words (optional).
    public var note: String?
    public var by: Person
    /// Where the person asked from: the incident open there is the one the message joins when its own channel has
    /// none.
    public var askedIn: ChannelKey
    public var at: Date

    public init(message: ChannelMessage, note: String? = nil, by: Person, askedIn: ChannelKey, at: Date) {
        self.message = message
        self.note = note
        self.by = by
        self.askedIn = askedIn
        self.at = at
    }
}
