/// Per-method waits after HTTP 429: a call to a method Slack rate-limited waits until its `Retry-After` has passed;
/// calls to other methods go ahead (Slack's limits are per method).
actor RateLimitGate {
    private var openAt: [String: ContinuousClock.Instant] = [:]
    private let clock = ContinuousClock()

    /// How long a call to `method` must wait now (zero when it may go).
    func wait(for method: String) -> Duration {
        guard let until = openAt[method] else { return .zero }
        let now = clock.now
        if until <= now {
            openAt[method] = nil
            return .zero
        }
        return now.duration(to: until)
    }

    /// Slack asked to wait `duration` before calling `method` again.
    func close(_ method: String, for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let current = openAt[method], current >= until { return }
        openAt[method] = until
    }
}
