import Foundation
import HindsightCore
import Testing

@Suite("The capture pipeline: what every captured input passes before the desk decides")
struct CapturePipelineTests {
    let channel = Fixtures.channel
    let t0 = Fixtures.t0
    /// Stands in for the redactor: one made-up secret, replaced.
    let redact: @Sendable (String) -> String = { $0.replacingOccurrences(of: "hunter2", with: "[redacted]") }

    func message(_ text: String, id: String = "m1", bot: Bool = false, attachments: [HindsightCore.Attachment] = []) -> CaptureInput {
        .message(ChannelMessage(
            channel: channel, messageID: id, author: Fixtures.alice, sentAt: t0, text: text, attachments: attachments, isFromThisBot: bot
        ))
    }

    @Test("the standard chain drops the bot's own messages and redacts every text the others carry")
    func standard() {
        let pipeline = CapturePipeline.standard(redact: redact)
        #expect(pipeline.steps.map(\.name) == ["ignore-own-messages", "redact"])
        #expect(pipeline.run(message("password hunter2", bot: true)) == .drop(.fromThisBot))
        let attachment = HindsightCore.Attachment(name: "hunter2.txt", url: "https://files.example.com/hunter2")
        #expect(pipeline.run(message("password hunter2", attachments: [attachment])) == .pass(message(
            "password [redacted]", attachments: [HindsightCore.Attachment(name: "[redacted].txt", url: "https://files.example.com/[redacted]")]
        )))
        #expect(pipeline.run(.edit(channel: channel, messageID: "m1", newText: "it was hunter2", editedAt: t0))
            == .pass(.edit(channel: channel, messageID: "m1", newText: "it was [redacted]", editedAt: t0)))
        let untouched: [CaptureInput] = [
            .deletion(channel: channel, messageID: "m1", deletedAt: t0),
            .reaction(channel: channel, messageID: "m1", emoji: "pushpin", by: Fixtures.bob, added: true),
            .pin(channel: channel, messageID: "m1", by: Fixtures.bob, added: false),
        ]
        for input in untouched { #expect(pipeline.run(input) == .pass(input)) }
        // The bot's own ✅ or pin is no responder's attention.
        #expect(pipeline.run(.reaction(channel: channel, messageID: "m1", emoji: "white_check_mark", by: Fixtures.bob, added: true, fromThisBot: true))
            == .drop(.fromThisBot))
        #expect(pipeline.run(.pin(channel: channel, messageID: "m1", by: Fixtures.bob, added: true, fromThisBot: true)) == .drop(.fromThisBot))
    }

    @Test("an inserted step runs where it was put: before redaction it sees the secret, after it only the mask")
    func order() {
        let sawSecret = { @Sendable (input: CaptureInput) -> CapturePipeline.Verdict in
            if case let .message(m) = input, m.text.contains("hunter2") { return .drop(.unknownMessage) }
            return .pass(input)
        }
        var before = CapturePipeline.standard(redact: redact)
        before.insert(.init(name: "audit", run: sawSecret), before: "redact")
        #expect(before.steps.map(\.name) == ["ignore-own-messages", "audit", "redact"])
        #expect(before.run(message("hunter2")) == .drop(.unknownMessage))

        var after = CapturePipeline.standard(redact: redact)
        after.insert(.init(name: "audit", run: sawSecret), before: "no such step")
        #expect(after.steps.map(\.name) == ["ignore-own-messages", "redact", "audit"])
        #expect(after.run(message("hunter2")) == .pass(message("[redacted]")))
    }

    @Test("the desk runs its pipeline first: a step a platform adds decides the outcome, and nothing it drops is stored")
    func deskRunsThePipeline() throws {
        let h = DeskHarness().withCaptureStep(.init(name: "drop-m2") { input in
            if case let .message(m) = input, m.messageID == "m2" { return .drop(.fromThisBot) }
            return .pass(input)
        }, before: "redact")
        try h.command("start Checkout returns 500 sev2", at: t0)
        let before = h.timeline.count
        #expect(try h.say("db failover started", id: "m1", at: t0.addingTimeInterval(60)).0 == .stored)
        #expect(try h.say("db failover started", id: "m2", at: t0.addingTimeInterval(61)).0 == .ignored(.fromThisBot))
        #expect(h.timeline.count == before + 1)
        #expect(h.timeline.last?.messageID == "m1")
    }
}
