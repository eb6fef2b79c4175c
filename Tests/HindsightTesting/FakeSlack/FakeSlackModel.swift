import Foundation
import Synchronization

/// The bot's acknowledgement of a Socket Mode envelope, as `FakeSlack` received it.
public struct FakeSlackAck: Sendable {
    /// The envelope the ack answered.
    public var envelopeID: String
    /// The ack's `payload` (a slash command reply, a `response_action`…), if it carried one.
    public var payload: FakeJSON?
    /// Time from writing the envelope to receiving its first ack.
    public var latency: Duration
    /// The `trigger_id` the envelope carried (slash commands, modal submissions, clicks), to tell which one a
    /// `views.open` used.
    public var triggerID: String? = nil
}

/// A value typed into a modal's input block, rendered the way Slack reports that element's state.
public enum FakeSlackInputValue: Sendable, Equatable {
    /// `plain_text_input`: `{"value": …}`.
    case text(String)
    /// `datepicker`: `{"selected_date": "YYYY-MM-DD"}`.
    case date(String)
    /// `users_select`: `{"selected_user": "U…"}`.
    case user(String)
    /// `conversations_select`: `{"selected_conversation": "C…"}`.
    case conversation(String)
    /// `static_select`: `{"selected_option": {"text": …, "value": …}}`.
    case option(String)
}

/// One Web API call the bot made, refused ones included.
public struct FakeSlackCall: Sendable {
    /// The method name, e.g. `chat.postMessage`.
    public var method: String
    /// When the request arrived.
    public var at: ContinuousClock.Instant
    /// Query, JSON or form arguments merged into one object (form values stay strings).
    public var arguments: FakeJSON
    /// The HTTP status the fake answered with (200 for Slack's `ok: false` errors).
    public var status: Int
}

/// What went wrong when a test drove `FakeSlack`.
public enum FakeSlackError: Error, CustomStringConvertible, Equatable {
    /// The bot did not acknowledge the envelope within the timeout.
    case noAck(envelopeID: String)
    /// No Socket Mode connection had received `hello` (or all were refreshing, stalled or closed).
    case noLiveConnection
    /// `submitView` named a view that was never opened with `views.open`, or was closed by a submission.
    case unknownView(id: String)
    /// `submitView` gave a value for a block the view has no input block for.
    case unknownInputBlock(viewID: String, blockID: String)
    /// `clickButton` named a message the channel (and the ephemeral messages) do not have.
    case unknownMessage(channel: String, ts: String)
    /// `clickButton` named an `action_id` no block of the message carries.
    case unknownAction(messageTS: String, actionID: String)

    /// What to look at, for test failure messages.
    public var description: String {
        switch self {
        case .noAck(let id): "the bot did not acknowledge envelope \(id) in time"
        case .noLiveConnection: "no live Socket Mode connection (none has received hello, or all are closing)"
        case .unknownView(let id): "no open view \(id): open it with views.open first"
        case .unknownInputBlock(let view, let block): "view \(view) has no input block \(block)"
        case .unknownMessage(let channel, let ts): "no message \(ts) in \(channel)"
        case .unknownAction(let ts, let action): "message \(ts) has no element with action_id \(action)"
        }
    }
}

/// When an envelope went out and how long its first ack took.
public struct FakeSlackAckTiming: Sendable, Equatable {
    public let sentAt: ContinuousClock.Instant
    public let latency: Duration
}

/// Counters of the Socket Mode side, for assertions and `waitFor`.
public struct FakeSlackStats: Sendable, Equatable {
    /// WebSockets accepted with a valid, unused ticket.
    public var connectionsOpened = 0
    /// WebSockets closed at once: unknown or reused ticket, wrong path, or Socket Mode disabled.
    public var connectionsRefused = 0
    /// `hello` frames sent.
    public var hellosSent = 0
    /// Connections that got `hello` and are not refreshing, stalled or closed.
    public var liveConnections = 0
    /// Envelopes of every type written to a socket, redeliveries included.
    public var envelopesSent = 0
    /// `events_api` envelopes sent with `retry_attempt` > 0.
    public var redeliveries = 0
    /// Distinct envelope ids acknowledged (any type).
    public var acked = 0
    /// Distinct `event_id`s acknowledged through any of their envelopes.
    public var ackedEvents = 0
    /// Events never acknowledged after `maxRetries` redeliveries.
    public var givenUp = 0
    /// The `event_id`s counted in `givenUp`.
    public var givenUpEventIDs: [String] = []
    /// Acks naming an envelope id the fake never sent.
    public var unknownAcks = 0
    /// Further acks of an envelope already acknowledged.
    public var duplicateAcks = 0
    /// Client text frames that were not JSON objects with an `envelope_id`.
    public var malformedFrames = 0
    /// The first ack of each envelope, in ack order: when the envelope went out and how long its ack took.
    public var ackTimings: [FakeSlackAckTiming] = []
    /// Latency of the first ack of each envelope, in ack order.
    public var ackLatencies: [Duration] { ackTimings.map(\.latency) }
    /// WebSocket pings the clients sent.
    public var pingsReceived = 0
    /// `events_api` events waiting for a live connection.
    public var pendingEvents = 0
}

/// Slack-style ids and timestamps.
enum FakeSlackID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    private static let hex = Array("0123456789abcdef".utf8)
    /// A splitmix64 sequence seeded from the system: ids that do not repeat across runs, without a system call
    /// for each (the fake mints several per message on its load path).
    private static let sequence = Atomic<UInt64>({ var system = SystemRandomNumberGenerator(); return system.next() }())

    private static func random() -> UInt64 {
        var z = sequence.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `prefix` plus random upper-case letters and digits, e.g. `Ev0A1B2C3D4E`, twelve from each 64 random bits.
    static func make(_ prefix: String, length: Int = 10) -> String {
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + length)
        var remaining = length
        while remaining > 0 {
            var bits = random()
            for _ in 0..<min(12, remaining) {
                bytes.append(alphabet[Int(bits % 36)])
                bits /= 36
            }
            remaining -= min(12, remaining)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A lower-case version-4 UUID, the shape of envelope ids and tickets.
    static func uuid() -> String {
        let high = random(), low = random()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        for index in 0..<32 {
            var nibble = Int(((index < 16 ? high : low) >> UInt64(60 - 4 * (index % 16))) & 0xF)
            if index == 12 { nibble = 4 }  // the version
            if index == 16 { nibble = 8 | (nibble & 3) }  // the variant
            if index == 8 || index == 12 || index == 16 || index == 20 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(hex[nibble])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Microseconds since 1970 → `"1700000000.000100"`.
    static func ts(micros: Int64) -> String {
        let seconds = micros / 1_000_000
        let fraction = String(micros % 1_000_000)
        return "\(seconds)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// `"1700000000.000100"`, `"1700000000"` or a JSON number → microseconds; nil when unreadable.
    static func micros(_ value: FakeJSON?) -> Int64? {
        switch value {
        case .string(let text)?:
            let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard let seconds = parts.first.flatMap({ Int64($0) }) else { return nil }
            guard parts.count == 2 else { return seconds * 1_000_000 }
            let digits = parts[1].prefix(6)
            guard digits.allSatisfy(\.isNumber), let fraction = Int64(digits.isEmpty ? "0" : String(digits)) else { return nil }
            return seconds * 1_000_000 + fraction * Int64(pow(10, Double(6 - digits.count)))
        case .number(let n)?:
            return n.isFinite ? Int64((n * 1_000_000).rounded()) : nil
        default:
            return nil
        }
    }

    /// Now, as whole seconds since 1970.
    static func epochSeconds() -> Int { Int(Date().timeIntervalSince1970) }
}
