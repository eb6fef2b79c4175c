import Foundation

/// Keeps one incident's live card in its channel: posts and pins it the first time, edits it in place when what it
/// shows changes, at most once every `interval` however fast the incident changes, waits out a rate limit, and posts
/// it again when someone deletes it.
///
/// Pure: the keeper feeds it what happened (`Event`) with the time, and performs what it asks (`Action`): reading the
/// card from the records, the platform calls, a wake-up. Only one render or platform call is in flight at a time, so
/// edits never overtake each other.
public struct CardMachine: Sendable {
    public enum Event: Hashable, Sendable {
        /// Something the card shows may have changed.
        case changed
        /// The wake-up the machine asked for is due.
        case due
        /// The answer to `.render`: the card as the records now stand (nil when the incident is gone), and the message it
        /// was last posted as, as stored.
        case rendered(IncidentCard?, storedMessage: String?)
        /// The card was posted as `messageID`.
        case posted(messageID: String)
        /// The card's message now shows what was sent.
        case edited
        /// The render, post or edit failed; `retryAfter` when the platform said how long to wait (HTTP 429).
        case failed(retryAfter: Duration?)
        /// The edit found the card's message gone.
        case gone
        /// A message was deleted in the incident's channel (the card, if it is this one).
        case deleted(messageID: String)
    }

    public enum Action: Hashable, Sendable {
        /// Read the card and the stored message id, and answer with `.rendered`.
        case render
        /// Post the card in its channel and answer with `.posted` or `.failed`.
        case post(IncidentCard)
        /// Pin the card's message (best effort: nothing answers).
        case pin(messageID: String)
        /// Store the card's message id, so a restart edits the same card.
        case remember(messageID: String)
        /// Replace the message's content with the card and answer with `.edited`, `.gone` or `.failed`.
        case edit(messageID: String, IncidentCard)
        /// Send `.due` at this time.
        case wake(at: Date)
    }

    /// What is in flight.
    public enum State: Hashable, Sendable {
        case idle
        case rendering
        case sending(IncidentCard)
    }

    /// The shortest time between two edits (and between two renders).
    public let interval: TimeInterval
    /// The longest wait after failures in a row (each doubles it, from `interval`).
    public let maximumBackoff: TimeInterval
    public private(set) var state: State = .idle
    /// The card's message, once known (read from the store on the first render, then as posted).
    public private(set) var message: String?
    /// What the card's message shows, as far as the machine knows (nil until it sent one itself).
    public private(set) var shown: IncidentCard?
    private var knowsStoredMessage = false
    /// Something changed since the last render.
    private var dirty = false
    /// No render or edit before this.
    private var notBefore = Date.distantPast
    private var wakeAt: Date?
    private var failures = 0

    public init(interval: TimeInterval = 2, maximumBackoff: TimeInterval = 300) {
        self.interval = interval
        self.maximumBackoff = maximumBackoff
    }

    public mutating func handle(_ event: Event, now: Date) -> [Action] {
        switch event {
        case .changed:
            dirty = true
            return advance(now)
        case .due:
            wakeAt = nil
            return advance(now)
        case let .rendered(card, stored):
            guard state == .rendering else { return advance(now) }
            state = .idle
            if !knowsStoredMessage {
                knowsStoredMessage = true
                message = message ?? stored
            }
            guard let card else { return [] }
            if card == shown, message != nil { return advance(now) }
            state = .sending(card)
            notBefore = max(notBefore, now.addingTimeInterval(interval))
            if let message { return [.edit(messageID: message, card)] }
            return [.post(card)]
        case let .posted(messageID):
            guard case let .sending(card) = state else { return [] }
            state = .idle
            message = messageID
            shown = card
            failures = 0
            return [.remember(messageID: messageID), .pin(messageID: messageID)] + advance(now)
        case .edited:
            guard case let .sending(card) = state else { return [] }
            state = .idle
            shown = card
            failures = 0
            return advance(now)
        case let .failed(retryAfter):
            guard state != .idle else { return [] }
            state = .idle
            failures += 1
            dirty = true
            let backoff = min(maximumBackoff, interval * pow(2, Double(failures - 1)))
            let asked = retryAfter.map { TimeInterval($0.components.seconds) + TimeInterval($0.components.attoseconds) / 1e18 } ?? 0
            notBefore = max(notBefore, now.addingTimeInterval(max(backoff, asked)))
            return advance(now)
        case .gone:
            guard case .sending = state else { return [] }
            state = .idle
            forget()
            notBefore = now
            return advance(now)
        case let .deleted(messageID):
            guard messageID == message else { return [] }
            forget()
            // An edit already on its way finds the message gone and says so; otherwise post again now.
            if state == .idle { notBefore = now }
            return advance(now)
        }
    }

    /// The card's message no longer exists: the next render posts a new one.
    private mutating func forget() {
        message = nil
        shown = nil
        dirty = true
    }

    private mutating func advance(_ now: Date) -> [Action] {
        guard state == .idle, dirty else { return [] }
        guard now >= notBefore else {
            if wakeAt == notBefore { return [] }
            wakeAt = notBefore
            return [.wake(at: notBefore)]
        }
        dirty = false
        state = .rendering
        notBefore = now.addingTimeInterval(interval)
        return [.render]
    }
}
