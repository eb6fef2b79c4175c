import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The Slack channel adapter: Socket Mode for events, slash commands and interactivity; the Web API for everything
/// it says. Events are acknowledged only once stored (in group-committed batches); retries and redeliveries are
/// recognised by `event_id` and by message `ts`; after an abrupt loss it backfills with `conversations.history`.
public final class SlackAdapter: Service, Sendable {
    private let configuration: SlackConfiguration
    private let bot: Bot
    private let api: SlackWebAPI
    private let webSockets: WebSocketClient
    private let logger: Logger
    private let directory: SlackUserDirectory
    private let poster: ReplyPoster
    private let reconnectPolicy: ReconnectPolicy
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let live = LiveConnections()
    private let outbox: AsyncStream<(Reply, ReplyTarget)>
    private let outboxSink: AsyncStream<(Reply, ReplyTarget)>.Continuation
    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let jobsSink: AsyncStream<@Sendable () async -> Void>.Continuation
    private let backfillStatus = BackfillStatus()
    private let storeHealth = StoreHealth()
    /// The workspace's address (`auth.test` `url`, e.g. `https://acme.slack.com/`), for links to messages.
    private let workspaceURL = Mutex("https://slack.com/")
    private let headStart: SlackHeadStart?

    /// Creates the adapter; nothing connects until `run()`.
    /// - Parameters:
    ///   - reconnectPolicy: backoff after an abrupt loss (default 0.5 s growing to 30 s, with jitter).
    ///   - sleep: how rate-limit and retry waits are spent (tests can observe them).
    ///   - headStart: `auth.test` and the first connection, begun while the bot was being built.
    public init(
        configuration: SlackConfiguration, bot: Bot, http: HTTPClient, webSockets: WebSocketClient, logger: Logger,
        headStart: SlackHeadStart? = nil,
        reconnectPolicy: ReconnectPolicy = ReconnectPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(30)),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        var logger = logger
        logger[metadataKey: "platform"] = "slack"
        self.configuration = configuration
        self.headStart = headStart
        self.bot = bot
        self.webSockets = webSockets
        self.logger = logger
        self.reconnectPolicy = reconnectPolicy
        self.sleep = sleep
        self.now = now
        api = SlackWebAPI(configuration: configuration, http: http, logger: logger, sleep: sleep)
        directory = SlackUserDirectory(api: api, ttl: configuration.nameTTL, logger: logger)
        poster = ReplyPoster(api: api, messages: bot.messages, logger: logger, threadStarted: { [bot] channel, person, ts in
            await bot.conversationThreadStarted(in: ChannelKey(platform: .slack, channelID: channel), personID: person, messageID: ts)
        })
        (outbox, outboxSink) = AsyncStream.makeStream(of: (Reply, ReplyTarget).self)
        (jobs, jobsSink) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
    }

    /// How incidents get channels of their own on Slack.
    public var channelMaker: any ChannelMaker { SlackChannelMaker(api: api) }

    /// Where incident cards go on Slack.
    public var cardSurface: any CardSurface { SlackCardSurface(api: api) }

    /// True while at least one Socket Mode connection is open (for `/readyz`).
    public var isConnected: Bool { live.isUp }

    /// While a backfill runs or waits to be retried, how many channels and how far behind (for `/readyz`); else nil.
    public var backfillSummary: String? { backfillStatus.summary(now: now()) }

    /// False after a failed store write until one succeeds again: Slack's envelopes are then left unacknowledged.
    public var isStoring: Bool { storeHealth.isStoring }

    /// Posts replies in a channel for something that did not come from Slack (alerts, reminders, held replies
    /// another process did not post), in order; `userID` is who they answer, if anyone.
    public func post(_ replies: [Reply], in channelID: String, for userID: String? = nil) {
        for reply in replies { outboxSink.yield((reply, ReplyTarget(channel: channelID, user: userID))) }
    }

    /// Identifies the bot (`auth.test`), then captures and answers until cancelled or its service group shuts down.
    /// - Throws: `SlackStartupError` when the bot token is refused or Slack cannot be reached.
    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.serve() }
    }

    private func serve() async throws {
        let identity: SlackWebAPI.Identity
        do {
            if let headStart { identity = try await headStart.identified() } else { identity = try await api.authTest() }
        } catch {
            // Asked to stop while still starting (SIGTERM right after launch): a graceful stop, not a startup failure.
            if Task.isCancelled { return }
            throw SlackStartupError(apiURL: configuration.apiURL, cause: error)
        }
        await directory.remember(identity.user_id, name: "hindsight")
        if let url = identity.url, !url.isEmpty { workspaceURL.withLock { $0 = url.hasSuffix("/") ? url : url + "/" } }
        logger.info("slack bot identified", metadata: ["team": "\(identity.team ?? "")", "user": "\(identity.user_id)"])
        let translator = EventTranslator(botUserID: identity.user_id, botID: identity.bot_id)
        let backfills = BackfillCoordinator(
            platform: .slack, bot: bot, status: backfillStatus, logger: logger,
            backoff: { [reconnectPolicy] in reconnectPolicy.delay(afterFailures: $0) },
            sleep: sleep, now: now, replies: { [self] replies, input in self.enqueue(replies, for: input) },
            make: { [api, directory, logger] point in
                SlackChannelBackfill(point: point, api: api, translator: translator, names: directory, logger: logger)
            }
        )
        let committer = CaptureCommitter(bot: bot, platform: .slack, logger: logger, health: storeHealth, hooks: .init(
            replies: { [self] replies, input in self.enqueue(replies, for: input) },
            answered: { [self] message in
                // A visible "got it" on the message that answered the bot's question.
                jobsSink.yield { [api] in try? await api.react(channel: message.channel.channelID, ts: message.messageID, name: "white_check_mark") }
            },
            // Reads still work: remember where capture stood, to backfill what Slack gives up redelivering.
            failing: { await backfills.holdForRecovery() },
            recovered: { [jobsSink] in jobsSink.yield { await backfills.recover() } }
        ))
        let session = SocketModeSession(
            api: api, webSockets: webSockets, configuration: configuration, policy: reconnectPolicy, clock: ContinuousClock(),
            logger: logger,
            deliver: { [self] frame, ack in await self.receive(frame, ack: ack, translator: translator, committer) },
            watermark: { await backfills.watermark() },
            backfill: { points in await backfills.backfill(points) },
            live: live, headStart: headStart
        )
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await committer.drain() }
            group.addTask { await backfills.retryFailed() }
            group.addTask {
                for await (reply, target) in self.outbox {
                    await self.bot.posted(reply, settled: await self.poster.post(reply, to: target))
                }
            }
            group.addTask {
                await withDiscardingTaskGroup { running in
                    for await job in self.jobs { running.addTask { await job() } }
                }
            }
            group.addTask { await session.run() }
            await group.waitForAll()
        }
    }

    // MARK: Events

    private func receive(_ frame: SocketFrame, ack: Acknowledger, translator: EventTranslator, _ committer: CaptureCommitter) async {
        switch frame {
        case .events(let envelope):
            let callback = envelope.payload
            if committer.alreadyStored(callback.event_id) {
                Counter(label: "hindsight_events_captured_total", dimensions: [("platform", "slack"), ("outcome", "redelivered")]).increment()
                ack(envelope.id)
                return
            }
            if callback.event.type == "app_mention" {
                ack(envelope.id)
                if let eventID = callback.event_id { committer.handled(eventID) }  // a retry must not answer twice
                if let channel = callback.event.channel, let user = callback.event.user, !translator.isOwn(user, callback.event.bot_id) {
                    outboxSink.yield((bot.mentionReply, ReplyTarget(channel: channel, user: user)))
                }
                return
            }
            let inputs = await translator.inputs(for: callback.event, names: directory)
            guard !inputs.isEmpty else {
                ack(envelope.id)
                return
            }
            // Acknowledged only once stored: a failed batch is not acknowledged, so Slack delivers it again.
            committer.submit(.init(inputs: inputs, eventID: callback.event_id, stored: { ack(envelope.id) }))
            await committer.waitForRoom()  // the socket is read on once the store keeps up
        case .slashCommand(let envelope):
            jobsSink.yield { await self.slashCommand(envelope, ack: ack) }
        case .interactive(let envelope):
            jobsSink.yield { await self.interactive(envelope, ack: ack, translator: translator) }
        case .hello, .disconnect, .unreadable:
            break  // handled by the session
        }
    }

    private func enqueue(_ replies: [Reply], for input: CaptureInput) {
        for reply in replies { outboxSink.yield((reply, ReplyTarget(channel: input.channel.channelID, user: input.authorID))) }
    }

    // MARK: Slash commands and interactivity

    private func slashCommand(_ envelope: SocketFrame.Envelope<SlashCommand>, ack: Acknowledger) async {
        let command = envelope.payload
        let target = ReplyTarget(channel: command.channel_id, user: command.user_id, responseURL: command.response_url)
        let trigger = command.trigger_id ?? ""
        await answer(envelope.id, ack: ack, target: target, trigger: trigger, payloadInAck: true) { [self] in
            let user = Person(id: command.user_id, name: await directory.displayName(of: command.user_id))
            return await bot.handle(CommandInvocation(
                channel: ChannelKey(platform: .slack, channelID: command.channel_id), user: user, text: command.text ?? "",
                receivedAt: now(), canOpenForms: !trigger.isEmpty
            ))
        }
        // Commands work anywhere, capture only where the bot is a member: say so rather than record nothing.
        if let channel = try? await api.channelInfo(command.channel_id), channel.is_member == false {
            await poster.explain(.api(method: "conversations.info", code: "not_in_channel", needed: nil), to: target)
        }
    }

    private func interactive(_ envelope: SocketFrame.Envelope<InteractivePayload>, ack: Acknowledger, translator: EventTranslator) async {
        let payload = envelope.payload
        guard let userID = payload.user?.id else { return ack(envelope.id) }
        switch payload.type {
        case "view_submission":
            guard let view = payload.view,
                  let submission = ModalRendering.submission(view, user: Person(id: userID, name: await directory.displayName(of: userID)), at: now())
            else { return ack(envelope.id) }
            // Slack closes a modal with an error unless the submission is acknowledged within 3 s: a submission whose work
            // takes longer (one that creates a channel) is acknowledged at the deadline, and answered after it.
            let (result, inTime) = await beforeDeadline(acknowledgingLate: { ack(envelope.id) }) { await self.bot.submit(submission) }
            // A form opened from a global shortcut belongs to no conversation: what is for the person goes to their
            // direct messages with the app.
            let conversation = submission.channel.channelID.isEmpty ? nil : submission.channel.channelID
            let replies: [Reply]
            switch result {
            case .accepted(let accepted):
                if inTime { ack(envelope.id) }
                replies = accepted
            case .rejected(let errors):
                if inTime { return ack(envelope.id, payload: ModalRendering.errorsResponse(errors, view: view)) }
                replies = [Reply(.ephemeral, errors.sorted { $0.key < $1.key }.map(\.value).joined(separator: "\n"))]
            }
            for var reply in replies {
                if conversation == nil, reply.destination == nil { (reply.visibility, reply.destination) = (.channel, userID) }
                outboxSink.yield((reply, ReplyTarget(channel: conversation ?? userID, user: userID)))
            }
        case "block_actions":
            guard let action = payload.actions?.first, let command = action.command,
                  let channel = payload.channel?.id ?? payload.container?.channel_id
            else { return ack(envelope.id) }
            let target = ReplyTarget(channel: channel, user: userID, responseURL: payload.response_url)
            let trigger = payload.trigger_id ?? ""
            await answer(envelope.id, ack: ack, target: target, trigger: trigger, payloadInAck: false) { [self] in
                let user = Person(id: userID, name: await directory.displayName(of: userID))
                return await bot.handle(CommandInvocation(
                    channel: ChannelKey(platform: .slack, channelID: channel), user: user, text: command, receivedAt: now(),
                    canOpenForms: !trigger.isEmpty
                ))
            }
            // The buttons did their job: replace them with who chose what. The card's own buttons stay: the keeper edits
            // the card to show what the click changed.
            if action.block_id != SlackCardSurface.actionsBlockID, let ts = payload.message?.ts ?? payload.container?.message_ts {
                let text = payload.message?.text ?? ""
                let chosen = "✓ <@\(userID)>: \(SlackText.escape(action.text?.text ?? command))"
                try? await api.update(channel: channel, ts: ts, text: text, blocks: (text.isEmpty ? [] : [.section(mrkdwn: text)]) + [.context(mrkdwn: chosen)])
            }
        case "shortcut" where payload.callback_id == Self.declareShortcut:
            // "Declare incident" from anywhere: the declare modal (title, severity, people, where to announce it).
            ack(envelope.id)
            do {
                try await api.openView(triggerID: payload.trigger_id ?? "", view: ModalRendering.view(for: bot.declareForm(), channel: ""))
            } catch {
                logger.warning("could not open the declare modal", metadata: ["error": "\(error)"])
            }
        case "message_action" where payload.callback_id == Self.addToTimelineShortcut:
            // "Add to timeline" on any message: a small modal asks for an optional note, and its submission adds the
            // message to the incident's timeline at its own time, as a key event.
            ack(envelope.id)
            guard let channel = payload.channel?.id, let wire = payload.message,
                  let message = await translator.message(wire, in: channel, names: directory)
            else { return }
            let link = workspaceURL.withLock { $0 } + "archives/\(channel)/p" + message.messageID.replacingOccurrences(of: ".", with: "")
            do {
                try await api.openView(triggerID: payload.trigger_id ?? "", view: ModalRendering.view(for: bot.additionForm(message, link: link), channel: channel))
            } catch {
                // The modal could not open (an expired trigger): add it without a note rather than not at all.
                logger.notice("could not open the add-to-timeline modal", metadata: ["error": "\(error)"])
                let by = Person(id: userID, name: await directory.displayName(of: userID))
                let replies = await bot.add(TimelineAddition(
                    message: message, link: link, by: by, askedIn: ChannelKey(platform: .slack, channelID: channel), at: now()))
                let target = ReplyTarget(channel: channel, user: userID, responseURL: payload.response_url)
                for reply in replies { outboxSink.yield((reply, target)) }
            }
        default:
            ack(envelope.id)  // view_closed, other shortcuts…: nothing to do
        }
    }

    /// Runs `work`. Finished within the command deadline: the reply plan's answer goes in the acknowledgement. Later: the
    /// acknowledgement says "working on it" and every reply is posted when ready. Forms open with the trigger id.
    private func answer(
        _ envelopeID: String, ack: Acknowledger, target: ReplyTarget, trigger: String, payloadInAck: Bool,
        work: @escaping @Sendable () async -> [Reply]
    ) async {
        let working = payloadInAck ? Self.ackPayload(Reply(.ephemeral, bot.messages.render(SlackMessageKey.working))) : nil
        let (replies, claimed) = await beforeDeadline(acknowledgingLate: { ack(envelopeID, payload: working) }, work)
        // The acknowledgement carries one reply when it is still ours to send and the envelope takes a payload.
        let plan = ReplyPlan(replies, answer: claimed && payloadInAck ? Self.ackSlot : .none)
        if claimed { ack(envelopeID, payload: plan.answer.first.flatMap(Self.ackPayload)) }
        for form in plan.forms { await open(form, trigger: trigger, target: target) }
        for reply in plan.followUps { outboxSink.yield((reply, target)) }
    }

    /// Runs `work`; when it outlasts the command deadline, `acknowledgingLate` runs at the deadline (Slack wants every
    /// envelope acknowledged within 3 s). Returns what `work` came to, and whether it finished in time: then the
    /// acknowledgement is still the caller's to send, with what `work` answered.
    private func beforeDeadline<T: Sendable>(
        acknowledgingLate: @escaping @Sendable () -> Void, _ work: @escaping @Sendable () async -> T
    ) async -> (T, inTime: Bool) {
        let acknowledged = Once()
        let deadline = configuration.commandDeadline
        let result = await withTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask {
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled, acknowledged.claim() else { return }
                acknowledgingLate()
            }
            let result = await work()
            group.cancelAll()
            return result
        }
        return (result, acknowledged.claim())
    }

    private func open(_ form: Form, trigger: String, target: ReplyTarget) async {
        do {
            try await api.openView(triggerID: trigger, view: ModalRendering.view(for: form, channel: target.channel))
        } catch {
            logger.warning("could not open a slack modal", metadata: ["form": "\(form.id)", "error": "\(error)"])
            outboxSink.yield((Reply(.ephemeral, bot.messages.render(SlackMessageKey.modalUnavailable, ["reason": error.description])), target))
        }
    }

    /// The callback ids of the "Add to timeline" message shortcut and the "Declare incident" global shortcut
    /// (`Deploy/slack/manifest.yaml`).
    static let addToTimelineShortcut = "hindsight_add_to_timeline"
    static let declareShortcut = "hindsight_declare"

    /// A slash command's acknowledgement: one reply of text and buttons, short enough for one message.
    private static let ackSlot = AnswerSlot(capacity: 1, buttons: true) { text in
        !text.isEmpty && SlackText.mrkdwn(text).count <= ReplyPoster.textLimit
    }

    /// A slash command response: `response_type`, mrkdwn `text`, and blocks when there are buttons.
    private static func ackPayload(_ reply: Reply) -> Data? {
        struct Payload: Encodable { var response_type: String; var text: String; var blocks: [Block]? }
        let text = SlackText.mrkdwn(reply.text)
        let blocks = text.count <= Block.sectionLimit ? ReplyPoster.blocks(text, actions: reply.actions) : nil
        return try? JSONEncoder().encode(Payload(response_type: reply.visibility == .channel ? "in_channel" : "ephemeral", text: text, blocks: blocks))
    }
}

/// Slack could not be used at startup; the description says what to fix.
public struct SlackStartupError: Error, CustomStringConvertible {
    public var apiURL: String
    public var cause: SlackAPIError

    public var description: String {
        switch cause.code {
        case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
            "Slack rejected SLACK_BOT_TOKEN (auth.test: \(cause.code ?? "")): copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page (reinstall the app if it was revoked) and set SLACK_BOT_TOKEN to it."
        default:
            "Could not identify the bot on Slack at \(apiURL): \(cause)"
        }
    }
}

/// True exactly once.
final class Once: Sendable {
    private let done = Mutex(false)

    func claim() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}

