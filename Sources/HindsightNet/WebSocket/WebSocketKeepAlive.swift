/// Keep-alive decisions for one connection, as a pure value so they test without sockets.
///
/// Any frame or pong counts as activity. A ping is due every `pingInterval`; with no activity
/// for `timeout` the connection is considered dead.
struct WebSocketKeepAlive: Equatable {
    /// What the connection should do when its timer fires.
    enum Decision: Equatable {
        /// Give up: nothing arrived within the timeout.
        case expire
        /// Send a ping now if `ping`, then wake up again at `until`.
        case wait(until: ContinuousClock.Instant, ping: Bool)
    }

    let pingInterval: Duration
    let timeout: Duration
    private(set) var lastActivity: ContinuousClock.Instant
    private(set) var nextPingAt: ContinuousClock.Instant

    init(pingInterval: Duration, timeout: Duration, start: ContinuousClock.Instant) {
        self.pingInterval = pingInterval
        self.timeout = timeout
        lastActivity = start
        nextPingAt = start + pingInterval
    }

    /// The earliest instant at which `evaluate` has something to do.
    var nextDeadline: ContinuousClock.Instant {
        min(nextPingAt, lastActivity + timeout)
    }

    mutating func recordActivity(at now: ContinuousClock.Instant) {
        lastActivity = max(lastActivity, now)
    }

    mutating func evaluate(at now: ContinuousClock.Instant) -> Decision {
        if now - lastActivity >= timeout { return .expire }
        let ping = now >= nextPingAt
        if ping { nextPingAt = now + pingInterval }
        return .wait(until: nextDeadline, ping: ping)
    }
}
