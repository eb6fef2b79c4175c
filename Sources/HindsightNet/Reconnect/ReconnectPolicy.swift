/// How long to wait before reconnecting: exponential backoff with optional jitter.
///
/// A pure value: the caller supplies the failure count (or keeps a `ReconnectBackoff`) and the
/// random number generator, so delays are deterministic under test. Jitter spreads reconnects
/// of many bots after a shared outage instead of letting them stampede the server.
public struct ReconnectPolicy: Sendable, Equatable {
    /// How randomness is applied to the exponential ceiling.
    public enum Jitter: Sendable, Equatable {
        /// Exactly the exponential ceiling: initial × multiplier^(n−1), capped.
        case none
        /// Uniform between zero and the ceiling ("full jitter").
        case full
        /// Uniform between the initial delay and three times the previous delay, capped ("decorrelated jitter").
        case decorrelated
    }

    /// The ceiling after the first failure.
    public var initialDelay: Duration
    /// Growth of the ceiling per further failure.
    public var multiplier: Double
    /// No delay is ever longer than this.
    public var maximumDelay: Duration
    /// How randomness is applied.
    public var jitter: Jitter

    /// Creates a policy; the defaults (1 s doubling to 60 s, full jitter) suit chat platforms' gateways.
    public init(
        initialDelay: Duration = .seconds(1),
        multiplier: Double = 2,
        maximumDelay: Duration = .seconds(60),
        jitter: Jitter = .full
    ) {
        self.initialDelay = max(initialDelay, .zero)
        self.multiplier = max(multiplier, 1)
        self.maximumDelay = max(maximumDelay, .zero)
        self.jitter = jitter
    }

    /// The delay before the next attempt after `n` consecutive failures; zero when `n` is zero.
    ///
    /// For `.decorrelated` the previous delay is taken to be the ceiling after `n − 1` failures;
    /// `ReconnectBackoff` remembers the actual previous delay instead.
    public func delay(afterFailures n: Int, random: inout some RandomNumberGenerator) -> Duration {
        delay(afterFailures: n, previousDelay: nil, random: &random)
    }

    /// The delay after `n` consecutive failures, with the system's randomness for the jitter.
    public func delay(afterFailures n: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(afterFailures: n, random: &random)
    }

    /// The exponential ceiling after `n` consecutive failures, before jitter.
    public func ceiling(afterFailures n: Int) -> Duration {
        guard n > 0 else { return .zero }
        let cap = maximumDelay.seconds
        // Stop growing once past the cap, so huge failure counts cannot overflow.
        var value = min(initialDelay.seconds, cap)
        var step = 1
        while step < n, value < cap {
            value = min(value * multiplier, cap)
            step += 1
        }
        return .seconds(value)
    }

    func delay(afterFailures n: Int, previousDelay: Duration?, random: inout some RandomNumberGenerator) -> Duration {
        guard n > 0 else { return .zero }
        let ceiling = ceiling(afterFailures: n).seconds
        switch jitter {
        case .none:
            return .seconds(ceiling)
        case .full:
            return .seconds(Double.random(in: 0...ceiling, using: &random))
        case .decorrelated:
            let floor = min(initialDelay, maximumDelay).seconds
            let previous = previousDelay?.seconds ?? self.ceiling(afterFailures: n - 1).seconds
            let upper = min(max(previous * 3, floor), maximumDelay.seconds)
            return .seconds(Double.random(in: floor...upper, using: &random))
        }
    }
}

/// A `ReconnectPolicy` plus the failures seen since the last successful connection.
///
/// Adapters call `nextDelay` after each failed or dropped connection and `reset` once a
/// connection is established, so the next outage starts again from the initial delay.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The policy delays are drawn from.
    public let policy: ReconnectPolicy
    /// Consecutive failures since the last `reset`.
    public private(set) var failures = 0
    private var previousDelay: Duration?

    /// Starts with no failures.
    public init(policy: ReconnectPolicy) {
        self.policy = policy
    }

    /// Records a failure and returns how long to wait before the next attempt.
    public mutating func nextDelay(random: inout some RandomNumberGenerator) -> Duration {
        failures += 1
        let delay = policy.delay(afterFailures: failures, previousDelay: previousDelay, random: &random)
        previousDelay = delay
        return delay
    }

    /// Forgets past failures; call after a connection succeeds.
    public mutating func reset() {
        failures = 0
        previousDelay = nil
    }
}

fileprivate extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
