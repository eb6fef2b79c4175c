/// The chat platform a channel, message or person belongs to.
public enum Platform: String, Codable, Sendable, CaseIterable {
    case console
    case slack
    case mattermost
}

/// A channel on one platform: the unit an incident is bound to.
public struct ChannelKey: Hashable, Codable, Sendable, CustomStringConvertible {
    public var platform: Platform
    public var channelID: String

    public init(platform: Platform, channelID: String) {
        self.platform = platform
        self.channelID = channelID
    }

    public var description: String { "\(platform.rawValue):\(channelID)" }
}

/// Someone (or something) that acts in a channel: kept as the platform id and the display name at the time.
public struct Person: Hashable, Codable, Sendable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}
