import Foundation
import Synchronization

/// An in-process Slack for tests, speaking the real protocols of `shared/protocols/slack.md`: the Web API over
/// HTTP (JSON or form bodies, bearer tokens, `ok: false` errors, 429s on demand, cursors, file uploads, modals)
/// and Socket Mode over a real WebSocket (`hello`, envelopes spread over connections, acks, redelivery of
/// unacknowledged events, `disconnect` refreshes, drops and stalls).
///
/// Tests play the people (`postMessage`, `react`, `slashCommand`, `submitView`…) and read what the bot did
/// (`calls`, `messages(in:)`, `stats`).
public final class FakeSlack: Sendable {
    /// How the Socket Mode side behaves; the defaults are Slack's.
    public struct Configuration: Sendable {
        /// Unacknowledged `events_api` envelopes are redelivered after this.
        public var ackTimeout: Duration
        /// Redeliveries (`retry_attempt` 1…maxRetries) before an event is given up.
        public var maxRetries: Int
        /// After `disconnect` / `refresh_requested`, the old socket is closed after this.
        public var refreshGrace: Duration
        /// Reported in `hello` as `debug_info.approximate_connection_time` (seconds).
        public var approximateConnectionTime: Int
        /// How long a `trigger_id` can be exchanged for a modal.
        public var triggerLifetime: Duration

        /// Creates a configuration; every value defaults to what Slack does.
        public init(
            ackTimeout: Duration = .seconds(3),
            maxRetries: Int = 3,
            refreshGrace: Duration = .milliseconds(500),
            approximateConnectionTime: Int = 18060,
            triggerLifetime: Duration = .seconds(3)
        ) {
            self.ackTimeout = ackTimeout
            self.maxRetries = maxRetries
            self.refreshGrace = refreshGrace
            self.approximateConnectionTime = approximateConnectionTime
            self.triggerLifetime = triggerLifetime
        }
    }

    /// The bot token (`xoxb-…`) every Web API method but `apps.connections.open` requires.
    public let botToken: String
    /// The app-level token (`xapp-…`) `apps.connections.open` requires.
    public let appToken: String
    /// The bot's user id, as `auth.test` reports it.
    public let botUserID: String
    /// The bot's bot id, on every message it posts.
    public let botID: String
    /// The workspace id.
    public let teamID: String
    /// The app id in `hello`, payloads and connection URLs.
    public let appID = FakeSlackIdentity.appID
    /// The configuration the fake runs with.
    public let configuration: Configuration

    let identity: FakeSlackIdentity
    /// What every `event_callback` carries besides its event, encoded once (`eventCallback`).
    let callbackMembers: String
    let state: Mutex<FakeSlackState>
    let socket: FakeSlackSocket
    private let webSocketServer: TestWebSocketServer
    private let port = Mutex(0)

    /// `http://127.0.0.1:PORT/api/`, with the trailing slash: what `SLACK_API_URL` is set to.
    public var apiURL: String { baseURL + "/api/" }
    /// `http://127.0.0.1:PORT`, where upload and response URLs live too.
    var baseURL: String { "http://127.0.0.1:\(port.withLock { $0 })" }
    /// The Socket Mode endpoint without a ticket.
    var socketModeURL: String { "ws://127.0.0.1:\(webSocketServer.port)/link/" }

    private init(configuration: Configuration, identity: FakeSlackIdentity, webSocketServer: TestWebSocketServer) {
        self.configuration = configuration
        self.identity = identity
        callbackMembers = Self.callbackMembers(identity)
        botToken = identity.botToken
        appToken = identity.appToken
        botUserID = identity.botUserID
        botID = identity.botID
        teamID = identity.teamID
        self.webSocketServer = webSocketServer
        state = Mutex(FakeSlackState(identity: identity))
        socket = FakeSlackSocket(configuration: configuration)
    }

    /// Runs `body` with a started fake and shuts it down afterwards.
    public static func run<R: Sendable>(
        configuration: Configuration = .init(),
        botToken: String = "xoxb-fake-bot-token",
        appToken: String = "xapp-fake-app-token",
        botUserID: String = "U0BOT",
        botID: String = "B0BOT",
        teamID: String = "T0TEAM",
        _ body: @Sendable (FakeSlack) async throws -> R
    ) async throws -> R {
        let webSocketServer = try await TestWebSocketServer.start()
        let identity = FakeSlackIdentity(botToken: botToken, appToken: appToken, botUserID: botUserID, botID: botID, teamID: teamID)
        let fake = FakeSlack(configuration: configuration, identity: identity, webSocketServer: webSocketServer)
        do {
            let result = try await withTestHTTPServer(fake.makeRouter(), logger: TestHTTPServerLogging.quietLogger(label: "fake-slack")) { server in
                fake.port.withLock { $0 = server.port }
                return try await fake.serveSocketMode { try await body(fake) }
            }
            await webSocketServer.shutdown()
            return result
        } catch {
            await webSocketServer.shutdown()
            throw error
        }
    }

    /// Runs `body` while Socket Mode runs beside it (accepting connections, firing deadlines); both stop with it.
    private func serveSocketMode<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        let outcome: Result<R, any Error>
        do {
            outcome = .success(try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.socket.runTimers() }
                group.addTask {
                    await withDiscardingTaskGroup { connections in
                        for await connection in self.webSocketServer.connections {
                            let admitted = self.admit(connection.request)
                            connections.addTask { await self.socket.serve(connection, admitted: admitted) }
                        }
                    }
                }
                defer { group.cancelAll() }  // ends the accept loop, the connections' loops and the timers
                return try await body()
            })
        } catch {
            outcome = .failure(error)
        }
        await socket.finish()
        return try outcome.get()
    }

    /// A Socket Mode URL with a fresh ticket, as `apps.connections.open` hands out: for a client of the benchmark's own
    /// that is not the bot.
    public func socketModeTicketURL() -> String {
        let ticket = FakeSlackID.uuid()
        state.withLock { _ = $0.tickets.insert(ticket) }
        return "\(socketModeURL)?ticket=\(ticket)&app_id=\(appID)"
    }

    /// A WebSocket may stay when it came to `/link/` with a ticket from `apps.connections.open`, used once.
    private func admit(_ request: TestWebSocketRequest) -> Bool {
        let ticket = FakeSlackForm.decode(request.query ?? "")["ticket"]?.string
        return state.withLock { state in
            guard request.path == "/link/" || request.path == "/link", !state.linkDisabled,
                let ticket, state.tickets.remove(ticket) != nil
            else { return false }
            return true
        }
    }

    // MARK: Setting the scene

    /// Adds a workspace member `users.info` knows.
    public func addUser(id: String, name: String, displayName: String = "", realName: String = "") {
        state.withLock { $0.workspace.users[id] = FakeSlackUser(id: id, name: name, displayName: displayName, realName: realName) }
    }

    /// Adds a channel; the bot receives its events and may post only when it is a member.
    /// Adds a user group (`@handle`) with its members.
    public func addUserGroup(id: String, handle: String, users: [String]) {
        state.withLock { $0.userGroups.append((id, handle, users)) }
    }

    public func addChannel(id: String, name: String, isPrivate: Bool = false, botIsMember: Bool = true) {
        state.withLock {
            $0.workspace.channels[id] = FakeSlackChannel(
                id: id, name: name, isPrivate: isPrivate, botIsMember: botIsMember, created: FakeSlackID.epochSeconds()
            )
        }
    }

    /// The next `count` calls of `method` get HTTP 429 with `Retry-After: retryAfter` and `{"ok":false,"error":"ratelimited"}`.
    public func rateLimit(method: String, next count: Int, retryAfter: Int = 1) {
        state.withLock { $0.rateLimits[method] = (count, retryAfter) }
    }

    /// The next `count` calls of `method` fail with HTTP `status` and an HTML body, as from a load balancer.
    public func failNext(method: String, count: Int, status: Int = 500) {
        state.withLock { $0.failures[method] = (count, status) }
    }

    /// Makes every trigger id handed out so far expired, as if more than 3 seconds had passed.
    public func expireTriggers() {
        state.withLock { state in
            for id in state.triggers.keys { state.triggers[id]?.expired = true }
        }
    }

    /// Re-enables Socket Mode after `disableLink()`.
    public func enableLink() {
        state.withLock { $0.linkDisabled = false }
    }

    // MARK: Socket control

    /// To every live connection: optionally `disconnect`/`warning`, then `disconnect`/`refresh_requested`; each
    /// such socket gets no new envelopes and is closed with a close frame after `refreshGrace`.
    public func requestRefresh(warningFirst: Bool = false) async { await socket.requestRefresh(warningFirst: warningFirst) }
    /// Drops every open socket at the TCP level, without a close frame.
    public func dropConnections() async { await socket.dropConnections() }
    /// Socket Mode turned off: `disconnect`/`link_disabled` and a close on every socket; from then on
    /// `apps.connections.open` answers `{"ok":false,"error":"socket_mode_not_enabled"}` until `enableLink()`.
    public func disableLink() async {
        state.withLock { $0.linkDisabled = true }
        await socket.disableLink()
    }
    /// While on, new sockets are accepted but get no `hello` (and so no envelopes); turning it off greets them.
    public func withholdHello(_ on: Bool) async { await socket.withholdHello(on) }
    /// Every live socket stops mid-frame: two bytes of a frame header, then silence (no pongs either).
    public func stallConnections() async { await socket.stallConnections() }
    /// Sends `frame` as a text frame to every live connection (hostile or malformed input).
    public func sendRaw(_ frame: String) async { await socket.sendRaw(frame) }

    /// Waits until at least `count` distinct events (`event_id`s) have been acknowledged; false on timeout.
    public func waitForAcks(_ count: Int, timeout: Duration) async -> Bool {
        await socket.waitFor(timeout: timeout) { $0.ackedEvents >= count }
    }

    /// Waits until `predicate` holds for the stats; false on timeout.
    public func waitFor(timeout: Duration, _ predicate: @escaping @Sendable (FakeSlackStats) -> Bool) async -> Bool {
        await socket.waitFor(timeout: timeout, predicate)
    }

    // MARK: What the bot did

    /// Socket Mode counters.
    public var stats: FakeSlackStats { get async { await socket.stats } }
    /// How the events carrying the message `ts` were delivered: each attempt's time and connection, acked or given up.
    public func deliveryHistory(ofMessage ts: String) async -> [String] { await socket.deliveryHistory(ofMessage: ts) }
    /// Each connection the fake has seen and its phase now.
    public func linkHistory() async -> [String] { await socket.linkHistory() }
    /// Every Web API call, in arrival order.
    public var calls: [FakeSlackCall] { state.withLock { $0.calls } }

    /// The channel's messages, thread replies included, oldest first, as `conversations.history` renders them.
    public func messages(in channel: String) -> [FakeJSON] {
        state.withLock { state in
            (state.workspace.history[channel] ?? []).map { state.workspace.render($0, in: channel, forHistory: true) }
        }
    }

    /// The messages the bot posted in the channel, oldest first.
    public func botMessages(in channel: String) -> [FakeJSON] {
        messages(in: channel).filter { $0["bot_id"]?.string == botID }
    }

    /// Ephemeral messages sent with `chat.postEphemeral` in a thread: the text and the thread's `ts`.
    public var ephemeralInThreads: [(text: String, threadTS: String)] {
        state.withLock { $0.ephemeral.compactMap { message in message.threadTS.map { (message.text, $0) } } }
    }

    /// Ephemeral messages sent with `chat.postEphemeral`.
    public var ephemeralMessages: [(channel: String, user: String, text: String)] {
        state.withLock { $0.ephemeral.map { ($0.channel, $0.user, $0.text) } }
    }

    /// Every view opened or updated (`views.open`, `views.update`), with its assigned `id`, in order.
    public var openedViews: [FakeJSON] { state.withLock { $0.openedViews } }

    /// The channels the bot created, each with its name, topic and the people it invited.
    public var createdChannels: [(id: String, name: String, topic: String, invited: [String])] {
        state.withLock { state in
            state.createdChannels.compactMap { state.workspace.channels[$0] }.map { ($0.id, $0.name, $0.topic, $0.invited) }
        }
    }

    /// Files completed with `files.completeUploadExternal`.
    public var uploadedFiles: [(id: String, name: String, contents: Data, channel: String?, initialComment: String?)] {
        state.withLock { $0.uploadedFiles.map { ($0.id, $0.name, $0.contents, $0.channel, $0.initialComment) } }
    }

    /// JSON bodies POSTed to `response_url`s, in order.
    public var responseURLPosts: [FakeJSON] { state.withLock { $0.responseURLPosts } }

    /// Bookmarks added with `bookmarks.add`, as sent.
    public var bookmarks: [FakeJSON] { state.withLock { $0.bookmarks } }
}
