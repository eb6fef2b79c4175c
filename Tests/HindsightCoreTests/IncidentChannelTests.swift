import Foundation
import Testing
@testable import HindsightCore

@Suite("A channel of its own: the request, the name, and the incident starting there")
struct IncidentChannelTests {
    let t0 = Fixtures.t0

    @Test("`--channel` and the people after it make a declaration; the name follows the pattern and both platforms' rules")
    func parsingAndNaming() throws {
        let parser = CommandParser(zone: .gmt)
        #expect(try parser.parse("start DB down sev1 --channel @dana <@U7>", now: t0).get()
            == .declare(title: "DB down", severity: .sev1, at: nil, invite: ["@dana", "<@U7>"]))
        #expect(try parser.parse("start DB down --channel", now: t0).get() == .declare(title: "DB down", severity: nil, at: nil, invite: []))
        #expect(IncidentChannels().name(title: "Checkout returns 500!", at: t0) == "inc-20261122-checkout-returns-500")
        #expect(IncidentChannels(pattern: "Incident_{date}.{slug}").name(title: "Ünïcode   & spaces", at: t0) == "incident_20261122-unicode-spaces")
        #expect(IncidentChannels().name(title: String(repeating: "very long title ", count: 20), at: t0).count <= 64)
    }

    @Test("off by default: it says how to turn it on and starts nothing")
    func off() throws {
        let h = DeskHarness()
        let decision = try h.decide("start DB down --channel", at: t0)
        #expect(decision.effects.isEmpty && decision.changes.isEmpty)
        #expect(decision.replies.first?.text.contains("HINDSIGHT_INCIDENT_CHANNELS=on") == true)
    }

    @Test("on: the channel is asked for; once it exists the incident starts there and the declaring channel gets the link")
    func on() throws {
        let h = DeskHarness().withIncidentChannels(IncidentChannels())
        let decision = try h.decide("start DB down sev1 --channel @dana", at: t0)
        let effect = try #require(decision.effects.first)
        guard case let .createChannel(request) = effect.work else { Issue.record("not a channel request"); return }
        #expect(request.name == "inc-20261122-db-down")
        #expect(request.topic.contains("DB down (sev1)"))
        #expect(request.invite == ["@dana"])
        let made = ChannelKey(platform: .slack, channelID: "C0NEW")
        let next = try h.resume(effect, with: .channelCreated(made, link: "[#inc-20261122-db-down](https://x)", warnings: ["@dana was not invited"]))
        #expect(h.records.openIncident(in: made)?.title == "DB down")
        #expect(h.records.openIncident(in: Fixtures.channel) == nil)
        #expect(next.replies.contains { $0.destination == "C0NEW" && $0.visibility == .channel })
        #expect(next.replies.contains { $0.destination == Fixtures.channel.channelID && $0.text.contains("[#inc-20261122-db-down](https://x)") })
        #expect(next.replies.contains { $0.visibility == .ephemeral && $0.text.contains("@dana was not invited") })

        let failed = try h.resume(effect, with: .channelFailed(reason: "missing_scope (needs channels:manage)"))
        #expect(failed.changes.isEmpty)
        #expect(failed.replies.first?.text.contains("needs channels:manage") == true)
    }
}
