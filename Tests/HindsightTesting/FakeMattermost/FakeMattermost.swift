import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import HindsightCore

/// An in-process Mattermost for tests: REST API v4 endpoints with real shapes on one port, the WebSocket API on
/// another (events with `seq`, JSON-string posts, resume by `connection_id`/`sequence_number`, fresh `hello`s),
/// 429s on demand, and helpers that play the server's part toward the bot (slash commands, dialog submissions).
public final class FakeMattermost: Sendable {
    /// The bot account the fake authenticates with `token`.
    public let botUser: FakeMattermostUser
    /// The bot's access token.
    public let token: String
    let state: Mutex<FakeMattermostState>
    let socket: FakeMattermostSocket
    private let webSocketServer: TestWebSocketServer
    private let port = Mutex(0)

    /// `http://127.0.0.1:PORT` (what `MATTERMOST_URL` would be).
    public var baseURL: String { "http://127.0.0.1:\(port.withLock { $0 })" }
    /// The WebSocket endpoint, `ws://127.0.0.1:PORT/api/v4/websocket`.
    public var webSocketURL: String { "ws://127.0.0.1:\(webSocketServer.port)/api/v4/websocket" }

    private init(token: String, botUser: FakeMattermostUser, webSocketServer: TestWebSocketServer) {
        self.token = token
        self.botUser = botUser
        self.webSocketServer = webSocketServer
        state = Mutex(FakeMattermostState(users: [botUser.id: botUser]))
        socket = FakeMattermostSocket(token: token, botUserID: botUser.id)
    }

    /// Runs `body` with a started fake and shuts it down afterwards.
    public static func run<Result: Sendable>(
        token: String = "bot-token-0123456789abcdefghij",
        botUser: FakeMattermostUser = FakeMattermostUser(id: "b0tb0tb0tb0tb0tb0tb0tb0tb0", username: "hindsight", isBot: true),
        _ body: @Sendable (FakeMattermost) async throws -> Result
    ) async throws -> Result {
        let webSocketServer = try await TestWebSocketServer.start()
        let fake = FakeMattermost(token: token, botUser: botUser, webSocketServer: webSocketServer)
        var logger = Logger(label: "fake-mattermost")
        logger.logLevel = .warning
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: fake.makeRouter(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fake-mattermost"),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        // Ended by a graceful shutdown rather than cancellation, which would log an error per open connection.
        let services = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            group.addTask {
                for await connection in webSocketServer.connections { await fake.socket.accept(connection) }
            }
            var iterator = ports.makeAsyncIterator()
            let bound = await iterator.next() ?? 0
            fake.port.withLock { $0 = bound }
            do {
                let result = try await body(fake)
                await services.triggerGracefulShutdown()
                await webSocketServer.shutdown()
                try await group.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                await webSocketServer.shutdown()
                group.cancelAll()
                throw error
            }
        }
    }

    // MARK: Setting the scene

    /// Adds a user `GET /users/{id}` knows.
    public func addUser(_ user: FakeMattermostUser) {
        state.withLock { $0.users[user.id] = user }
    }

    /// Adds an open channel.
    /// Adds a group (`@name`) with its members.
    public func addGroup(id: String, name: String, members: [String]) {
        state.withLock { $0.groups.append((id, name, members)) }
    }

    public func addChannel(id: String, name: String) {
        state.withLock {
            $0.channels[id] = .object([
                "id": .string(id), "team_id": .string("t3amt3amt3amt3amt3amt3amt3"), "name": .string(name),
                "display_name": .string(name), "type": .string("O"),
            ])
        }
    }

    /// The next `count` REST requests get 429 with `Retry-After: retryAfter` and a plain-text body.
    public func rateLimit(next count: Int, retryAfter: Int = 1) {
        state.withLock {
            $0.rateLimitNext = count
            $0.retryAfter = retryAfter
        }
    }

    /// Which 1,000 posts a `since` answer holds when more match (the real server does not say).
    public func answerSince(with selection: SinceSelection) {
        state.withLock {
            $0.sinceSelection = selection
            if case .random(let seed) = selection { $0.sinceRandom = SeededRandom(seed: seed) }
        }
    }

    /// While on, new posts get the previous post's creation millisecond, as several posts can on a busy server.
    public func postInSameMillisecond(_ on: Bool) {
        state.withLock { $0.sameMillisecond = on }
    }

    /// The next `count` REST requests whose `METHOD /path?query` contains `matching` get a 500 error.
    public func fail(next count: Int, matching: String = "") {
        state.withLock {
            $0.failNext = count
            $0.failMatching = matching
        }
    }

    /// Stores a post without telling the socket (it happened while the bot was away and the server forgot the session).
    @discardableResult
    public func postQuietly(channelID: String, userID: String, message: String, rootID: String = "") -> FakeMattermostPost {
        state.withLock { $0.insertPost(channelID: channelID, userID: userID, message: message, rootID: rootID, type: "", fileIDs: nil) }
    }

    /// Edits a post without telling the socket.
    public func editQuietly(postID: String, message: String) {
        _ = state.withLock { $0.editPost(postID, message: message, props: nil) }
    }

    /// Deletes a post without telling the socket.
    public func deleteQuietly(postID: String) {
        _ = state.withLock { $0.deletePost(postID) }
    }

    // MARK: Things people do (each also goes out on the socket)

    /// A user posts `message` in a channel: stored for REST and sent as a `posted` event.
    @discardableResult
    public func post(channelID: String, userID: String, message: String, rootID: String = "", type: String = "") async -> FakeMattermostPost {
        let post = state.withLock { $0.insertPost(channelID: channelID, userID: userID, message: message, rootID: rootID, type: type, fileIDs: nil) }
        await broadcast("posted", post)
        return post
    }

    /// A user edits a post.
    public func edit(postID: String, message: String) async {
        guard let post = state.withLock({ $0.editPost(postID, message: message, props: nil) }) else { return }
        await broadcast("post_edited", post)
    }

    /// A user deletes a post.
    public func delete(postID: String) async {
        guard let post = state.withLock({ $0.deletePost(postID) }) else { return }
        await broadcast("post_deleted", post)
    }

    /// A user adds or removes a reaction.
    public func react(userID: String, postID: String, emoji: String, added: Bool = true) async {
        guard let channelID = state.withLock({ $0.posts[postID]?.channel_id }) else { return }
        let reaction = FakeJSON.object([
            "user_id": .string(userID), "post_id": .string(postID), "emoji_name": .string(emoji),
            "create_at": .number(Double(state.withLock { $0.nextMillis() })), "channel_id": .string(channelID),
        ])
        await socket.send(
            event: added ? "reaction_added" : "reaction_removed", data: .object(["reaction": .string(reaction.text)]), channelID: channelID
        )
    }

    func broadcast(_ event: String, _ post: FakeMattermostPost) async {
        let channelName = state.withLock { $0.channels[post.channel_id]?["name"]?.string } ?? ""
        let postJSON = String(decoding: (try? JSONEncoder().encode(post)) ?? Data(), as: UTF8.self)
        await socket.send(event: event, data: .object([
            "channel_display_name": .string(channelName), "channel_name": .string(channelName), "channel_type": .string("O"),
            "post": .string(postJSON), "sender_name": .string("@\(post.user_id)"), "team_id": .string(""),
        ]), channelID: post.channel_id)
    }

    // MARK: Socket control

    /// When true, every connected socket gets every event, as Mattermost sends each to every websocket of the user:
    /// for replicas of the bot, each with its own. (By default a new socket replaces the one before, as one bot's.)
    public func sendToEveryConnection(_ on: Bool) async { await socket.fanOut(on) }
    /// Drops the bot's socket without a close frame; events keep buffering for a resume.
    public func dropConnection() async { await socket.dropConnection() }
    /// Forgets every connection (a server restart): the next connect gets a fresh `hello` with a new id.
    public func forgetConnections() async { await socket.forgetSessions() }
    /// While holding, new sockets get no answer yet (so events posted meanwhile must be replayed).
    public func holdConnections(_ on: Bool) async { await socket.hold(on) }
    /// When false, the `ping` action gets no reply, as from a server that went silent.
    public func answerPings(_ on: Bool) async { await socket.answerPings(on) }
    /// Waits until `predicate` holds for the socket statistics.
    public func waitForSocket(_ predicate: @escaping @Sendable (FakeMattermostSocketStats) -> Bool) async {
        await socket.waitFor(predicate)
    }
    /// Socket statistics: connections, fresh hellos, resumes, replayed events, pings.
    public var socketStats: FakeMattermostSocketStats { get async { await socket.stats } }

    // MARK: What the bot did

    /// Every REST request as `METHOD /path?query`, in order.
    public var requests: [String] { state.withLock { $0.requests } }
    /// Dialogs opened with `POST /actions/dialogs/open`, as sent.
    public var openedDialogs: [FakeJSON] { state.withLock { $0.dialogs } }
    /// Posts by `userID` (the bot's replies when it is the bot), oldest first.
    public func posts(by userID: String) -> [FakeMattermostPost] {
        state.withLock { s in s.postOrder.compactMap { s.posts[$0] }.filter { $0.user_id == userID } }
    }
    /// The channels the bot created: id, name, header and members (the bot first).
    public var createdChannels: [(id: String, name: String, header: String, members: [String])] {
        state.withLock { state in
            state.createdChannels.compactMap { id in
                state.channels[id].map { (id, $0["name"]?.string ?? "", $0["header"]?.string ?? "", state.members[id] ?? []) }
            }
        }
    }

    /// Ids of the posts pinned with `POST /posts/{id}/pin`.
    public var pinnedPosts: Set<String> { state.withLock { $0.pinned } }
    /// Ephemeral posts the bot sent, as `(user_id, message)`.
    public var ephemeralPosts: [(userID: String, message: String)] { state.withLock { $0.ephemeral } }
}

public typealias FakeMattermostSocketStats = FakeMattermostSocket.Stats
