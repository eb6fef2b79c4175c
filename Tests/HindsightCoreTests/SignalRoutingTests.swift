import Foundation
import Testing
@testable import HindsightCore

@Suite("Signals onto incident timelines")
struct SignalRoutingTests {
    let t0 = Fixtures.t0

    func signal(_ route: ExternalSignal.Route, id: String = "d1", milestone: MilestoneKind? = nil, trouble: Bool = true, labels: [String: String] = [:]) -> ExternalSignal {
        ExternalSignal(source: .alert, occurredAt: t0.addingTimeInterval(120), title: "[FIRING] HighErrorRate", link: "https://prom/x",
                       route: route, labels: labels, suggestedMilestone: milestone, deliveryID: id, isTrouble: trouble)
    }

    func ingest(_ h: DeskHarness, _ s: ExternalSignal, routes: [SignalRoute] = []) throws -> (SignalOutcome, ChannelKey?, [Reply]) {
        let (outcome, channel, decision) = try h.desk.ingest(s, routes: routes, records: h.records)
        try h.records.apply(decision.changes)
        return (outcome, channel, decision.replies)
    }

    @Test("a signal naming the incident lands on its timeline once, with its own time and source")
    func byIncident() throws {
        let h = DeskHarness()
        try h.command("start Errors sev2", at: t0)
        let id = try #require(h.incident?.id)
        #expect(try ingest(h, signal(.incident(id.rawValue))).0 == .stored(id))
        #expect(try ingest(h, signal(.incident(id.rawValue))).0 == .duplicate(id))
        let event = try #require(h.timeline.last)
        #expect(event.source == .alert)
        #expect(event.occurredAt == t0.addingTimeInterval(120))
        #expect(event.text.contains("https://prom/x"))
        #expect(h.timeline.filter { $0.source == .alert }.count == 1)
    }

    @Test("channel labels and the routing table find the incident open in that channel")
    func byChannelAndRoute() throws {
        let h = DeskHarness()
        try h.command("start Errors", at: t0)
        let id = try #require(h.incident?.id)
        #expect(try ingest(h, signal(.channel("C1"), id: "a")).0 == .stored(id))
        let route = SignalRoute(match: ["service": "checkout"], channel: Fixtures.channel)
        #expect(try ingest(h, signal(.unrouted, id: "b", labels: ["service": "checkout", "env": "prod"]), routes: [route]).0 == .stored(id))
        #expect(try ingest(h, signal(.unrouted, id: "c", labels: ["service": "search"]), routes: [route]).0 == .noIncident(channel: nil))
    }

    @Test("a pager milestone is a suggestion to confirm, not a fact")
    func pagerSuggestion() throws {
        let h = DeskHarness()
        try h.command("start Errors", at: t0)
        let (_, channel, replies) = try ingest(h, signal(.channel("C1"), milestone: .acknowledged))
        #expect(channel == Fixtures.channel)
        #expect(replies.first?.actions.map(\.command) == ["confirm S1", "dismiss S1"])
        #expect(h.incident?.milestones[.acknowledged] == nil)
        try h.command("confirm S1", at: t0.addingTimeInterval(300))
        #expect(h.incident?.milestones[.acknowledged] == t0.addingTimeInterval(120))
    }

    @Test("trouble in a channel with no open incident suggests starting one; good news does not")
    func suggestStart() throws {
        let h = DeskHarness()
        let route = SignalRoute(match: ["team": "payments"], channel: Fixtures.channel)
        let (outcome, channel, replies) = try ingest(h, signal(.unrouted, labels: ["team": "payments"]), routes: [route])
        #expect(outcome == .noIncident(channel: Fixtures.channel))
        #expect(channel == Fixtures.channel)
        #expect(replies.first?.actions.first?.command == "start [FIRING] HighErrorRate")
        #expect(try ingest(h, signal(.unrouted, trouble: false, labels: ["team": "payments"]), routes: [route]).2.isEmpty)
        #expect(h.records.incidents.isEmpty)
    }
}
