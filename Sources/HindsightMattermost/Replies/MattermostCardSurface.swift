import HindsightBot
import HindsightCore

/// Incident cards on Mattermost: a post with the card's Markdown and, when the bot has a public URL, the waiting
/// suggestions as buttons (signed like every button the bot posts); pinned with `POST /posts/{id}/pin`, edited with
/// `PUT /posts/{id}/patch` (its `props` replace the whole map, so each edit sends the buttons of that moment). The
/// REST client waits out 429s; what it gives up on comes back as `.rateLimited`.
struct MattermostCardSurface: CardSurface {
    let rest: MattermostREST
    let poster: ReplyPoster

    func post(_ card: IncidentCard) async throws(CardSurfaceError) -> String {
        let (message, props) = content(card)
        do { return try await rest.createPost(channelID: card.channel.channelID, message: message, props: props).id } catch {
            throw Self.cardError(error)
        }
    }

    func pin(_ messageID: String, in channel: ChannelKey) async throws(CardSurfaceError) {
        do { try await rest.pin(messageID) } catch { throw Self.cardError(error) }
    }

    func edit(_ messageID: String, _ card: IncidentCard) async throws(CardSurfaceError) {
        let (message, props) = content(card)
        do { _ = try await rest.patchPost(messageID, message: message, props: props ?? PostProps(attachments: [])) } catch {
            throw Self.cardError(error)
        }
    }

    /// The post's Markdown (with the buttons as `/postmortem` lines where they cannot be buttons) and its props.
    private func content(_ card: IncidentCard) -> (String, PostProps?) {
        let reply = card.reply(.channel)
        guard let buttons = poster.attachments(for: reply, channelID: card.channel.channelID, userID: nil) else {
            return (reply.actions.isEmpty ? reply.text : reply.text + "\n" + reply.actionLines, nil)
        }
        return (String(reply.text.prefix(poster.maxPostLength)), PostProps(attachments: buttons))
    }

    static func cardError(_ error: MattermostAPIError) -> CardSurfaceError {
        switch error {
        case .notFound: .gone
        case .rateLimited: .rateLimited(retryAfter: nil)
        default: .failed(error.description)
        }
    }
}
