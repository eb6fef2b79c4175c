import HindsightNet
import Logging
import Synchronization

/// The Slack handshake, begun while the rest of the bot starts: `auth.test`, then the first Socket Mode connection
/// (`apps.connections.open` and the websocket), on the network while `Prompts/` load and the store opens, instead
/// of after. The adapter takes the identity and the open connection when it starts (`SlackAdapter(headStart:)`).
///
/// Nothing read on that connection is handled before then: its frames wait in the connection's buffer,
/// unacknowledged, so capture still acknowledges only what it stored; a start that fails after connecting (a prompt
/// that does not parse, a store that does not open) leaves them for Slack to deliver again. A handshake that fails
/// here is not the end: the adapter reports a refused token as at any start, and opens its connection itself when
/// this one did not open.
public final class SlackHeadStart: Sendable {
    private let identity: Task<Result<SlackWebAPI.Identity, SlackAPIError>, Never>
    /// The first connection, for the first link that asks; nil once taken.
    private let connection: Mutex<Task<WebSocketConnection?, Never>?>

    public init(configuration: SlackConfiguration, http: HTTPClient, webSockets: WebSocketClient, logger: Logger) {
        var logger = logger
        logger[metadataKey: "platform"] = "slack"
        let api = SlackWebAPI(configuration: configuration, http: http, logger: logger)
        let identity = Task { () -> Result<SlackWebAPI.Identity, SlackAPIError> in
            do throws(SlackAPIError) { return .success(try await api.authTest()) } catch { return .failure(error) }
        }
        self.identity = identity
        connection = Mutex(Task { [logger] in
            // Only for a bot token Slack accepts: a refused one stops the start, and nothing should be left open.
            guard case .success = await identity.value else { return nil }
            do {
                return try await SocketModeSession.connect(api: api, webSockets: webSockets, configuration: configuration)
            } catch {
                logger.info("the early slack connection did not open; the adapter opens its own", metadata: ["error": "\(error)"])
                return nil
            }
        })
    }

    /// What `auth.test` answered. Cancelling the caller (SIGTERM while starting) cancels the call's retries.
    func identified() async throws(SlackAPIError) -> SlackWebAPI.Identity {
        try await withTaskCancellationHandler { await identity.value } onCancel: { [identity] in identity.cancel() }.get()
    }

    /// The connection opened early, once: later callers (and a failed opening) get nil and open their own.
    func takeConnection() async -> WebSocketConnection? {
        guard let task = connection.withLock({ task in defer { task = nil }; return task }) else { return nil }
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }
}
