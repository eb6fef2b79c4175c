@testable import HindsightNet
import Testing

@Suite("WebSocketKeepAlive")
struct WebSocketKeepAliveTests {
    let start = ContinuousClock.now

    func keepAlive() -> WebSocketKeepAlive {
        WebSocketKeepAlive(pingInterval: .milliseconds(200), timeout: .seconds(1), start: start)
    }

    @Test("the first wake-up is one ping interval after the connection opened")
    func firstDeadline() {
        #expect(keepAlive().nextDeadline == start + .milliseconds(200))
    }

    @Test("a ping is due every ping interval while the peer is quiet but within the timeout")
    func pingsWhileQuiet() {
        var state = keepAlive()
        #expect(state.evaluate(at: start + .milliseconds(100)) == .wait(until: start + .milliseconds(200), ping: false))
        #expect(state.evaluate(at: start + .milliseconds(200)) == .wait(until: start + .milliseconds(400), ping: true))
        #expect(state.evaluate(at: start + .milliseconds(850)) == .wait(until: start + .seconds(1), ping: true))
    }

    @Test("no frame or pong for the whole timeout expires the connection")
    func expiresAfterSilence() {
        var state = keepAlive()
        #expect(state.evaluate(at: start + .milliseconds(999)) != .expire)
        #expect(state.evaluate(at: start + .seconds(1)) == .expire)
    }

    @Test("activity pushes the expiry back by a full timeout")
    func activityExtends() {
        var state = keepAlive()
        state.recordActivity(at: start + .milliseconds(900))
        #expect(state.evaluate(at: start + .milliseconds(1_500)) == .wait(until: start + .milliseconds(1_700), ping: true))
        #expect(state.evaluate(at: start + .milliseconds(1_899)) != .expire)
        #expect(state.evaluate(at: start + .milliseconds(1_900)) == .expire)
    }

    @Test("activity reported out of order never moves the last activity backwards")
    func activityIsMonotonic() {
        var state = keepAlive()
        state.recordActivity(at: start + .milliseconds(500))
        state.recordActivity(at: start + .milliseconds(300))
        #expect(state.lastActivity == start + .milliseconds(500))
    }
}
