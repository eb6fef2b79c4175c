import HindsightBot
import HindsightCore

/// Incident cards on Slack: a message with a section of mrkdwn and the waiting suggestions as buttons, pinned with
/// `pins.add`, edited with `chat.update`. Rate limits are the Web API client's to honour (it waits each `Retry-After`
/// before calling the method again); what it gives up on comes back as `.rateLimited`.
struct SlackCardSurface: CardSurface {
    /// The block id of the card's buttons: a click on one runs its command and leaves the message to the keeper,
    /// where other buttons are replaced by who chose what.
    static let actionsBlockID = "hindsight_card"

    let api: SlackWebAPI

    func post(_ card: IncidentCard) async throws(CardSurfaceError) -> String {
        let (text, blocks) = Self.content(card)
        do { return try await api.postMessage(channel: card.channel.channelID, text: text, blocks: blocks) } catch { throw Self.cardError(error) }
    }

    func pin(_ messageID: String, in channel: ChannelKey) async throws(CardSurfaceError) {
        do { try await api.pin(channel: channel.channelID, ts: messageID) } catch {
            if error.code == "already_pinned" { return }
            throw Self.cardError(error)
        }
    }

    func edit(_ messageID: String, _ card: IncidentCard) async throws(CardSurfaceError) {
        let (text, blocks) = Self.content(card)
        do { try await api.update(channel: card.channel.channelID, ts: messageID, text: text, blocks: blocks) } catch { throw Self.cardError(error) }
    }

    /// The notification text and the blocks: the card's text as one section (clipped to Slack's section limit), then
    /// its buttons.
    static func content(_ card: IncidentCard) -> (text: String, blocks: [Block]) {
        let text = SlackText.mrkdwn(card.text)
        let section = text.count > Block.sectionLimit ? String(text.prefix(Block.sectionLimit - 1)) + "…" : text
        return (text, ReplyPoster.blocks(section, actions: card.actions, blockID: actionsBlockID, menu: card.menu) ?? [.section(mrkdwn: section)])
    }

    static func cardError(_ error: SlackAPIError) -> CardSurfaceError {
        switch error {
        case .api(_, "message_not_found", _): .gone
        case .rateLimited, .api(_, "ratelimited", _): .rateLimited(retryAfter: nil)
        default: .failed(error.description)
        }
    }
}
