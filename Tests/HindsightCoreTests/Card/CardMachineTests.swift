import Foundation
import Testing
@testable import HindsightCore

@Suite("The live card's machine: post, pin, edit in place, coalesce, back off, recreate")
struct CardMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_795_356_000)
    let channel = ChannelKey(platform: .slack, channelID: "C1")

    func card(_ text: String) -> IncidentCard {
        IncidentCard(incident: IncidentID(rawValue: "INC-1"), channel: channel, text: text, actions: [])
    }

    @Test("the first change renders and posts the card, then pins and remembers it; the next change edits it")
    func postThenEdit() {
        var m = CardMachine()
        #expect(m.handle(.changed, now: t0) == [.render])
        #expect(m.handle(.rendered(card("v1"), storedMessage: nil), now: t0) == [.post(card("v1"))])
        #expect(m.handle(.posted(messageID: "M1"), now: t0) == [.remember(messageID: "M1"), .pin(messageID: "M1")])
        #expect(m.shown == card("v1"))
        // 3 s later: no wait left, so it renders and edits at once.
        let t3 = t0.addingTimeInterval(3)
        #expect(m.handle(.changed, now: t3) == [.render])
        #expect(m.handle(.rendered(card("v2"), storedMessage: "M1"), now: t3) == [.edit(messageID: "M1", card("v2"))])
        #expect(m.handle(.edited, now: t3) == [])
        #expect(m.shown == card("v2"))
    }

    @Test("a card that reads the same is not edited")
    func unchanged() {
        var m = CardMachine()
        _ = m.handle(.changed, now: t0)
        _ = m.handle(.rendered(card("v1"), storedMessage: nil), now: t0)
        _ = m.handle(.posted(messageID: "M1"), now: t0)
        let later = t0.addingTimeInterval(10)
        #expect(m.handle(.changed, now: later) == [.render])
        #expect(m.handle(.rendered(card("v1"), storedMessage: "M1"), now: later) == [])
        #expect(m.state == .idle)
    }

    @Test("after a restart the stored card is edited, not posted again")
    func restart() {
        var m = CardMachine()
        _ = m.handle(.changed, now: t0)
        #expect(m.handle(.rendered(card("v1"), storedMessage: "M0"), now: t0) == [.edit(messageID: "M0", card("v1"))])
    }

    /// Drives a machine the way the keeper does, on a simulated clock: renders answer with the card's current version,
    /// platform calls take `latency`, wake-ups fire on time. Returns when each edit (and post) was sent.
    func simulate(changesAt times: [TimeInterval], latency: TimeInterval = 0.2, until end: TimeInterval = 60) -> (sends: [(TimeInterval, IncidentCard)], final: IncidentCard?) {
        var m = CardMachine()
        var queue: [(TimeInterval, CardMachine.Event)] = times.map { ($0, .changed) }
        var sends: [(TimeInterval, IncidentCard)] = []
        var version = 0
        func schedule(_ actions: [CardMachine.Action], at now: TimeInterval) {
            for action in actions {
                switch action {
                case .render:
                    let current = times.filter { $0 <= now }.count
                    version = current
                    queue.append((now + 0.01, .rendered(card("v\(current)"), storedMessage: nil)))
                case let .post(c):
                    sends.append((now, c))
                    queue.append((now + latency, .posted(messageID: "M1")))
                case let .edit(_, c):
                    sends.append((now, c))
                    queue.append((now + latency, .edited))
                case let .wake(at):
                    queue.append((at.timeIntervalSince(t0), .due))
                case .pin, .remember:
                    break
                }
            }
        }
        while let next = queue.enumerated().min(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }) {
            queue.remove(at: next.offset)
            guard next.element.0 <= end else { break }
            schedule(m.handle(next.element.1, now: t0.addingTimeInterval(next.element.0)), at: next.element.0)
        }
        _ = version
        return (sends, m.shown)
    }

    @Test("a burst of 200 changes in one second is at most one edit every 2 s, and the card ends up current")
    func burstIsCoalesced() {
        let times = (0..<200).map { TimeInterval($0) * 0.005 }
        let (sends, final) = simulate(changesAt: times)
        #expect(sends.count <= 3)
        for (a, b) in zip(sends, sends.dropFirst()) { #expect(b.0 - a.0 >= 2) }
        #expect(final == card("v200"))
    }

    @Test("changes spread over a minute: never two sends within 2 s, and the last change shows")
    func steadyChanges() {
        let times = (0..<120).map { TimeInterval($0) * 0.45 }
        let (sends, final) = simulate(changesAt: times, latency: 0.7, until: 120)
        #expect(sends.count >= 20)
        for (a, b) in zip(sends, sends.dropFirst()) { #expect(b.0 - a.0 >= 2) }
        #expect(final == card("v120"))
    }

    @Test("a 429 waits its Retry-After before the next try, and failures in a row back off")
    func rateLimited() {
        var m = CardMachine()
        _ = m.handle(.changed, now: t0)
        _ = m.handle(.rendered(card("v1"), storedMessage: "M1"), now: t0)
        #expect(m.handle(.failed(retryAfter: .seconds(7)), now: t0) == [.wake(at: t0.addingTimeInterval(7))])
        #expect(m.handle(.due, now: t0.addingTimeInterval(7)) == [.render])
        _ = m.handle(.rendered(card("v1"), storedMessage: "M1"), now: t0.addingTimeInterval(7))
        // A failure without Retry-After: the second in a row waits twice the interval.
        #expect(m.handle(.failed(retryAfter: nil), now: t0.addingTimeInterval(7)) == [.wake(at: t0.addingTimeInterval(11))])
    }

    @Test("a card found gone is posted again; a deletion of the card in the channel posts it again at once")
    func recreated() {
        var m = CardMachine()
        _ = m.handle(.changed, now: t0)
        _ = m.handle(.rendered(card("v1"), storedMessage: "M1"), now: t0)
        #expect(m.handle(.gone, now: t0) == [.render])
        #expect(m.handle(.rendered(card("v1"), storedMessage: "M1"), now: t0) == [.post(card("v1"))])
        _ = m.handle(.posted(messageID: "M2"), now: t0)
        #expect(m.handle(.deleted(messageID: "M1"), now: t0) == [])  // the old one: nothing to do
        #expect(m.handle(.deleted(messageID: "M2"), now: t0) == [.render])
        #expect(m.handle(.rendered(card("v1"), storedMessage: "M2"), now: t0) == [.post(card("v1"))])
    }
}
