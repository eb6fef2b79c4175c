import Foundation
import HindsightBot
import HindsightCore
import HindsightServer
import Hummingbird
import Logging

/// The HTTP endpoints Mattermost calls: `/mattermost/command` (the `/postmortem` slash command, checked against the
/// command token), `/mattermost/dialog` (interactive dialog submissions) and `/mattermost/action` (message buttons),
/// both checked against the signed callback token the bot put in the dialog's state or the button's context.
public struct CommandRoutes: HTTPRoutes {
    let bot: Bot
    let rest: MattermostREST
    let names: any UserNameLookup
    let configuration: MattermostConfiguration
    let pending: PendingReplies
    let logger: Logger
    let callbacks: CallbackSigner
    let now: @Sendable () -> Date

    public func register(on routes: RouteRegistrar) {
        routes.post("mattermost/command") { request, _ in try await command(request) }
        routes.post("mattermost/dialog") { request, _ in try await dialog(request) }
        routes.post("mattermost/action") { request, _ in try await action(request) }
    }

    // MARK: Slash command

    func command(_ request: Request) async throws -> Response {
        let form = Self.parseForm(try await bodyString(request))
        let given = form["token"] ?? request.headers[.authorization].map { $0.replacingOccurrences(of: "Token ", with: "") } ?? ""
        guard let expected = configuration.commandToken, SharedSecret(expected).matches(given) else {
            logger.warning("refused a slash command with a wrong token", metadata: ["channel": "\(form["channel_id"] ?? "")"])
            JSONAnswer.countRefusal(route: "mattermost/command", reason: "bad_token")
            return try JSONAnswer.error(.unauthorized, "missing or wrong slash command token (MATTERMOST_COMMAND_TOKEN); nothing was changed")
        }
        guard let channelID = form["channel_id"], let userID = form["user_id"], !channelID.isEmpty, !userID.isEmpty else {
            return try JSONAnswer.error(.badRequest, "the slash command has no channel_id or user_id")
        }
        let triggerID = form["trigger_id"] ?? ""
        let user = Person(id: userID, name: await names.displayName(of: userID))
        if let (postID, link) = Self.permalink(form["text"] ?? "") {
            let replies = await addToTimeline(postID: postID, link: link, channelID: channelID, user: user)
            return try JSONAnswer.json(.ok, commandResponse(replies, channelID: channelID, userID: userID))
        }
        let invocation = CommandInvocation(
            channel: ChannelKey(platform: .mattermost, channelID: channelID), user: user, text: form["text"] ?? "",
            receivedAt: now(), canOpenForms: !triggerID.isEmpty && configuration.publicURL != nil
        )
        let plan = ReplyPlan(await bot.handle(invocation), answer: Self.commandSlot)
        // A form that cannot be opened says why, before the rest of the answer.
        var failures: [Reply] = []
        for form in plan.forms {
            if let failure = await open(form, triggerID: triggerID, channelID: channelID, userID: userID) { failures.append(Reply(.ephemeral, failure)) }
        }
        let shown = failures + plan.answer
        for reply in plan.followUps { pending.enqueue(reply, channelID: channelID, userID: userID) }
        return try JSONAnswer.json(.ok, commandResponse(shown, channelID: channelID, userID: userID))
    }

    /// A slash command's response carries any number of replies, with buttons; over-long text is split into
    /// `extra_responses`. Uploads and other channels are posted after it.
    static let commandSlot = AnswerSlot(capacity: nil, buttons: true)
    /// A button's response shows only a text to the person who clicked.
    static let buttonSlot = AnswerSlot(capacity: nil, visibilities: [.ephemeral], buttons: false)

    /// The first reply is the answer; further replies and the rest of over-long text go in `extra_responses`.
    func commandResponse(_ replies: [Reply], channelID: String, userID: String) -> CommandResponse {
        let poster = poster()
        var responses: [CommandResponse] = []
        for reply in replies {
            let type = reply.visibility == .channel ? "in_channel" : "ephemeral"
            var pieces = TextSplit.split(reply.text, limit: configuration.maxPostLength)
            let buttons = poster.attachments(for: reply, channelID: channelID, userID: userID)
            if buttons == nil, !reply.actions.isEmpty { pieces.append(reply.actionLines) }
            for (index, piece) in pieces.enumerated() {
                let last = index == pieces.count - 1
                responses.append(CommandResponse(responseType: type, text: piece, attachments: last ? buttons : nil))
            }
        }
        guard var first = responses.first else { return CommandResponse(responseType: "ephemeral", text: "") }
        if responses.count > 1 { first.extraResponses = Array(responses.dropFirst()) }
        return first
    }

    /// Opens the dialog; returns the sentence to show instead when it cannot be opened.
    private func open(_ form: Form, triggerID: String, channelID: String, userID: String) async -> String? {
        let messages = bot.messages
        guard let publicURL = configuration.publicURL, !triggerID.isEmpty else {
            return messages.render(MattermostMessageKey.dialogUnavailable, ["reason": "HINDSIGHT_PUBLIC_URL is not set"])
        }
        do {
            try await rest.openDialog(DialogRendering.request(
                for: form, triggerID: triggerID, url: publicURL + "/mattermost/dialog", channelID: channelID, userID: userID, callbacks: callbacks
            ))
            return nil
        } catch {
            logger.warning("could not open a Mattermost dialog", metadata: ["form": "\(form.id)", "error": "\(error)"])
            return messages.render(MattermostMessageKey.dialogUnavailable, ["reason": error.description])
        }
    }

    // MARK: Add to timeline

    /// The post id and the link of `pin <permalink>` (`https://<server>/<team>/pl/<post id>`); nil for any other
    /// command, including `pin E12`.
    static func permalink(_ text: String) -> (postID: String, link: String)? {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 2, words[0].lowercased() == "pin", let range = words[1].range(of: "/pl/") else { return nil }
        let id = words[1][range.upperBound...].prefix { $0.isLetter || $0.isNumber }
        return id.count == 26 ? (String(id), String(words[1])) : nil
    }

    /// Fetches the linked post and puts it on the incident's timeline at its own time (as Slack's message shortcut does).
    private func addToTimeline(postID: String, link: String, channelID: String, user: Person) async -> [Reply] {
        let post: MattermostPost
        do {
            post = try await rest.post(postID)
        } catch {
            logger.notice("could not read a linked post", metadata: ["post": "\(postID)", "error": "\(error)"])
            let text = switch error {
            case .notFound, .forbidden: bot.messages.render(MattermostMessageKey.permalinkNotFound)
            default: error.userFacingText(bot.messages)
            }
            return [Reply(.ephemeral, text)]
        }
        let translator = EventTranslator(botUserID: "", serverURL: configuration.serverURL)
        guard let message = await translator.message(post, names: names) else {
            return [Reply(.ephemeral, bot.messages.render(MattermostMessageKey.permalinkNotFound))]
        }
        return await bot.add(TimelineAddition(
            message: message, link: link, by: user, askedIn: ChannelKey(platform: .mattermost, channelID: channelID), at: now()))
    }

    // MARK: Dialog submission

    func dialog(_ request: Request) async throws -> Response {
        let submission: DialogSubmission
        do {
            submission = try SafeJSON.decode(DialogSubmission.self, from: Data(try await bodyString(request).utf8))
        } catch {
            return try JSONAnswer.error(.badRequest, "not a dialog submission: \(error)")
        }
        // Authenticated before anything is read into the bot: the state must be the one this bot issued for this form,
        // channel and person.
        let state = DialogState(decoding: submission.state)
        let verdict = callbacks.verify(
            state?.token, kind: .dialog, purpose: submission.callbackID, channelID: submission.channelID, userID: submission.userID,
            bound: state?.context ?? ""
        )
        let claims: CallbackClaims
        switch verdict {
        case .success(let granted): claims = granted
        case .failure(let refusal): return try refuse("mattermost/dialog", refusal, channelID: submission.channelID)
        }
        if submission.cancelled { return try JSONAnswer.json(.ok, DialogResponse(errors: nil)) }
        let values = submission.submission.compactMapValues { $0.text }.filter { !$0.value.isEmpty }
        let result = await bot.submit(FormSubmission(
            formID: submission.callbackID, context: state?.context ?? "",
            channel: ChannelKey(platform: .mattermost, channelID: submission.channelID),
            user: Person(id: submission.userID, name: await names.displayName(of: submission.userID)),
            values: values, submittedAt: now()
        ), usingOnce: claims.nonce, expiresAt: claims.expiresAt)
        switch result {
        case nil:
            return try refuse("mattermost/dialog", .alreadyUsed, channelID: submission.channelID)
        case .accepted(let replies)?:
            // A dialog's response can only close it or show field errors: every reply is posted.
            for reply in ReplyPlan(replies, answer: .none).followUps { pending.enqueue(reply, channelID: submission.channelID, userID: submission.userID) }
            return try JSONAnswer.json(.ok, DialogResponse(errors: nil))
        case .rejected(let errors)?:
            return try JSONAnswer.json(.ok, DialogResponse(errors: errors))
        }
    }

    // MARK: Buttons

    func action(_ request: Request) async throws -> Response {
        let click: ActionRequest
        do {
            click = try SafeJSON.decode(ActionRequest.self, from: Data(try await bodyString(request).utf8))
        } catch {
            return try JSONAnswer.error(.badRequest, "not a button click: \(error)")
        }
        guard let context = click.context, !context.command.isEmpty else {
            return try refuse("mattermost/action", .missing, channelID: click.channelID)
        }
        if case .failure(let refusal) = callbacks.verify(
            context.token, kind: .button, purpose: context.command, channelID: click.channelID, userID: click.userID
        ) {
            return try refuse("mattermost/action", refusal, channelID: click.channelID)
        }
        let user = Person(id: click.userID, name: await names.displayName(of: click.userID))
        let replies = await bot.handle(CommandInvocation(
            channel: ChannelKey(platform: .mattermost, channelID: click.channelID), user: user, text: context.command, receivedAt: now()
        ))
        let plan = ReplyPlan(replies, answer: Self.buttonSlot)
        for reply in plan.followUps { pending.enqueue(reply, channelID: click.channelID, userID: click.userID) }
        let ephemeral = plan.answer.map(\.text)
        return try JSONAnswer.json(.ok, ActionResponse(ephemeralText: ephemeral.isEmpty ? nil : ephemeral.joined(separator: "\n\n")))
    }

    /// A 401 that changes nothing: logged with the reason (never the token) and counted on `/metrics`.
    private func refuse(_ route: String, _ refusal: CallbackRefusal, channelID: String) throws -> Response {
        logger.warning("refused a callback", metadata: ["route": "\(route)", "reason": "\(refusal)", "channel": "\(channelID)"])
        JSONAnswer.countRefusal(route: route, reason: refusal.reason)
        return try JSONAnswer.error(.unauthorized, "\(refusal): only buttons and dialogs this bot issued are accepted; nothing was changed")
    }

    // MARK: Plumbing

    func poster() -> ReplyPoster {
        ReplyPoster(
            rest: rest, maxPostLength: configuration.maxPostLength, publicURL: configuration.publicURL, messages: bot.messages,
            logger: logger, callbacks: callbacks, threadStarted: { [bot] channelID, person, postID in
                await bot.conversationThreadStarted(in: ChannelKey(platform: .mattermost, channelID: channelID), personID: person, messageID: postID)
            }
        )
    }

    private func bodyString(_ request: Request) async throws -> String {
        let buffer = try await request.body.collect(upTo: HTTPBodyLimit.default)
        return String(buffer: buffer)
    }

    /// Decodes `application/x-www-form-urlencoded` (`+` is a space).
    static func parseForm(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
