import Foundation
import HindsightCore
import HindsightPrompts
import HindsightSlack
import HindsightTesting
import Testing

/// The repository's real `Prompts/` folder, so tests exercise the shipped texts and rules.
enum Fixtures {
    static let promptsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Prompts")

    static let prompts: PromptSet = try! PromptSet(directory: promptsDirectory)

    /// The desk as the bot composes it for a Slack channel (`Fixtures.channel`): Slack's markup in message text.
    static func desk(zone: String = "UTC") -> IncidentDesk {
        var desk = prompts.desk(zone: zone == "UTC" ? .gmt : TimeZone(identifier: zone)!, redact: { $0 })
        desk.markups = [.slack: SlackMarkup()]
        return desk
    }

    static let channel = ChannelKey(platform: .slack, channelID: "C1")
    static let alice = Person(id: "U1", name: "alice")
    static let bob = Person(id: "U2", name: "bob")

    /// 2026-11-22T14:00:00Z
    static let t0 = Date(timeIntervalSince1970: 1_795_356_000)
}

/// A desk plus records, driven like an adapter would drive the bot.
final class DeskHarness {
    private(set) var desk: IncidentDesk
    let records = InMemoryRecords()

    init(zone: String = "UTC") { desk = Fixtures.desk(zone: zone) }

    /// The same records, with the classifier built from these rules instead of `Prompts/classifier.yaml`.
    func withClassifier(_ rules: ClassifierRules) -> DeskHarness {
        desk.classifier = MilestoneClassifier(rules: rules)
        return self
    }

    /// The same records, with the post-mortem guide changed as a team would change `Prompts/postmortem.yaml`.
    func withGuide(_ change: (inout PostmortemGuide) -> Void) -> DeskHarness {
        change(&desk.guide)
        return self
    }

    /// The same records, deciding for a bot with these connections (trackers, Prometheus).
    func withConnections(_ connections: Connections) -> DeskHarness {
        desk.connections = connections
        return self
    }

    /// The same records, with a step a platform adds to the capture pipeline.
    func withCaptureStep(_ step: CapturePipeline.Step, before name: String) -> DeskHarness {
        desk.capturePipeline.insert(step, before: name)
        return self
    }

    /// The same records, with incidents' own channels turned on.
    func withIncidentChannels(_ channels: IncidentChannels) -> DeskHarness {
        desk.incidentChannels = channels
        return self
    }

    /// The same records, with stakeholder channels configured on the desk.
    func withStakeholders(_ channels: [String]) -> DeskHarness {
        desk.stakeholderChannels = channels
        return self
    }

    @discardableResult
    func command(_ text: String, at: Date, by user: Person = Fixtures.alice, channel: ChannelKey = Fixtures.channel, forms: Bool = false) throws -> [Reply] {
        try decide(text, at: at, by: user, channel: channel, forms: forms).replies
    }

    /// Runs a command and returns the whole decision, applied, effects included.
    func decide(_ text: String, at: Date, by user: Person = Fixtures.alice, channel: ChannelKey = Fixtures.channel, forms: Bool = false) throws -> Decision {
        let decision = try desk.handle(CommandInvocation(channel: channel, user: user, text: text, receivedAt: at, canOpenForms: forms), records: records)
        try records.apply(decision.changes)
        return decision
    }

    /// The second decision of `effect`, given what performing it came to, applied.
    func resume(_ effect: Effect, with outcome: EffectOutcome) throws -> Decision {
        let decision = try desk.resume(effect, with: outcome, records: records)
        try records.apply(decision.changes)
        return decision
    }

    @discardableResult
    func capture(_ input: CaptureInput) throws -> (CaptureOutcome, [Reply]) {
        let (outcome, decision) = try desk.capture(input, records: records)
        try records.apply(decision.changes)
        return (outcome, decision.replies)
    }

    @discardableResult
    func say(
        _ text: String, id: String, at: Date, by user: Person = Fixtures.bob, channel: ChannelKey = Fixtures.channel, bot: Bool = false,
        integration: Bool = false
    ) throws -> (CaptureOutcome, [Reply]) {
        try capture(.message(ChannelMessage(channel: channel, messageID: id, author: user, sentAt: at, text: text, isFromThisBot: bot, isFromIntegration: integration)))
    }

    var incident: Incident? { records.latestIncident(in: Fixtures.channel) }
    var timeline: [TimelineEvent] { incident.map { records.events(of: $0.id) } ?? [] }

    /// The post-mortem draft of the channel's latest incident; fails the test if there is none.
    func draft() throws -> PostmortemDraft {
        let incident = try #require(incident)
        return try #require(records.postmortem(of: incident.id))
    }

    /// The questions people were asked about the incident and have not answered yet.
    func conversations() throws -> [Conversation] {
        let incident = try #require(incident)
        return records.conversations.values.flatMap(\.values).filter { $0.incidentID == incident.id }
    }
}

extension DeskHarness {
    /// A complete post-mortem for incident INC-2026-1122-001 (started 14:00 UTC), written through the same commands
    /// responders type; every review item passes. Its entries are P1…P15.
    static func completePostmortem() throws -> DeskHarness {
        let t0 = Fixtures.t0
        func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }
        let h = DeskHarness()
        try h.command("start Checkout returns 500 sev2", at: t0)
        try h.say("error rate at 40% on checkout-api | EU only", id: "m1", at: at(2))
        try h.command("detected at 14:03", at: at(4))
        try h.command("acknowledged at 14:05", at: at(5), by: Fixtures.bob)
        try h.say("rolled back to v41, see <https://deploys.example.com/41|deploy 41>; error rate back to normal", id: "m2", at: at(20))
        try h.command("confirm S2", at: at(21))  // S1, the opening line's detection, was closed by "detected at 14:03"
        try h.command("resolved at 14:40", at: at(41))
        try h.command("summary Checkout returned HTTP 500 for 38 minutes after a config change removed the DB pool limit. Rolling back restored service.", at: at(60))
        try h.command("impact users about 12% of EU checkouts", at: at(61))
        try h.command("impact duration 38 minutes", at: at(61))
        try h.command("impact requests 41,200 failed requests", at: at(61))
        let whys = [
            "why the checkout pods exhausted database connections evidence E2 https://grafana.example.com/d/pool",
            "why the pool limit was removed from the config",
            "why the config was generated from an outdated template",
            "why templates are copied by hand between repositories",
            "why there is no shared, versioned source for service templates",
        ]
        for why in whys { try h.command(why, at: at(62)) }
        try h.command("rootcause confirm", at: at(63), by: Fixtures.bob)
        try h.command("factor Technology the pool limit had no safe default", at: at(64))
        try h.command("factor Monitoring no alert on connection saturation", at: at(64), by: Fixtures.bob)
        try h.command("went-well the rollback took four minutes", at: at(65))
        try h.command("went-wrong the deploy diff did not show generated config", at: at(65))
        try h.command("lucky traffic was low on a Sunday", at: at(65))
        try h.command("lesson generated config needs review like code", at: at(65))
        try h.command("action Publish service templates as a versioned package used by all repos owner @alice due 2026-12-06 priority P1 type prevent", at: at(66))
        try h.command("action Alert at 80% DB pool saturation for checkout-api, paging on-call owner @bob due 2026-11-29 priority P2 type detect", at: at(66))
        try h.command("followup 2026-12-20", at: at(67))
        return h
    }
}
