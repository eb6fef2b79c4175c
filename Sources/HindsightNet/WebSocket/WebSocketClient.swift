import Logging
import Synchronization

/// Opens WebSocket connections (`ws://` and `wss://`) on libwebsockets.
///
/// One client owns one lws context and the thread that services it, shared by all its
/// connections. The thread starts with the first `connect` and stops in `shutdown()` (or when
/// the client is released); shutting down ends open connections with `.closedLocally`.
public final class WebSocketClient: Sendable {
    private enum State {
        case idle
        case running(LWSServiceLoop)
        case shutDown
    }

    private let logger: Logger
    private let state = Mutex(State.idle)

    /// Creates a client; libwebsockets' own log lines go to `logger` (errors, warnings, notices as debug).
    public init(logger: Logger) {
        self.logger = logger
    }

    deinit {
        shutdown()
    }

    /// Connects and returns once the upgrade handshake succeeded.
    ///
    /// `headers` go on the upgrade request (for example `Authorization: Bearer …`); their values
    /// never appear in errors or logs. Path and query of `url` are sent as given.
    /// - Throws: `WebSocketError` saying whether the URL, TCP, TLS or the handshake failed.
    public func connect(
        to url: String,
        headers: [(String, String)] = [],
        configuration: WebSocketConnection.Configuration = .init()
    ) async throws(WebSocketError) -> WebSocketConnection {
        let endpoint = try WebSocketEndpoint(parsing: url)
        for (name, value) in headers {
            // Scalars, not Characters: "\r\n" is a single Character.
            let forbidden: (Unicode.Scalar) -> Bool = { $0 == "\r" || $0 == "\n" || $0 == "\0" }
            if name.isEmpty || name.contains(":") || name.unicodeScalars.contains(where: forbidden)
                || value.unicodeScalars.contains(where: forbidden) {
                throw .invalidHeader(name: String(String.UnicodeScalarView(name.unicodeScalars.filter { !forbidden($0) })))
            }
        }
        let loop = try runningLoop()
        var connectionLogger = logger
        connectionLogger[metadataKey: "websocket"] = "\(endpoint.redacted)"
        let core = LWSConnection(
            endpoint: endpoint,
            headers: headers.map { (name: $0.0, value: $0.1) },
            configuration: configuration,
            loop: loop,
            logger: connectionLogger
        )
        let outcome = await withTaskCancellationHandler {
            if !loop.submit(.connect(core)) {
                core.completeHandshake(.failure(.clientShutDown))
            }
            return await core.handshakeOutcome()
        } onCancel: {
            if !loop.submit(.abort(core, .cancelled(endpoint: endpoint.redacted))) {
                core.completeHandshake(.failure(.clientShutDown))
            }
        }
        try outcome.get()
        return WebSocketConnection(core: core)
    }

    /// Creates the lws context and starts its thread now rather than at the first `connect`: setting up TLS reads and
    /// parses the system's CA certificates, tens of milliseconds a start-up can spend while it loads other things.
    /// Blocks while it works, so call it off the path that waits; a failure is thrown again by the first `connect`.
    public func prepare() throws(WebSocketError) {
        _ = try runningLoop()
    }

    /// Stops the service thread: open connections end with `.closedLocally`, pending connects
    /// fail with `.clientShutDown`, later connects throw it. Blocks until the thread has stopped.
    public func shutdown() {
        let loop = state.withLock { state -> LWSServiceLoop? in
            defer { state = .shutDown }
            if case .running(let loop) = state { return loop }
            return nil
        }
        loop?.shutdown()
    }

    private func runningLoop() throws(WebSocketError) -> LWSServiceLoop {
        try state.withLock { (state) throws(WebSocketError) -> LWSServiceLoop in
            switch state {
            case .running(let loop):
                return loop
            case .shutDown:
                throw .clientShutDown
            case .idle:
                LWSLogBridge.attach(logger)
                let loop = try LWSServiceLoop(logger: logger)
                state = .running(loop)
                return loop
            }
        }
    }
}
