import HindsightCore
import HindsightNet
import Testing

@Suite("ReconnectPolicy")
struct ReconnectPolicyTests {
    @Test("without jitter the delay doubles from the initial delay and stops at the cap")
    func exponentialWithoutJitter() {
        let policy = ReconnectPolicy(initialDelay: .seconds(1), multiplier: 2, maximumDelay: .seconds(60), jitter: .none)
        var random = SeededRandom(seed: 1)
        let delays = (1...9).map { policy.delay(afterFailures: $0, random: &random) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
    }

    @Test("no failures means no delay, and huge failure counts stay at the cap")
    func edges() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(500), multiplier: 3, maximumDelay: .seconds(30), jitter: .none)
        var random = SeededRandom(seed: 2)
        #expect(policy.delay(afterFailures: 0, random: &random) == .zero)
        #expect(policy.delay(afterFailures: -3, random: &random) == .zero)
        #expect(policy.delay(afterFailures: 1, random: &random) == .milliseconds(500))
        #expect(policy.delay(afterFailures: 1_000_000, random: &random) == .seconds(30))
    }

    @Test("an initial delay above the cap is capped")
    func initialAboveCap() {
        let policy = ReconnectPolicy(initialDelay: .seconds(90), maximumDelay: .seconds(60), jitter: .none)
        var random = SeededRandom(seed: 3)
        #expect(policy.delay(afterFailures: 1, random: &random) == .seconds(60))
    }

    @Test("full jitter stays between zero and the exponential ceiling and actually varies")
    func fullJitterBounds() {
        let policy = ReconnectPolicy(initialDelay: .seconds(1), multiplier: 2, maximumDelay: .seconds(60), jitter: .full)
        var random = SeededRandom(seed: 42)
        for failures in 1...12 {
            let ceiling = policy.ceiling(afterFailures: failures)
            let draws = (0..<200).map { _ in policy.delay(afterFailures: failures, random: &random) }
            #expect(draws.allSatisfy { $0 >= .zero && $0 <= ceiling })
            #expect(Set(draws).count > 150, "jitter should spread delays")
            #expect(draws.contains { $0 < ceiling / 2 } && draws.contains { $0 > ceiling / 2 })
        }
    }

    @Test("the same seed gives the same jittered delays")
    func deterministicWithSeed() {
        let policy = ReconnectPolicy(jitter: .full)
        var first = SeededRandom(seed: 7)
        var second = SeededRandom(seed: 7)
        let a = (1...10).map { policy.delay(afterFailures: $0, random: &first) }
        let b = (1...10).map { policy.delay(afterFailures: $0, random: &second) }
        #expect(a == b)
    }

    @Test("decorrelated jitter stays between the initial delay and the cap, and within three times the previous delay")
    func decorrelatedBounds() {
        let policy = ReconnectPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(20), jitter: .decorrelated)
        var random = SeededRandom(seed: 99)
        var backoff = ReconnectBackoff(policy: policy)
        var previous = Duration.seconds(1)
        for _ in 0..<500 {
            let delay = backoff.nextDelay(random: &random)
            #expect(delay >= .seconds(1) && delay <= .seconds(20))
            #expect(delay <= max(previous * 3, .seconds(1)))
            previous = delay
        }
        #expect(backoff.failures == 500)
    }

    @Test("reset after a successful connection starts the next outage from the initial delay")
    func resetAfterSuccess() {
        let policy = ReconnectPolicy(initialDelay: .seconds(1), multiplier: 2, maximumDelay: .seconds(60), jitter: .none)
        var random = SeededRandom(seed: 5)
        var backoff = ReconnectBackoff(policy: policy)
        let outage = (0..<5).map { _ in backoff.nextDelay(random: &random) }
        #expect(outage == [1, 2, 4, 8, 16].map { Duration.seconds($0) })
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.nextDelay(random: &random) == .seconds(1))
    }

    @Test("the backoff gives the policy's delays in order", arguments: [ReconnectPolicy.Jitter.none, .full])
    func backoffMatchesPolicy(jitter: ReconnectPolicy.Jitter) {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(250), multiplier: 1.5, maximumDelay: .seconds(10), jitter: jitter)
        var viaBackoff = SeededRandom(seed: 11)
        var viaPolicy = SeededRandom(seed: 11)
        var backoff = ReconnectBackoff(policy: policy)
        for failures in 1...15 {
            #expect(backoff.nextDelay(random: &viaBackoff) == policy.delay(afterFailures: failures, random: &viaPolicy))
        }
    }
}
