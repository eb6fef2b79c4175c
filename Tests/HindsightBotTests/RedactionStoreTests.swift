import Foundation
import Logging
import Testing
@testable import HindsightBot
import HindsightCore
import HindsightPrompts
import HindsightStore

@Suite("Pasted secrets never reach the database")
struct RedactionStoreTests {
    static let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Prompts")

    /// Made-up bodies in the providers' formats, repeated from short fabricated runs so no literal here is a real key.
    static func body(_ seed: String, _ count: Int) -> String { String(String(repeating: seed, count: count / seed.count + 1).prefix(count)) }

    /// (pasted text, the secret part that must not be stored, the kind it is stored as)
    static let pastes: [(text: String, secret: String, id: String)] = {
        let npm = body("Qz7fK2pLw9", 36)
        let azure = body("Fk3+Rq/8Zw1LmN5x", 86)
        let openai = body("pR4_tY8-wQ2zX6", 120)
        let datadog = body("4f9a0c1d7e2b", 32)
        let twilio = body("a3f9c2e17b4d", 32)
        let sendgrid = (body("Ab3dE5gH7jK9", 22), body("Mn2pQ4rS6tU8vW0x", 43))
        let aws = body("Q7ZK2W9XLM4T", 16)
        let postgres = body("Tr0ub4dorX", 14)
        return [
            ("oops NPM_TOKEN=npm_\(npm) in the build log", npm, "npm-token"),
            ("DefaultEndpointsProtocol=https;AccountName=dumps;AccountKey=\(azure)==;EndpointSuffix=core.windows.net", azure, "azure-storage-key"),
            ("the summariser used sk-proj-\(openai) yesterday", openai, "openai-key"),
            ("DD_API_KEY=\(datadog) was in the agent config", datadog, "datadog-key"),
            ("twilio key SK\(twilio) still works", twilio, "twilio-api-key"),
            ("SG.\(sendgrid.0).\(sendgrid.1) is the mailer key", sendgrid.1, "sendgrid-key"),
            ("rotated AKIA\(aws) this morning", aws, "aws-access-key"),
            ("postgres://app:\(postgres)@db.internal:5432/app is the primary", postgres, "url-password"),
        ]
    }()

    @Test("secrets in messages, edits, attachments, titles and notes are stored redacted, through the real capture path")
    func storedRedacted() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-redaction-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("db.sqlite").path
        let prompts = try PromptSet(directory: Self.prompts)
        let bot = Bot(store: try Store(path: database), desk: prompts.desk(zone: .gmt), logger: Logger(label: "test"))
        let channel = ChannelKey(platform: .slack, channelID: "C1")
        let ann = Person(id: "U1", name: "ann")
        let t0 = Date(timeIntervalSince1970: 1_795_356_000)
        let title = Self.body("hX4kP8sV2nB6", 36)
        let note = Self.body("L9mQ3wE7rT1y", 24)
        let edited = Self.body("c0d1e2f3a4b5", 40)
        let sig = Self.body("Wq8Er4Ty6Ui2Op0A", 43)

        _ = await bot.handle(CommandInvocation(channel: channel, user: ann, text: "start Leak drill ghp_\(title) sev3", receivedAt: t0))
        for (i, paste) in Self.pastes.enumerated() {
            _ = try await bot.capture(.message(ChannelMessage(channel: channel, messageID: "m\(i)", author: ann, sentAt: t0.addingTimeInterval(Double(i + 1)), text: paste.text)))
        }
        let dump = Attachment(name: "heap.bin", url: "https://acct.blob.core.windows.net/dumps/heap.bin?sv=2022-11-02&sp=r&sig=\(sig)%3D")
        _ = try await bot.capture(.message(ChannelMessage(channel: channel, messageID: "a1", author: ann, sentAt: t0.addingTimeInterval(20), text: "heap dump attached", attachments: [dump])))
        _ = try await bot.capture(.message(ChannelMessage(channel: channel, messageID: "e1", author: ann, sentAt: t0.addingTimeInterval(25), text: "the app key is …")))
        _ = try await bot.capture(.edit(channel: channel, messageID: "e1", newText: "fixed, the app key is DD_APP_KEY=\(edited)", editedAt: t0.addingTimeInterval(30)))
        _ = await bot.handle(CommandInvocation(channel: channel, user: ann, text: "note rotated sk_live_\(note)", receivedAt: t0.addingTimeInterval(40)))

        let incident = try #require(try await bot.store.read { tx in try tx.openIncident(in: channel) })
        let events = try await bot.openTimeline(in: channel)
        let stored = ([incident.title] + events.map(\.text) + events.flatMap { $0.attachments.map(\.url) }).joined(separator: "\n")
        let secrets = Self.pastes.map(\.secret) + [title, note, edited, sig]
        for secret in secrets {
            #expect(!stored.contains(secret), "\(secret) was stored")
        }
        for id in Self.pastes.map(\.id) + ["github-token", "stripe-key", "datadog-key", "azure-sas-signature"] {
            #expect(stored.contains("[redacted:\(id)]"), "no [redacted:\(id)] in \(stored)")
        }
        #expect(stored.contains("is the primary") && stored.contains("Leak drill"))

        // Nothing of a secret in the database file or its write-ahead log either.
        let raw = try Data(contentsOf: URL(fileURLWithPath: database)) + ((try? Data(contentsOf: URL(fileURLWithPath: database + "-wal"))) ?? Data())
        for secret in secrets {
            #expect(raw.range(of: Data(secret.utf8)) == nil, "\(secret) is in the database file")
        }
    }
}
