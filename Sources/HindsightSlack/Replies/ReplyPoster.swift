import Foundation
import HindsightCore
import Logging

/// Where a reply goes: the conversation's channel, the person who asked, and the `response_url` of their slash
/// command or click when there is one (it works even where the bot is not a member).
struct ReplyTarget: Sendable {
    var channel: String
    var user: String?
    var responseURL: String?
}

/// Posts the core's `Reply` values to Slack: Markdown converted to mrkdwn, split below Slack's limits (never cut),
/// buttons as an `actions` block, files through the external upload flow, ephemeral replies to the asker only.
struct ReplyPoster: Sendable {
    let api: SlackWebAPI
    let messages: MessageCatalog
    let logger: Logger
    /// Told the `ts` of a guided conversation's first question, posted as the root of its thread.
    var threadStarted: @Sendable (_ channel: String, _ personID: String, _ ts: String) async -> Void = { _, _, _ in }

    /// Slack truncates `text` over 40,000 characters; stay below it.
    static let textLimit = 39_000

    /// Returns whether the reply is settled: posted, or refused for good. A held reply (`deliveryKey`) that Slack may
    /// still take later (unreachable, rate limited, 5xx) is not: it stays in the outbox for the retry round, and
    /// nobody is told.
    @discardableResult
    func post(_ reply: Reply, to target: ReplyTarget) async -> Bool {
        let channel = reply.destination ?? target.channel
        do {
            try await deliver(reply, channel: channel, target: target)
            return true
        } catch {
            if Task.isCancelled { return false }  // shutting down: a held reply is posted by the retry round
            logger.error("could not post a reply to slack", metadata: ["channel": "\(channel)", "error": "\(error)"])
            if reply.deliveryKey != nil, error.isTransient { return false }
            await explain(error, to: target)
            return true
        }
    }

    /// Tells the person who asked why their answer did not arrive (by `response_url`, which needs no membership).
    func explain(_ error: SlackAPIError, to target: ReplyTarget) async {
        let text = error.userFacingText(messages)
        if let url = target.responseURL {
            try? await api.respond(to: url, ephemeral: true, text: text)
        } else if let user = target.user, error.code != "not_in_channel", error.code != "channel_not_found" {
            try? await api.postEphemeral(channel: target.channel, user: user, text: text)
        }
    }

    private func deliver(_ reply: Reply, channel: String, target: ReplyTarget) async throws(SlackAPIError) {
        let text = SlackText.mrkdwn(reply.text)
        let pieces = text.isEmpty ? [] : TextSplit.split(text, limit: reply.actions.isEmpty ? Self.textLimit : Block.sectionLimit)
        let ephemeral = reply.visibility == .ephemeral && reply.destination == nil && reply.file == nil
        for (index, piece) in pieces.enumerated() {
            let blocks = index == pieces.count - 1 ? Self.blocks(piece, actions: reply.actions) : nil
            if ephemeral, let user = target.user {
                if let url = target.responseURL, blocks == nil, reply.thread == nil {
                    try await api.respond(to: url, ephemeral: true, text: piece)
                } else {
                    try await api.postEphemeral(channel: channel, user: user, text: piece, blocks: blocks, threadTS: reply.thread?.rootID)
                }
            } else {
                let ts = try await api.postMessage(channel: channel, text: piece, blocks: blocks, threadTS: reply.thread?.rootID)
                // A conversation's first question: its thread is where the answers and the next questions go.
                if index == 0, let thread = reply.thread, thread.rootID == nil, !ts.isEmpty {
                    await threadStarted(channel, thread.personID, ts)
                }
            }
        }
        if pieces.isEmpty, let blocks = Self.blocks("", actions: reply.actions) {
            _ = try await api.postMessage(channel: channel, text: reply.actionLines, blocks: blocks)
        }
        if let file = reply.file {
            try await api.upload(channel: channel, filename: file.name, contents: Data(file.contents.utf8), comment: nil)
        }
    }

    /// A section with the text and an `actions` block (`blockID`) with one button per action and, when there is a
    /// `menu`, an overflow menu (`<blockID>_menu`) of its items; nil with neither.
    static func blocks(_ mrkdwn: String, actions: [Reply.Action], blockID: String = "hindsight_actions", menu: [Reply.Action] = []) -> [Block]? {
        guard !actions.isEmpty || !menu.isEmpty else { return nil }
        var blocks: [Block] = mrkdwn.isEmpty ? [] : [.section(mrkdwn: mrkdwn)]
        let overflow = menu.isEmpty ? nil : Block.Overflow(actionID: "\(blockID)_menu", options: menu.map { item in
            Block.Button(actionID: "", label: item.label, value: item.command)
        })
        blocks.append(.actions(blockID: blockID, buttons: actions.enumerated().map { index, action in
            Block.Button(actionID: "hindsight_\(index)", label: action.label, value: action.command)
        }, overflow: overflow))
        return blocks
    }
}
