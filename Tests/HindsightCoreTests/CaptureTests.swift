import Foundation
import Testing
@testable import HindsightCore

@Suite("Automatic timeline capture")
struct CaptureTests {
    let t0 = Fixtures.t0

    func openIncident() throws -> DeskHarness {
        let h = DeskHarness()
        try h.command("start Checkout errors sev2", at: t0)
        return h
    }

    @Test("messages land with the platform's timestamp, author, thread and attachments")
    func message() throws {
        let h = try openIncident()
        let sentAt = Date(timeIntervalSince1970: 1_795_356_123.000_456)
        let message = ChannelMessage(channel: Fixtures.channel, messageID: "1795356123.000456", author: Fixtures.bob, sentAt: sentAt,
                                     text: "graph attached", threadParentID: "1795356000.000100", attachments: [Attachment(name: "p99.png", url: "https://files/x")])
        #expect(try h.capture(.message(message)).0 == .stored)
        let event = try #require(h.timeline.last)
        #expect(event.occurredAt == sentAt)
        #expect(event.author == Fixtures.bob)
        #expect(event.threadParentID == "1795356000.000100")
        #expect(event.attachments.first?.name == "p99.png")
        #expect(event.source == .chat)
    }

    @Test("the same message delivered twice is stored once")
    func duplicates() throws {
        let h = try openIncident()
        #expect(try h.say("rolling restart", id: "m1", at: t0.addingTimeInterval(1)).0 == .stored)
        #expect(try h.say("rolling restart", id: "m1", at: t0.addingTimeInterval(1)).0 == .duplicate)
        #expect(h.timeline.filter { $0.messageID == "m1" }.count == 1)
    }

    @Test("the bot's own messages and channels without an open incident are not captured")
    func ignored() throws {
        let h = try openIncident()
        #expect(try h.say("I am the bot", id: "b1", at: t0, bot: true).0 == .ignored(.fromThisBot))
        let quiet = ChannelKey(platform: .slack, channelID: "C9")
        #expect(try h.say("unrelated", id: "q1", at: t0, channel: quiet).0 == .ignored(.noOpenIncident))
        #expect(h.timeline.count == 1)
    }

    @Test("edits update the text and keep the history; deletions are marked, not removed")
    func editsAndDeletes() throws {
        let h = try openIncident()
        try h.say("db at 90% cpu", id: "m1", at: t0.addingTimeInterval(5))
        #expect(try h.capture(.edit(channel: Fixtures.channel, messageID: "m1", newText: "db at 95% cpu", editedAt: t0.addingTimeInterval(9))).0 == .updated)
        var event = try #require(h.timeline.first { $0.messageID == "m1" })
        #expect(event.text == "db at 95% cpu")
        #expect(event.revisions == [EventRevision(text: "db at 90% cpu", replacedAt: t0.addingTimeInterval(9))])

        #expect(try h.capture(.deletion(channel: Fixtures.channel, messageID: "m1", deletedAt: t0.addingTimeInterval(20))).0 == .updated)
        #expect(try h.capture(.deletion(channel: Fixtures.channel, messageID: "m1", deletedAt: t0.addingTimeInterval(21))).0 == .duplicate)
        event = try #require(h.timeline.first { $0.messageID == "m1" })
        #expect(event.deletedAt == t0.addingTimeInterval(20))
        let shown = try h.desk.timeline(try #require(h.incident), filter: .all, page: 1, records: h.records)
        #expect(!shown.text.contains("95% cpu"))
        #expect(try h.capture(.edit(channel: Fixtures.channel, messageID: "nope", newText: "x", editedAt: t0)).0 == .ignored(.unknownMessage))
    }

    @Test("a pushpin reaction, a pin or a note makes a key event; other emoji do not")
    func keyEvents() throws {
        let h = try openIncident()
        // Words that give the classifier nothing, so the reasons seen are the responders' alone.
        try h.say("here is the graph", id: "m1", at: t0.addingTimeInterval(120))
        #expect(h.timeline.first { $0.messageID == "m1" }?.isKey == false)
        #expect(try h.capture(.reaction(channel: Fixtures.channel, messageID: "m1", emoji: "eyes", by: Fixtures.alice, added: true)).0 == .updated)
        #expect(h.timeline.first { $0.messageID == "m1" }?.isKey == false, "one person's 👀 is not a key event")
        #expect(try h.capture(.reaction(channel: Fixtures.channel, messageID: "m1", emoji: "pushpin", by: Fixtures.alice, added: true)).0 == .updated)
        #expect(h.timeline.first { $0.messageID == "m1" }?.keyReasons == [.reaction])
        try h.capture(.pin(channel: Fixtures.channel, messageID: "m1", by: Fixtures.alice, added: true))
        try h.capture(.reaction(channel: Fixtures.channel, messageID: "m1", emoji: "pushpin", by: Fixtures.alice, added: false))
        #expect(h.timeline.first { $0.messageID == "m1" }?.keyReasons == [.pin])
        // A reason the words gave stays when a responder's is added and taken away.
        try h.say("root cause: the connection pool was exhausted at 14:02", id: "m2", at: t0.addingTimeInterval(130))
        try h.capture(.reaction(channel: Fixtures.channel, messageID: "m2", emoji: "pushpin", by: Fixtures.alice, added: true))
        #expect(h.timeline.first { $0.messageID == "m2" }?.keyReasons == [.finding, .reaction])
        try h.capture(.reaction(channel: Fixtures.channel, messageID: "m2", emoji: "pushpin", by: Fixtures.alice, added: false))
        #expect(h.timeline.first { $0.messageID == "m2" }?.keyReasons == [.finding])

        try h.command("note failover started manually at 14:03", at: t0.addingTimeInterval(400), by: Fixtures.bob)
        let note = try #require(h.timeline.last)
        #expect(note.keyReasons == [.note])
        #expect(note.author == Fixtures.bob)
        #expect(note.source == .command)
        #expect(note.occurredAt == t0.addingTimeInterval(180))

        try h.command("pin E2", at: t0.addingTimeInterval(500))
        #expect(h.timeline.first { $0.number == 2 }?.isKey == true)
    }

    @Test("reactions from three people or three replies in its thread make a message key; a redelivered reaction counts once")
    func attention() throws {
        let h = try openIncident()
        let carol = Person(id: "U3", name: "carol")
        func react(_ emoji: String, _ person: Person, added: Bool = true) throws -> CaptureOutcome {
            try h.capture(.reaction(channel: Fixtures.channel, messageID: "m1", emoji: emoji, by: person, added: added)).0
        }
        func reasons(_ id: String) -> Set<KeyReason>? { h.timeline.first { $0.messageID == id }?.keyReasons }
        try h.say("here is the graph", id: "m1", at: t0.addingTimeInterval(60))
        #expect(try react("eyes", Fixtures.alice) == .updated)
        #expect(try react("eyes", Fixtures.alice) == .duplicate, "the same person and emoji again")
        #expect(try react("+1", Fixtures.alice) == .updated)
        #expect(try react("eyes", Fixtures.bob) == .updated)
        #expect(reasons("m1") == [], "two people")
        #expect(try react("eyes", carol) == .updated)
        #expect(reasons("m1") == [.attention], "three people")
        #expect(try react("eyes", carol, added: false) == .updated)
        #expect(reasons("m1") == [], "back to two people")
        #expect(try react("eyes", Fixtures.alice, added: false) == .updated)
        #expect(try react("+1", carol) == .updated)
        #expect(reasons("m1") == [.attention], "alice's +1 still counts her")

        // A 📌 recorded before reactions were stored has no row: taking it away still clears the reason, once.
        try h.say("the graph for us", id: "m3", at: t0.addingTimeInterval(90))
        let legacy = try #require(h.timeline.first { $0.messageID == "m3" })
        try h.records.apply([.setKeyReasons(incidentID: legacy.incidentID, number: legacy.number, reasons: [.reaction])])
        let unpin = CaptureInput.reaction(channel: Fixtures.channel, messageID: "m3", emoji: "pushpin", by: Fixtures.alice, added: false)
        #expect(try h.capture(unpin).0 == .updated)
        #expect(reasons("m3") == [])
        #expect(try h.capture(unpin).0 == .duplicate)

        try h.say("the graph for eu", id: "m2", at: t0.addingTimeInterval(120))
        for i in 1...3 {
            try h.capture(.message(ChannelMessage(
                channel: Fixtures.channel, messageID: "r\(i)", author: Fixtures.bob, sentAt: t0.addingTimeInterval(120 + Double(i)),
                text: "hm", threadParentID: "m2")))
            #expect(reasons("m2") == (i < 3 ? [] : [.attention]), "\(i) replies")
        }
    }

    @Test("a milestone phrase is proposed, never applied, until a responder confirms it")
    func suggestions() throws {
        let h = try openIncident()
        // Not the incident's opening message: that one is also weighed as the detection.
        try h.say("morning all", id: "m0", at: t0.addingTimeInterval(60))
        let (_, replies) = try h.say("ok, rolled back to v41, error rate is back to normal", id: "m1", at: t0.addingTimeInterval(600))
        let proposal = try #require(replies.first)
        #expect(proposal.actions.map(\.command) == ["confirm S1", "dismiss S1"])
        #expect(h.incident?.milestones[.mitigated] == nil)
        // A weaker later candidate does not nag while S1 is pending.
        #expect(try h.say("latency back to normal too", id: "m2", at: t0.addingTimeInterval(660)).1.isEmpty)

        try h.command("confirm S1", at: t0.addingTimeInterval(700))
        #expect(h.incident?.milestones[.mitigated] == t0.addingTimeInterval(600))
        #expect(h.timeline.first { $0.messageID == "m1" }?.keyReasons.contains(.milestone) == true)
        #expect(try h.command("dismiss S1", at: t0.addingTimeInterval(710)).first?.text.contains("already confirmed") == true)

        try h.say("paged the DBA", id: "m3", at: t0.addingTimeInterval(720))
        try h.command("dismiss S2", at: t0.addingTimeInterval(730))
        #expect(h.incident?.milestones[.detected] == nil)
        #expect(try h.command("confirm S9", at: t0).first?.text.contains("no suggestion S9") == true)
    }

    @Test("a suggestion a responder dismisses no longer marks its message key; what else made the message key stays")
    func dismissedSuggestions() throws {
        let h = try openIncident()
        let reasons = { (id: String) in h.timeline.first { $0.messageID == id }?.keyReasons ?? [] }
        try h.say("morning all", id: "m0", at: t0.addingTimeInterval(60))
        try h.say("ok, rolled back to v41, error rate is back to normal", id: "m1", at: t0.addingTimeInterval(600))
        #expect(reasons("m1").contains(.candidate))
        let others = reasons("m1").subtracting([.candidate])
        try h.command("dismiss S1", at: t0.addingTimeInterval(620))
        #expect(reasons("m1") == others)

        // Setting the milestone by hand answers the suggestion still waiting without refusing it: its message stays key,
        // the signal that came first.
        try h.say("error rate is back to normal everywhere, we rolled back", id: "m2", at: t0.addingTimeInterval(1300))
        #expect(reasons("m2").contains(.candidate))
        try h.command("mitigated at 14:22", at: t0.addingTimeInterval(1320))
        #expect(h.incident?.milestones[.mitigated] != nil)
        #expect(reasons("m2").contains(.candidate))

        // A confirmed one stays key, as the milestone.
        try h.say("all clear, closing the incident. thanks everyone", id: "m3", at: t0.addingTimeInterval(1900))
        let incident = try #require(h.incident)
        let pending = try #require(h.records.suggestions(of: incident.id).first { $0.status == .pending })
        try h.command("confirm S\(pending.number)", at: t0.addingTimeInterval(1910))
        #expect(reasons("m3").isSuperset(of: [.candidate, .milestone]))
    }

    @Test("phrases match whole words only", arguments: [
        ("we rolled back the canary and errors are back to normal", MilestoneKind?.some(.mitigated)),
        ("Error rate back to normal everywhere.", .mitigated),
        ("pager went off at 03:12", .detected),
        ("declaring resolved, thanks all", .resolved),
        ("unpaged services look fine", nil),
        ("the rollback plan is ready", nil),
        ("what does normal look like", nil),
    ])
    func classifier(text: String, expected: MilestoneKind?) {
        #expect(MilestoneClassifier(rules: Fixtures.prompts.classifier).classify(text)?.milestone == expected)
    }

    @Test("long timelines come paginated with the whole timeline as a file, never cut silently")
    func pagination() throws {
        let h = try openIncident()
        for i in 1...75 { try h.say("update \(i)\nsecond line", id: "m\(i)", at: t0.addingTimeInterval(Double(i))) }
        let incident = try #require(h.incident)
        let first = try h.desk.timeline(incident, filter: .all, page: 1, records: h.records)
        #expect(first.text.contains("Page 1 of 3"))
        let file = try #require(first.file)
        #expect(file.contents.split(separator: "\n").filter { $0.contains(" UTC E") }.count == 76)
        #expect(file.contents.contains("update 75 ⏎ second line"))
        let last = try h.desk.timeline(incident, filter: .all, page: 3, records: h.records)
        #expect(last.text.contains("update 75"))
        #expect(!last.text.contains("update 1 "))
    }
}
