import CLibWebSockets
import Foundation
import Logging
import Synchronization

/// One client connection as the lws service thread sees it.
///
/// `@unchecked Sendable`: the `let` properties are immutable; `outbox` and `handshake` are
/// `Mutex`-guarded; every `var` below "Service-thread state" is read and written only on the
/// lws service thread (lws callbacks, timer callbacks and `LWSServiceLoop.drainCommands`).
/// Other threads reach the service thread only through `LWSServiceLoop.submit`.
final class LWSConnection: @unchecked Sendable {
    enum Stage { case pending, connecting, established, finished }

    private struct Handshake {
        var outcome: Result<Void, WebSocketError>?
        var waiter: CheckedContinuation<Result<Void, WebSocketError>, Never>?
    }

    let endpoint: WebSocketEndpoint
    let headers: [(name: String, value: String)]
    let configuration: WebSocketConnection.Configuration
    let logger: Logger
    let loop: LWSServiceLoop
    let events: AsyncStream<WebSocketEvent>
    let eventSink: AsyncStream<WebSocketEvent>.Continuation
    let outbox = Mutex(WebSocketOutbox())
    /// Messages read and not yet taken by the consumer (`WebSocketEvents`).
    let readAhead = ReadAhead()
    private let handshake = Mutex(Handshake())

    // MARK: Service-thread state
    var stage = Stage.pending
    var wsi: OpaquePointer?
    var context: OpaquePointer?
    /// Set first-wins when the end of the connection becomes known; reported by `finish`.
    var terminalReason: WebSocketCloseReason?
    /// Replaces whatever lws reports when the handshake is abandoned on purpose.
    var abortError: WebSocketError?
    var connectDeadline = ContinuousClock.now
    var keepAlive: WebSocketKeepAlive
    var pingPending = false
    var timerScheduled = false
    /// lws is not reading the socket: `Configuration.readAhead` messages wait for the consumer.
    var readingPaused = false
    var message: [UInt8] = []
    var messageIsBinary = false
    var writeBuffer: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)
    let timer: UnsafeMutablePointer<clws_timer>
    /// C strings handed to `lws_client_connect_via_info`, freed with the connection.
    private var connectStrings: [UnsafeMutablePointer<CChar>] = []

    init(
        endpoint: WebSocketEndpoint,
        headers: [(name: String, value: String)],
        configuration: WebSocketConnection.Configuration,
        loop: LWSServiceLoop,
        logger: Logger
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        keepAlive = WebSocketKeepAlive(pingInterval: configuration.pingInterval, timeout: configuration.keepAliveTimeout, start: .now)
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        timer = .allocate(capacity: 1)
        timer.initialize(to: clws_timer())
        timer.pointee.user = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        timer.deallocate()
        writeBuffer.deallocate()
        connectStrings.forEach { free($0) }
    }

    // MARK: Handshake (any thread)

    /// Waits until the handshake succeeds or fails; the first outcome wins.
    func handshakeOutcome() async -> Result<Void, WebSocketError> {
        await withCheckedContinuation { waiter in
            let outcome = handshake.withLock { state in
                if state.outcome == nil { state.waiter = waiter }
                return state.outcome
            }
            if let outcome { waiter.resume(returning: outcome) }
        }
    }

    func completeHandshake(_ outcome: Result<Void, WebSocketError>) {
        let waiter = handshake.withLock { state -> CheckedContinuation<Result<Void, WebSocketError>, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    // MARK: Lifecycle (service thread)

    /// Asks lws for the connection; runs when the loop drains the `.connect` command.
    func start(context: OpaquePointer) {
        self.context = context
        if let abortError {
            abandon(because: abortError)
            loop.forget(self)
            return
        }
        var info = lws_client_connect_info()
        info.context = context
        info.address = UnsafePointer(retainedCString(endpoint.host))
        info.port = Int32(endpoint.port)
        info.ssl_connection = endpoint.isSecure ? Int32(LCCSCF_USE_SSL.rawValue) : 0
        info.path = UnsafePointer(retainedCString(endpoint.pathAndQuery))
        info.host = UnsafePointer(retainedCString(endpoint.hostHeader))
        info.local_protocol_name = loop.protocolNamePointer
        info.opaque_user_data = Unmanaged.passUnretained(self).toOpaque()
        info.userdata = info.opaque_user_data
        stage = .connecting
        connectDeadline = .now + configuration.connectTimeout
        scheduleTimer(at: connectDeadline)
        let created = lws_client_connect_via_info(&info)
        if created != nil, stage == .connecting {
            wsi = created  // so a connect timeout or cancellation can kill it
        }
        if created == nil {
            // lws freed the wsi (reporting CONNECTION_ERROR first, or not at all): nothing will call back.
            // 4.1 gives no CONNECTION_ERROR when name resolution fails: find out ourselves.
            if stage == .connecting {
                let error: WebSocketError = endpoint.hostResolves
                    ? .connectionFailed(endpoint: endpoint.redacted, detail: "libwebsockets could not start the connection")
                    : .hostNotFound(host: endpoint.host)
                failHandshake(abortError ?? error)
            }
            loop.forget(self)
        }
    }

    /// Fails or ends the connection on purpose (cancelled connect, client shutdown).
    func abort(because error: WebSocketError) {
        guard stage == .pending || stage == .connecting else { return }
        abortError = error
        if stage == .pending { return }
        failHandshake(error)
        kill()
    }

    /// Called before the context is destroyed so closes it causes read as local ones.
    /// Also cancels the timer for good: after `lws_context_destroy` its list no longer exists.
    func prepareForShutdown() {
        cancelTimer()
        context = nil
        abortError = abortError ?? .clientShutDown
        if terminalReason == nil { terminalReason = .closedLocally }
    }

    /// Settles everything still open when lws will never call back again.
    func abandon(because error: WebSocketError) {
        if stage == .established {
            finish(terminalReason ?? .closedLocally)
        } else {
            failHandshake(error)
        }
    }

    func didEstablish(_ wsi: OpaquePointer) {
        guard stage == .connecting else { return }
        self.wsi = wsi
        stage = .established
        outbox.withLock { $0.open() }
        keepAlive = WebSocketKeepAlive(pingInterval: configuration.pingInterval, timeout: configuration.keepAliveTimeout, start: .now)
        scheduleTimer(at: keepAlive.nextDeadline)
        logger.debug("websocket connected")
        completeHandshake(.success(()))
    }

    func didFailToConnect(_ wsi: OpaquePointer, message: String) {
        guard stage == .connecting || stage == .pending else { return }
        let status = Int(lws_http_client_http_response(wsi))
        let error = abortError ?? WebSocketError(connectFailure: message, httpStatus: status, endpoint: endpoint)
        logger.debug("websocket connect failed", metadata: ["lws": "\(message)", "status": "\(status)"])
        failHandshake(error)
    }

    func didClose() {
        finish(terminalReason ?? .dropped("the server closed the TCP connection without a close frame"))
    }

    func didDestroy() {
        if stage == .connecting {
            failHandshake(abortError ?? .connectionFailed(endpoint: endpoint.redacted, detail: "the connection closed before the handshake finished"))
        }
        finish(terminalReason ?? .dropped("the connection was closed"))
        wsi = nil
        loop.forget(self)
    }

    /// Asks lws to close the socket on its next service pass, without a close frame.
    func kill() {
        guard let wsi else { return }
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CLWS_TO_KILL_ASYNC)
    }

    /// Reports the end of an established connection exactly once and drops unsent messages.
    func finish(_ reason: WebSocketCloseReason) {
        guard stage != .finished else { return }
        let wasEstablished = stage == .established
        stage = .finished
        cancelTimer()
        let dropped = outbox.withLock { $0.finish() }
        if wasEstablished {
            logger.debug("websocket closed", metadata: ["reason": "\(reason)", "unsent": "\(dropped)"])
            eventSink.yield(.closed(reason))
        }
        eventSink.finish()
    }

    private func failHandshake(_ error: WebSocketError) {
        if stage != .finished {
            stage = .finished
            cancelTimer()
            _ = outbox.withLock { $0.finish() }
            eventSink.finish()
        }
        completeHandshake(.failure(error))
    }

    private func retainedCString(_ string: String) -> UnsafeMutablePointer<CChar> {
        let pointer = strdup(string)!
        connectStrings.append(pointer)
        return pointer
    }
}
