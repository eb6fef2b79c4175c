import Foundation
import HindsightBot
import HindsightNet
import HindsightTesting
import Testing
@testable import HindsightSlack
import HindsightCore

@Suite("The Slack Socket Mode lifecycle machine")
struct SocketModeMachineTests {
    typealias Machine = SocketModeMachine

    static let helloTimeout = Duration.seconds(15)
    /// 0.5 s doubling to 4 s, no jitter: every delay can be written down.
    static let plainPolicy = ReconnectPolicy(initialDelay: .milliseconds(500), multiplier: 2, maximumDelay: .seconds(4), jitter: .none)

    /// Where capture stood, told apart by the time in one channel.
    static func plan(_ seconds: TimeInterval) -> [BackfillPoint] {
        let at = Date(timeIntervalSince1970: seconds)
        return [BackfillPoint(channel: ChannelKey(platform: .slack, channelID: "C1"), since: at, incidentStartedAt: at)]
    }

    func machine(policy: ReconnectPolicy = plainPolicy, seed: UInt64 = 1) -> Machine {
        Machine(policy: policy, helloTimeout: Self.helloTimeout, random: SeededRandom(seed: seed))
    }

    /// A machine whose link 1 has said hello (after the start-up backfill from `plan(0)` was asked for).
    func live() -> Machine {
        var machine = machine()
        _ = machine.handle(.started)
        _ = machine.handle(.watermarkRead(Self.plan(0)))
        _ = machine.handle(.linkOpened(1))
        _ = machine.handle(.helloReceived(1))
        return machine
    }

    /// The sum of `.changeLive` in `actions`.
    func liveDelta(_ actions: [Machine.Action]) -> Int {
        actions.reduce(0) { sum, action in
            if case .changeLive(let delta) = action { sum + delta } else { sum }
        }
    }

    @Test("at start it reads the watermark, opens link 1, times its hello, and backfills from the start watermark once it says hello")
    func start() {
        var machine = machine()
        #expect(machine.handle(.started) == [.readWatermark])
        #expect(machine.handle(.watermarkRead(Self.plan(0))) == [.openLink(1, cause: .start)])
        #expect(machine.handle(.linkOpened(1)) == [.startHelloTimer(1, after: Self.helloTimeout)])
        #expect(machine.handle(.helloReceived(1)) == [.cancelHelloTimer(1), .changeLive(by: 1), .runBackfill(Self.plan(0))])
        #expect(machine.state == .running(current: .live(1), retiring: [:]))
    }

    @Test("a refresh (after a warning) opens the next link while the old one stays live; the old one's close is no loss")
    func refresh() {
        var machine = live()
        var live = 1
        let warning = machine.handle(.disconnectNotice(1, .warning))
        #expect(warning == [.openLink(2, cause: .refresh)])
        #expect(machine.handle(.disconnectNotice(1, .refreshRequested)) == [], "the refresh after its warning opens nothing more")
        #expect(machine.handle(.linkOpened(2)) == [.startHelloTimer(2, after: Self.helloTimeout)])
        let hello = machine.handle(.helloReceived(2))
        #expect(hello == [.cancelHelloTimer(2), .changeLive(by: 1)], "no backfill: the old link delivered throughout")
        live += liveDelta(hello)
        #expect(live == 2, "both links count while they overlap")
        let close = machine.handle(.linkClosed(1))
        #expect(close == [.changeLive(by: -1)], "no reconnect, no watermark read")
        live += liveDelta(close)
        #expect(live == 1)
        #expect(machine.failures == 0)
        #expect(machine.state == .running(current: .live(2), retiring: [:]))
    }

    @Test("a refresh without warning, and one whose old link closes before the new one's hello, reconnect nothing")
    func refreshWithoutWarning() {
        var machine = live()
        #expect(machine.handle(.disconnectNotice(1, .refreshRequested)) == [.openLink(2, cause: .refresh)])
        #expect(machine.handle(.linkOpened(2)) == [.startHelloTimer(2, after: Self.helloTimeout)])
        #expect(machine.handle(.linkClosed(1)) == [.changeLive(by: -1)])
        #expect(machine.handle(.helloReceived(2)) == [.cancelHelloTimer(2), .changeLive(by: 1)])
        // A reason Slack may add later is treated like a refresh.
        #expect(machine.handle(.disconnectNotice(2, .other("maintenance"))) == [.openLink(3, cause: .refresh)])
    }

    @Test("an abrupt loss backs off, and the next link backfills from the watermark read at the moment of loss")
    func abruptLoss() {
        var machine = live()
        #expect(machine.handle(.linkClosed(1)) == [.changeLive(by: -1), .readWatermark])
        #expect(machine.handle(.watermarkRead(Self.plan(60))) == [.scheduleReconnect(after: .milliseconds(500), failures: 1)])
        #expect(machine.state == .running(current: .backingOff(2, backfill: Self.plan(60)), retiring: [:]))
        #expect(machine.handle(.backoffElapsed) == [.openLink(2, cause: .reconnect)])
        #expect(machine.handle(.linkOpened(2)) == [.startHelloTimer(2, after: Self.helloTimeout)])
        #expect(machine.handle(.helloReceived(2)) == [.cancelHelloTimer(2), .changeLive(by: 1), .runBackfill(Self.plan(60))])
        #expect(machine.handle(.helloReceived(2)) == [], "asked for once")
        #expect(machine.failures == 0)
    }

    @Test("a socket that says no hello in time is closed and replaced with backoff; a hello after that is too late")
    func helloTimeout() {
        var machine = machine()
        _ = machine.handle(.started)
        _ = machine.handle(.watermarkRead(Self.plan(0)))
        _ = machine.handle(.linkOpened(1))
        #expect(machine.handle(.helloTimerFired(1)) == [.closeLink(1)])
        #expect(machine.handle(.helloReceived(1)) == [], "given up: not counted live, no backfill from it")
        #expect(machine.handle(.linkClosed(1)) == [.readWatermark], "it never counted as live")
        #expect(machine.handle(.watermarkRead(Self.plan(30))) == [.scheduleReconnect(after: .milliseconds(500), failures: 1)])
        #expect(machine.handle(.backoffElapsed) == [.openLink(2, cause: .reconnect)])
        _ = machine.handle(.linkOpened(2))
        #expect(machine.handle(.helloReceived(2)) == [.cancelHelloTimer(2), .changeLive(by: 1), .runBackfill(Self.plan(30))])
    }

    @Test("an abrupt loss before hello cancels the hello timer")
    func lossBeforeHello() {
        var machine = live()
        _ = machine.handle(.linkClosed(1))
        _ = machine.handle(.watermarkRead(Self.plan(5)))
        _ = machine.handle(.backoffElapsed)
        _ = machine.handle(.linkOpened(2))
        #expect(machine.handle(.linkClosed(2)) == [.cancelHelloTimer(2), .readWatermark])
    }

    @Test("repeated failures grow the backoff up to its cap; a hello resets it")
    func backoffGrowsAndResets() {
        var machine = live()
        var delays: [Duration] = []
        _ = machine.handle(.linkClosed(1))
        for link in 2...7 {
            guard case .scheduleReconnect(let delay, let failures)? = machine.handle(.watermarkRead(Self.plan(0))).first else {
                Issue.record("no reconnect scheduled before link \(link)")
                return
            }
            #expect(failures == link - 1)
            delays.append(delay)
            #expect(machine.handle(.backoffElapsed) == [.openLink(link, cause: .reconnect)])
            #expect(machine.handle(.openFailed(link)) == [.readWatermark])
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        _ = machine.handle(.watermarkRead(Self.plan(0)))
        _ = machine.handle(.backoffElapsed)
        _ = machine.handle(.linkOpened(8))
        _ = machine.handle(.helloReceived(8))
        #expect(machine.failures == 0)
        _ = machine.handle(.linkClosed(8))
        #expect(machine.handle(.watermarkRead(Self.plan(0))) == [.scheduleReconnect(after: .milliseconds(500), failures: 1)])
    }

    @Test("with jitter the delays are the policy's for the injected random source, so the same seed gives the same delays")
    func jitterFromTheInjectedSource() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(30), jitter: .full)
        func delays(seed: UInt64) -> [Duration] {
            var machine = machine(policy: policy, seed: seed)
            _ = machine.handle(.started)
            _ = machine.handle(.watermarkRead(Self.plan(0)))
            var result: [Duration] = []
            for link in 1...5 {
                _ = machine.handle(.openFailed(link))
                if case .scheduleReconnect(let delay, _)? = machine.handle(.watermarkRead(Self.plan(0))).first { result.append(delay) }
                _ = machine.handle(.backoffElapsed)
            }
            return result
        }
        var random = SeededRandom(seed: 42)
        let expected = (1...5).map { policy.delay(afterFailures: $0, random: &random) }
        #expect(delays(seed: 42) == expected)
        #expect(delays(seed: 42) == delays(seed: 42))
        #expect(delays(seed: 42) != delays(seed: 7))
    }

    @Test("link_disabled stops the slot, takes its live links off /readyz, and nothing after it opens a link")
    func linkDisabled() {
        var machine = live()
        _ = machine.handle(.disconnectNotice(1, .warning))
        _ = machine.handle(.linkOpened(2))
        _ = machine.handle(.helloReceived(2))
        #expect(machine.handle(.disconnectNotice(2, .linkDisabled)) == [.changeLive(by: -2), .stop(.linkDisabled)])
        #expect(machine.state == .stopped(.linkDisabled))
        for late: Machine.Input in [.linkClosed(1), .linkClosed(2), .helloReceived(2), .helloTimerFired(2), .backoffElapsed, .shutdown] {
            #expect(machine.handle(late) == [], "\(late) after the stop")
        }
    }

    @Test("link_disabled on a socket replaced by a refresh stops the slot too")
    func linkDisabledOnARetiringLink() {
        var machine = live()
        _ = machine.handle(.disconnectNotice(1, .refreshRequested))
        _ = machine.handle(.linkOpened(2))
        #expect(machine.handle(.disconnectNotice(1, .linkDisabled)) == [.changeLive(by: -1), .stop(.linkDisabled)])
    }

    @Test("a refresh before hello hands the pending backfill to the next link; the old link's timer still gives it up")
    func refreshBeforeHello() {
        var machine = machine()
        _ = machine.handle(.started)
        _ = machine.handle(.watermarkRead(Self.plan(0)))
        _ = machine.handle(.linkOpened(1))
        #expect(machine.handle(.disconnectNotice(1, .refreshRequested)) == [.openLink(2, cause: .refresh)])
        _ = machine.handle(.linkOpened(2))
        #expect(machine.handle(.helloReceived(2)) == [.cancelHelloTimer(2), .changeLive(by: 1), .runBackfill(Self.plan(0))])
        #expect(machine.handle(.helloTimerFired(1)) == [.closeLink(1)])
        #expect(machine.handle(.linkClosed(1)) == [], "a replaced link's close is no loss")
        #expect(machine.state == .running(current: .live(2), retiring: [:]))
    }

    @Test("a replaced link that says hello late counts as live until it closes, and resets the backoff")
    func lateHelloOnAReplacedLink() {
        var machine = machine()
        _ = machine.handle(.started)
        _ = machine.handle(.watermarkRead(Self.plan(0)))
        _ = machine.handle(.openFailed(1))
        _ = machine.handle(.watermarkRead(Self.plan(0)))
        _ = machine.handle(.backoffElapsed)
        _ = machine.handle(.linkOpened(2))
        #expect(machine.failures == 1)
        _ = machine.handle(.disconnectNotice(2, .warning))
        #expect(machine.handle(.helloReceived(2)) == [.cancelHelloTimer(2), .changeLive(by: 1)])
        #expect(machine.failures == 0)
        #expect(machine.handle(.linkClosed(2)) == [.changeLive(by: -1)])
    }

    @Test("duplicate and late events of old links change nothing")
    func duplicatesAndLateEvents() {
        var machine = live()
        _ = machine.handle(.disconnectNotice(1, .refreshRequested))
        _ = machine.handle(.linkOpened(2))
        _ = machine.handle(.helloReceived(2))
        _ = machine.handle(.linkClosed(1))
        let settled = machine.state
        let late: [Machine.Input] = [
            .helloReceived(2),  // a second hello on the live link
            .helloTimerFired(2),  // its timer fired as the hello arrived
            .helloReceived(1), .disconnectNotice(1, .warning), .linkClosed(1),  // link 1 has closed
            .helloTimerFired(1),  // its timer fired as it closed
        ]
        for input in late {
            #expect(machine.handle(input) == [], "\(input)")
            #expect(machine.state == settled, "\(input)")
        }
        #expect(machine.failures == 0)
    }

    @Test("inputs no driver can send are reported, and change nothing")
    func unexpectedInputs() {
        var fresh = machine()
        #expect(fresh.handle(.linkClosed(1)) == [.unexpected(.linkClosed(1))])
        #expect(fresh.state == .idle)

        var machine = live()
        let settled = machine.state
        let impossible: [Machine.Input] = [
            .started, .watermarkRead(Self.plan(9)), .backoffElapsed, .linkOpened(1), .openFailed(1),
            .helloReceived(2), .linkClosed(2), .helloTimerFired(2), .disconnectNotice(2, .warning),  // link 2 is not open
        ]
        for input in impossible {
            #expect(machine.handle(input) == [.unexpected(input)], "\(input)")
            #expect(machine.state == settled, "\(input)")
        }
        _ = machine.handle(.helloTimerFired(1))  // live: ignored
        _ = machine.handle(.linkClosed(1))
        #expect(machine.handle(.backoffElapsed) == [.unexpected(.backoffElapsed)], "the watermark is not read yet")
    }

    @Test("a shutdown takes every live link off /readyz, the replaced ones included")
    func shutdown() {
        var machine = live()
        _ = machine.handle(.disconnectNotice(1, .warning))
        _ = machine.handle(.linkOpened(2))
        #expect(machine.handle(.shutdown) == [.changeLive(by: -1), .stop(.shutdown)])
        var idle = self.machine()
        #expect(idle.handle(.shutdown) == [.stop(.shutdown)])
    }

    @Test("disconnect reasons as Slack spells them")
    func notices() {
        #expect(Machine.Notice(reason: "warning") == .warning)
        #expect(Machine.Notice(reason: "refresh_requested") == .refreshRequested)
        #expect(Machine.Notice(reason: "link_disabled") == .linkDisabled)
        #expect(Machine.Notice(reason: "socket_mode_moved") == .other("socket_mode_moved"))
    }
}
