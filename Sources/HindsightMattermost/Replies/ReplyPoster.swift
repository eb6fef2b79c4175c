import Foundation
import HindsightCore
import HindsightServer
import Logging

/// Posts the core's `Reply` values to Mattermost over REST: Markdown text split at the post limit, buttons as
/// attachment actions (when the bot has a public URL), files uploaded then referenced by `file_ids`.
struct ReplyPoster: Sendable {
    let rest: MattermostREST
    let maxPostLength: Int
    let publicURL: String?
    let messages: MessageCatalog
    let logger: Logger
    /// Signs each button's context, so only clicks on buttons the bot posted are obeyed.
    let callbacks: CallbackSigner
    /// Told the id of a guided conversation's first question, posted as the root of its thread.
    var threadStarted: @Sendable (_ channelID: String, _ personID: String, _ postID: String) async -> Void = { _, _, _ in }

    /// Posts `reply` in `channelID`; ephemeral replies go to `userID` only when one is known. Returns whether the
    /// reply is settled: posted, or refused for good. A held reply (`deliveryKey`) that Mattermost may still take
    /// later (unreachable, rate limited, 5xx) is not: it stays in the outbox for the retry round, and nobody is told.
    @discardableResult
    func post(_ reply: Reply, channelID: String, userID: String?, rootID: String? = nil) async -> Bool {
        // A reply for another channel (stakeholders) is a new post there, not part of this thread.
        let rootID = reply.destination == nil ? (reply.thread?.rootID ?? rootID) : nil
        let channelID = reply.destination ?? channelID
        do {
            try await deliver(reply, channelID: channelID, userID: userID, rootID: rootID)
            return true
        } catch {
            if Task.isCancelled { return false }  // shutting down: a held reply is posted by the retry round
            logger.error("could not post a reply to Mattermost", metadata: ["channel": "\(channelID)", "error": "\(error)"])
            if reply.deliveryKey != nil, error.isTransient { return false }
            // Tell the person who asked, unless Mattermost refuses posting here at all.
            if let userID, !error.isForbidden {
                try? await rest.createEphemeralPost(userID: userID, channelID: channelID, message: error.userFacingText(messages))
            }
            return true
        }
    }

    private func deliver(_ reply: Reply, channelID: String, userID: String?, rootID: String?) async throws(MattermostAPIError) {
        var pieces = reply.text.isEmpty ? [] : TextSplit.split(reply.text, limit: maxPostLength)
        let buttons = attachments(for: reply, channelID: channelID, userID: userID)
        if buttons == nil, !reply.actions.isEmpty {
            pieces.append(reply.actionLines)
        }
        if reply.visibility == .ephemeral, let userID, reply.file == nil {
            for piece in pieces { try await rest.createEphemeralPost(userID: userID, channelID: channelID, message: piece, rootID: rootID) }
            return
        }
        for (index, piece) in pieces.enumerated() {
            let props = index == pieces.count - 1 ? buttons.map { PostProps(attachments: $0) } : nil
            let post = try await rest.createPost(channelID: channelID, message: piece, rootID: rootID, props: props)
            // A conversation's first question: its thread is where the answers and the next questions go.
            if index == 0, let thread = reply.thread, thread.rootID == nil, reply.destination == nil {
                await threadStarted(channelID, thread.personID, post.id)
            }
        }
        if pieces.isEmpty, let buttons {
            _ = try await rest.createPost(channelID: channelID, message: "", rootID: rootID, props: PostProps(attachments: buttons))
        }
        if let file = reply.file {
            let id = try await rest.uploadFile(channelID: channelID, name: file.name, contents: Data(file.contents.utf8))
            _ = try await rest.createPost(channelID: channelID, message: "", rootID: rootID, fileIDs: [id])
        }
    }

    /// The reply's buttons as one attachment whose actions call back `/mattermost/action`, each with a token for its
    /// command in `channelID` (personal to `userID` when the reply is ephemeral); nil without a public URL.
    func attachments(for reply: Reply, channelID: String, userID: String?) -> [PostAttachment]? {
        guard !reply.actions.isEmpty, let publicURL else { return nil }
        let owner = reply.visibility == .ephemeral ? userID : nil
        let buttons = reply.actions.enumerated().map { index, action in
            PostAction(
                id: "hindsight\(index)", name: action.label,
                integration: .init(url: publicURL + "/mattermost/action", context: ActionContext(
                    command: action.command,
                    token: callbacks.issue(.button, purpose: action.command, channelID: channelID, userID: owner)
                ))
            )
        }
        return [PostAttachment(fallback: reply.actionLines, text: nil, actions: buttons)]
    }
}
