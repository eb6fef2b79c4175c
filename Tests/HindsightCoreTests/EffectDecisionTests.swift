import Foundation
import HindsightCore
import Testing

/// Work outside the store (trackers, Prometheus) is decided by the desk as an effect, and what came of it is decided
/// by the desk again: the bot only performs it.
@Suite("Effects: the desk decides the work outside the store and what its outcome says")
struct EffectDecisionTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    @Test("with a tracker connected, a publication the review allows first files the action items, then publishes with their links")
    func publishFilesFirst() throws {
        let h = try DeskHarness.completePostmortem().withConnections(Connections(trackers: true))
        let first = try h.decide("publish", at: at(90))
        #expect(first.replies.isEmpty && first.reports.isEmpty && first.changes.isEmpty)
        let effect = try #require(first.effects.first)
        #expect(first.effects.count == 1)
        guard case let .fileActionItems(incident, force, channels) = effect.work else { Issue.record("\(effect.work)"); return }
        #expect(incident == h.incident?.id && force == false && channels.isEmpty)

        let url = "https://github.example/acme/payments/issues/7"
        let second = try h.resume(effect, with: .filed([TrackedIssue(action: 1, tracker: "github", url: url)],
                                                       failures: ["GitHub refused the token: set GITHUB_TOKEN"]))
        #expect(try h.draft().actions.first { $0.number == 1 }?.issues["github"] == url)
        #expect(try h.draft().publications == 1)
        let report = try #require(second.reports.first?.contents)
        #expect(report.contains("[github](\(url))"))
        let texts = second.replies.map(\.text)
        #expect(texts.contains { $0.contains("AI-001") && $0.contains(url) })
        #expect(texts.contains { $0.contains("GitHub refused the token: set GITHUB_TOKEN") })
    }

    @Test("when what an effect needs cannot be read, nothing is filed or published and the reply says what went wrong")
    func storeUnavailable() throws {
        let h = try DeskHarness.completePostmortem().withConnections(Connections(trackers: true))
        let effect = try #require(try h.decide("publish", at: at(90)).effects.first)
        let decision = try h.resume(effect, with: .storeUnavailable(reason: "disk I/O error"))
        #expect(decision.changes.isEmpty && decision.reports.isEmpty)
        #expect(decision.replies.count == 1)
        #expect(decision.replies.first?.text.contains("disk I/O error") == true)
        #expect(try h.draft().publications == 0)
    }

    @Test("no tracker connected, or nothing to file, or a review that refuses: no effect, the desk answers at once")
    func publishWithoutEffect() throws {
        let unconnected = try DeskHarness.completePostmortem()
        let direct = try unconnected.decide("publish", at: at(90))
        #expect(direct.effects.isEmpty)
        #expect(direct.reports.count == 1)

        let refused = DeskHarness().withConnections(Connections(trackers: true))
        try refused.command("start Checkout returns 500 sev2", at: t0)
        try refused.command("action Alert at 80% DB pool saturation for checkout-api owner @alice due 2026-11-29 priority P2", at: at(1))
        let decision = try refused.decide("publish", at: at(2))
        #expect(decision.effects.isEmpty)
        #expect(decision.reports.isEmpty)
        #expect(decision.replies.first?.text.contains("--force") == true)

        let nothingToFile = DeskHarness().withConnections(Connections(trackers: true))
        try nothingToFile.command("start Checkout returns 500 sev2", at: t0)
        let forced = try nothingToFile.decide("publish --force", at: at(2))
        #expect(forced.effects.isEmpty)
        #expect(forced.reports.count == 1)
    }

    @Test("a metric query is an effect over the incident's window; its samples become a timeline event, a failure a reply")
    func metrics() throws {
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        #expect(try h.decide("metrics rate(http_errors[5m]) above 5", at: at(30)).replies.first?.text.contains("Prometheus") == true)

        _ = h.withConnections(Connections(metrics: true))
        let decision = try h.decide("metrics rate(http_errors[5m]) above 5", at: at(30))
        let effect = try #require(decision.effects.first)
        guard case let .queryMetric(query, threshold, start, end) = effect.work else { Issue.record("\(effect.work)"); return }
        #expect(query == "rate(http_errors[5m])" && threshold == 5)
        #expect(start == t0.addingTimeInterval(-15 * 60) && end == at(30))

        let samples = [(at: at(-10), value: 1.0), (at: at(2), value: 40.0), (at: at(20), value: 1.0)]
        let stored = try h.resume(effect, with: .metric(samples: samples, link: "https://prometheus.example/graph"))
        #expect(stored.changes.count == 1)
        #expect(h.timeline.last?.source == .metric)
        #expect(h.timeline.last?.occurredAt == at(2))

        let failed = try h.resume(effect, with: .metricFailed(reason: "connection refused"))
        #expect(failed.changes.isEmpty)
        #expect(failed.replies.first?.text.contains("connection refused") == true)
    }

    @Test("a tracker sync marks done the items whose issues closed; nothing closed says the items are in sync")
    func sync() throws {
        let h = DeskHarness().withConnections(Connections(trackers: true))
        try h.command("start Checkout returns 500 sev2", at: t0)
        try h.command("action Alert at 80% DB pool saturation for checkout-api owner @alice due 2026-11-29 priority P2", at: at(1))
        let decision = try h.decide("actions sync", at: at(2))
        let effect = try #require(decision.effects.first)
        let none = try h.resume(effect, with: .synced(closed: [], failures: []))
        #expect(none.changes.isEmpty)
        #expect(none.replies.count == 1)
        let closed = try h.resume(effect, with: .synced(closed: [TrackedIssue(action: 1, tracker: "jira", url: "https://jira.example/OPS-1")],
                                                         failures: []))
        #expect(closed.replies.first?.text.contains("AI-001") == true)
        #expect(try h.draft().actions.first?.status == .done)
    }
}
