import CLibWebSockets

/// Connect deadline and keep-alive on one `lws_sul` timer per connection (service thread only).
///
/// lws 4.1 ignores the `lws_service` timeout and its `retry_and_idle_policy` counts whole
/// seconds, so the connection schedules its own timer and lets `WebSocketKeepAlive` decide.
extension LWSConnection {
    func scheduleTimer(at deadline: ContinuousClock.Instant) {
        guard let context else { return }
        let delay = max(ContinuousClock.now.duration(to: deadline), .microseconds(1))
        clws_timer_schedule(context, timer, lwsConnectionTimerFired, delay.wholeMicroseconds)
        timerScheduled = true
    }

    func cancelTimer() {
        guard timerScheduled, let context else { return }
        clws_timer_cancel(context, timer)
        timerScheduled = false
    }

    func timerFired() {
        timerScheduled = false
        let now = ContinuousClock.now
        switch stage {
        case .connecting where now >= connectDeadline:
            abort(because: .connectTimedOut(endpoint: endpoint.redacted))
        case .connecting:
            scheduleTimer(at: connectDeadline)
        case .established:
            // While the consumer catches up the socket is not read, so no pong can arrive: not a dead connection.
            if readingPaused { keepAlive.recordActivity(at: now) }
            switch keepAlive.evaluate(at: now) {
            case .expire:
                logger.debug("websocket keep-alive expired", metadata: ["silentFor": "\(now - keepAlive.lastActivity)"])
                // A local close waiting for its ack still reports as closedLocally.
                finish(terminalReason ?? .keepAliveTimeout)
                kill()
            case .wait(let until, let ping):
                if ping, let wsi {
                    pingPending = true
                    lws_callback_on_writable(wsi)
                }
                scheduleTimer(at: until)
            }
        case .pending, .finished:
            break
        }
    }
}

/// The `lws_sul` callback: a plain global function; the timer's `user` is the connection,
/// kept alive by the loop's `live` table until the timer is cancelled in `finish`.
private func lwsConnectionTimerFired(_ sul: UnsafeMutablePointer<lws_sorted_usec_list_t>?) {
    guard let sul, let user = clws_timer_user(sul) else { return }
    Unmanaged<LWSConnection>.fromOpaque(user).takeUnretainedValue().timerFired()
}

fileprivate extension Duration {
    /// The duration in whole microseconds, as lws timers take it.
    var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
