import HindsightCore

/// Where a platform shows incident cards: each adapter implements it with its own calls (Slack `chat.postMessage`,
/// `pins.add`, `chat.update`; Mattermost `POST /posts`, `/pin`, `PUT /patch`).
public protocol CardSurface: Sendable {
    /// Posts the card in its channel; returns the message id.
    func post(_ card: IncidentCard) async throws(CardSurfaceError) -> String
    /// Pins the card's message in its channel (already pinned is fine).
    func pin(_ messageID: String, in channel: ChannelKey) async throws(CardSurfaceError)
    /// Replaces the content of the card's message.
    func edit(_ messageID: String, _ card: IncidentCard) async throws(CardSurfaceError)
}

/// Why a card could not be shown.
public enum CardSurfaceError: Error, Sendable, CustomStringConvertible {
    /// The card's message no longer exists (someone deleted it).
    case gone
    /// The platform kept answering 429; `retryAfter` when it said how long to wait.
    case rateLimited(retryAfter: Duration?)
    /// Anything else, as the platform's error describes it.
    case failed(String)

    public var description: String {
        switch self {
        case .gone: "the card's message no longer exists"
        case let .rateLimited(retryAfter): "rate limited" + (retryAfter.map { " (retry after \($0))" } ?? "")
        case let .failed(reason): reason
        }
    }
}
