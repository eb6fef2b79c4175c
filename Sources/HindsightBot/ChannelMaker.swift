import HindsightCore
import Synchronization

/// Creates an incident's own channel on a platform (`/postmortem start … --channel`): the channel, the declarer and
/// the people named invited, the topic set. Each adapter implements it with its own calls.
public protocol ChannelMaker: Sendable {
    /// Creates the channel `request` names, declared by `person` from `channel`; returns it, how chat links to it, and
    /// what did not work but did not stop it (an invitation refused…).
    func create(_ request: IncidentChannelRequest, by person: Person, from channel: ChannelKey) async throws(ChannelMakerError)
        -> (channel: ChannelKey, link: String, warnings: [String])
}

/// Why a channel could not be created; the description says what to fix.
public struct ChannelMakerError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// The channel makers of the platforms that run, registered by the composition once the adapters exist.
public final class ChannelMakers: Sendable {
    private let makers = Mutex<[Platform: any ChannelMaker]>([:])

    public init() {}

    public func register(_ maker: any ChannelMaker, for platform: Platform) {
        makers.withLock { $0[platform] = maker }
    }

    func maker(for platform: Platform) -> (any ChannelMaker)? { makers.withLock { $0[platform] } }
}
