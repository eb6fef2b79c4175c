import Foundation
import Testing
@testable import HindsightCore

@Suite("Add to timeline: which incident, and once")
struct TimelineAdditionTests {
    let t0 = Fixtures.t0
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    func addition(_ id: String, in channel: ChannelKey = Fixtures.channel, sentAt: Date, note: String? = nil) -> TimelineAddition {
        TimelineAddition(
            message: ChannelMessage(channel: channel, messageID: id, author: Fixtures.bob, sentAt: sentAt, text: "db-2 disk at 91%"),
            note: note, link: "https://chat.example.com/\(channel.channelID)/\(id)", by: Fixtures.alice, askedIn: channel, at: at(30))
    }

    @Test("a message already captured is pinned, not stored twice; a new one keeps its time and carries the note")
    func pinOrAdd() throws {
        let h = DeskHarness()
        try h.command("start DB down", at: t0)
        try h.say("looking at it", id: "m1", at: at(1))
        let pinned = try h.desk.add(addition("m1", sentAt: at(1)), records: h.records)
        #expect(pinned.changes.count == 1)
        try h.records.apply(pinned.changes)
        #expect(h.timeline.first { $0.messageID == "m1" }?.keyReasons.contains(.pin) == true)

        let early = try h.desk.add(addition("m0", sentAt: at(-20), note: "the first sign"), records: h.records)
        try h.records.apply(early.changes)
        let event = try #require(h.timeline.first { $0.messageID == "m0" })
        #expect(event.occurredAt == at(-20))
        #expect(event.text == "db-2 disk at 91% — note by alice: the first sign")
        #expect(early.replies.first?.text.contains("at its own time") == true)
        #expect(event.attachments.isEmpty, "from the incident's channel: no link needed")
    }

    @Test("from a channel without an incident it joins the only open one; with none, or several, it says so")
    func whichIncident() throws {
        let h = DeskHarness()
        let other = ChannelKey(platform: .slack, channelID: "C9")
        #expect(try h.desk.add(addition("x1", in: other, sentAt: at(1)), records: h.records).changes.isEmpty)
        try h.command("start DB down", at: t0)
        let joined = try h.desk.add(addition("x1", in: other, sentAt: at(1)), records: h.records)
        #expect(joined.replies.first?.text.contains("from another channel") == true)
        try h.records.apply(joined.changes)
        #expect(h.timeline.first { $0.messageID == "x1" }?.attachments.map(\.url) == ["https://chat.example.com/C9/x1"])
        try h.command("start Queue backlog", at: at(2), channel: ChannelKey(platform: .slack, channelID: "C2"))
        var reaction = addition("x3", in: other, sentAt: at(3))
        reaction.ownChannelOnly = true
        #expect(try h.desk.add(reaction, records: h.records) == Decision(), "a 📌 names no incident: only its own channel's will do")
        let ambiguous = try h.desk.add(addition("x2", in: other, sentAt: at(3)), records: h.records)
        #expect(ambiguous.changes.isEmpty)
        #expect(ambiguous.replies.first?.text.contains("2 open elsewhere") == true)
    }
}
