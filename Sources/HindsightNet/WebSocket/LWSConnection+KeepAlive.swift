import CLibWebSockets

/// Connect deadline and keep-alive on one `lws_sul` timer per connection (service thread only).
///
/// lws 4.1 ignores the `lws_service` timeout and its idle policy counts whole seconds, so the
/// connection schedules its own timer: ping when `pingInterval` has passed since the last ping,
/// give up when nothing (frame or pong) arrived for `keepAliveTimeout`.
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

    /// Schedules the next wake-up: the next ping or the keep-alive deadline, whichever is first.
    func rescheduleKeepAlive() {
        scheduleTimer(at: min(nextPingAt, lastActivity + configuration.keepAliveTimeout))
    }

    func timerFired() {
        timerScheduled = false
        let now = ContinuousClock.now
        switch stage {
        case .connecting where now >= connectDeadline:
            abort(because: .connectTimedOut(endpoint: endpoint.redacted))
        case .connecting:
            scheduleTimer(at: connectDeadline)
        case .established where now - lastActivity >= configuration.keepAliveTimeout:
            logger.debug("websocket keep-alive expired", metadata: ["silentFor": "\(now - lastActivity)"])
            if terminalReason == nil { terminalReason = .keepAliveTimeout }
            finish(terminalReason ?? .keepAliveTimeout)
            kill()
        case .established:
            if now >= nextPingAt, let wsi {
                pingPending = true
                nextPingAt = now + configuration.pingInterval
                lws_callback_on_writable(wsi)
            }
            rescheduleKeepAlive()
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
