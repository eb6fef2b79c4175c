import ArgumentParser
import Foundation
import HindsightBot
import HindsightConsole
import HindsightCore

/// `hindsight ingest`: feeds JSON lines of channel messages and commands through the bot, printing `ack <id>` for each
/// message only after it is durably stored. Used to import history, to script the bot, and by the crash tests.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Capture JSON-lines messages from standard input, acknowledging each after it is stored.",
        discussion: """
            Each line is one object:
              {"channel":"C1","id":"1700000000.000100","user":"U1","name":"Alice","ts":"1700000000.000100","text":"rolling back"}
              {"channel":"C1","user":"U1","name":"Alice","command":"start Checkout errors sev2"}
            `ts` is seconds since the Unix epoch (a string or number, UTC) or an ISO-8601 UTC time \
            ("2026-11-22T14:05:00Z"); without it the line is stamped on arrival. `"bot": true` marks a post from an \
            alerting, status-page or deploy integration; `thread` is the parent message's id for a thread reply.
            Output: `ack <id>` per stored or duplicate message, `reply <text>` per command reply, `error <line>: <reason>`.
            """
    )

    @Option(help: "The platform the channels belong to (console, slack or mattermost).")
    var platform: String = "console"

    @OptionGroup var options: ConfigOptions

    struct Line: Decodable {
        var channel: String
        var id: String?
        var user: String
        var name: String?
        var ts: FlexibleTimestamp?
        var text: String?
        var command: String?
        var thread: String?
        var bot: Bool?
    }

    func run() async throws {
        guard let platform = Platforms.named(platform) else {
            throw ValidationError("--platform \(self.platform) is not valid: expected \(Platforms.known.map(\.rawValue).joined(separator: ", ")).")
        }
        let app = try await Composition.start(options)
        let decoder = JSONDecoder()
        var number = 0
        for await raw in StandardInputLines() {
            number += 1
            guard !raw.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let line: Line
            do {
                line = try decoder.decode(Line.self, from: Data(raw.utf8))
            } catch {
                emit("error \(number): not a valid line (\(error)); see `hindsight ingest --help` for the format")
                continue
            }
            let channel = ChannelKey(platform: platform, channelID: line.channel)
            let person = Person(id: line.user, name: line.name ?? line.user)
            let at = line.ts?.date ?? Date()
            if let command = line.command {
                for reply in await app.bot.handle(CommandInvocation(channel: channel, user: person, text: command, receivedAt: at)) {
                    emit("reply " + reply.text.replacingOccurrences(of: "\n", with: " "))
                }
            } else if let id = line.id, let text = line.text {
                let message = ChannelMessage(channel: channel, messageID: id, author: person, sentAt: at, text: text, threadParentID: line.thread,
                                             isFromIntegration: line.bot ?? false)
                do {
                    _ = try await app.bot.capture(.message(message))
                    emit("ack \(id)")
                } catch {
                    emit("error \(number): not stored, not acknowledged: \(error)")
                }
            } else {
                emit("error \(number): a line needs either `command` or both `id` and `text`")
            }
        }
    }

    /// Unbuffered, so an `ack` is visible to the reader the moment the store has committed.
    private func emit(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// A time given as a Unix timestamp, either a string (Slack's `ts`) or a number, or as an ISO-8601 UTC string.
struct FlexibleTimestamp: Decodable {
    var date: Date

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            date = Date(timeIntervalSince1970: seconds)
        } else {
            let text = try container.decode(String.self)
            if let seconds = Double(text) {
                date = Date(timeIntervalSince1970: seconds)
            } else if let parsed = try? Date(text, strategy: .iso8601) {
                date = parsed
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "ts must be seconds since the Unix epoch or an ISO-8601 time")
            }
        }
    }
}
