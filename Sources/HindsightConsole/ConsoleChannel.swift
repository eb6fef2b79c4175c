import Foundation
import HindsightBot
import HindsightCore
import Logging

/// The embedded default channel: the terminal is one incident channel. Each line is a message from the local user;
/// a line starting with `/postmortem` is the slash command. Replies go to the output. Ends at end of input.
public struct ConsoleChannel: Sendable {
    public static let channel = ChannelKey(platform: .console, channelID: "console")

    private let bot: Bot
    private let user: Person
    private let filesDirectory: URL
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - user: who is typing (the local user).
    ///   - filesDirectory: where replies that come as files (long timelines, reports) are saved.
    public init(bot: Bot, user: Person, filesDirectory: URL, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.bot = bot
        self.user = user
        self.filesDirectory = filesDirectory
        self.logger = logger
        self.now = now
    }

    /// Reads `lines` until they end, writing every reply with `write`.
    public func run(lines: some AsyncSequence<String, Never>, write: @Sendable (String) -> Void) async {
        write(bot.messages.render(ConsoleMessageKey.welcome))
        var counter = 0
        for await rawLine in lines {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty else { continue }
            let sentAt = now()
            counter += 1
            let replies: [Reply]
            if line.hasPrefix("/postmortem") || line.hasPrefix("/pm ") {
                let text = line.drop(while: { !$0.isWhitespace }).trimmingCharacters(in: .whitespaces)
                replies = await bot.handle(CommandInvocation(channel: Self.channel, user: user, text: text, receivedAt: sentAt))
            } else {
                // Unique across runs: the time in microseconds plus a counter for lines typed in the same microsecond.
                let id = "\(Int64(sentAt.timeIntervalSince1970 * 1_000_000))-\(counter)"
                let message = ChannelMessage(channel: Self.channel, messageID: id, author: user, sentAt: sentAt, text: line)
                do {
                    replies = try await bot.capture(.message(message)).replies
                } catch {
                    logger.error("could not store console message", metadata: ["error": "\(error)"])
                    replies = [Reply(.ephemeral, bot.messages.render(.internalError, ["reason": "\(error)"]))]
                }
            }
            // The console opens no forms (it never offers them) and writes every reply where the line was typed.
            for reply in ReplyPlan(replies, answer: .everything).answer { write(render(reply)) }
        }
    }

    private func render(_ reply: Reply) -> String {
        // The console is one channel; a reply meant for another one says where it would have gone.
        var text = reply.destination.map { "(to #\($0)) " } ?? ""
        text += reply.text
        for action in reply.actions {
            text += "\n  → \(action.label): /postmortem \(action.command)"
        }
        if let file = reply.file {
            let url = filesDirectory.appendingPathComponent(file.name)
            do {
                try FileManager.default.createDirectory(at: filesDirectory, withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .atomic)
                text += "\n  (saved \(url.path))"
            } catch {
                text += "\n  (could not save \(url.path): \(error.localizedDescription))"
            }
        }
        return text
    }
}

/// Standard input as an async sequence of lines, read on a dedicated thread so the cooperative pool never blocks.
public struct StandardInputLines: AsyncSequence, Sendable {
    public typealias Element = String

    public init() {}

    public func makeAsyncIterator() -> AsyncStream<String>.Iterator {
        // Unbounded: a piped file is read whole rather than dropping a line.
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
            }
            continuation.finish()
        }
        thread.start()
        return stream.makeAsyncIterator()
    }
}
