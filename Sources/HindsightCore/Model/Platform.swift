/// The chat platform a channel, message or person belongs to, by the name the store keeps (`slack`). Open, so a new
/// platform declares its own value in its adapter module (`extension Platform { static let teams = Platform(rawValue:
/// "teams") }`) without a change here; the core decides nothing by platform (what differs comes in as its
/// `ChatMarkup` and the request's capabilities). The three the bot ships with are named here for the store and tests.
public struct Platform: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let console = Platform(rawValue: "console")
    public static let slack = Platform(rawValue: "slack")
    public static let mattermost = Platform(rawValue: "mattermost")

    /// Encoded as its name alone, as the enum it replaced was.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
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
