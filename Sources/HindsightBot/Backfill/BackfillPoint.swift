import Foundation
import HindsightCore

/// Where capture stands in one open incident channel, read before a reconnect: a backfill fetches what came after.
public struct BackfillPoint: Sendable, Equatable {
    public var channel: ChannelKey
    /// The newest captured message's time (the incident's start when nothing is captured yet).
    public var since: Date
    /// That message's platform id, for cursor paging; nil when nothing is captured yet.
    public var lastMessageID: String?
    public var incidentStartedAt: Date
    /// Thread parents the incident's captured replies point at, so replies to old parents are fetched too.
    public var threadParentIDs: [String]

    public init(channel: ChannelKey, since: Date, lastMessageID: String? = nil, incidentStartedAt: Date, threadParentIDs: [String] = []) {
        self.channel = channel
        self.since = since
        self.lastMessageID = lastMessageID
        self.incidentStartedAt = incidentStartedAt
        self.threadParentIDs = threadParentIDs
    }

    /// The points by channel, each from the earlier of its times, with the threads of all of them.
    public static func merged(_ points: [BackfillPoint]) -> [BackfillPoint] {
        var byChannel: [ChannelKey: BackfillPoint] = [:]
        for point in points {
            guard let other = byChannel[point.channel] else {
                byChannel[point.channel] = point
                continue
            }
            let earlier = point.since < other.since ? point : other
            byChannel[point.channel] = BackfillPoint(
                channel: point.channel, since: earlier.since, lastMessageID: earlier.lastMessageID,
                incidentStartedAt: min(point.incidentStartedAt, other.incidentStartedAt),
                threadParentIDs: Array(Set(point.threadParentIDs).union(other.threadParentIDs)).sorted()
            )
        }
        return byChannel.values.sorted { $0.channel.channelID < $1.channel.channelID }
    }
}
