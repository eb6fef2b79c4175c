import CLibWebSockets
import Foundation
import Logging
import Synchronization

/// One lws context and the thread that services it.
///
/// `@unchecked Sendable`: `context` is written once before the service thread starts and
/// destroyed by that thread only after `stopped` is set under `shared`'s lock; other threads
/// call `lws_cancel_service` (the one lws call that is safe off-thread) only while holding that
/// lock and seeing `stopped == false`. `live` and `protocols` are touched only on the service
/// thread (callbacks, `EVENT_WAIT_CANCELLED` drains and the teardown at the end of `run`).
final class LWSServiceLoop: @unchecked Sendable {
    /// Work handed from any thread to the service thread.
    enum Command {
        case connect(LWSConnection)
        case wake(LWSConnection)
        case resumeReading(LWSConnection)
        case abort(LWSConnection, WebSocketError)
    }

    private struct Shared {
        var commands: [Command] = []
        var stopRequested = false
        var stopped = false
    }

    let logger: Logger
    private let shared = Mutex(Shared())
    private let exited = DispatchSemaphore(value: 0)
    private var context: OpaquePointer!
    private let protocolName: UnsafeMutablePointer<CChar>
    private let protocols: UnsafeMutablePointer<lws_protocols>
    /// Connections lws may still call back for, retained until their `WSI_DESTROY`.
    private var live: [ObjectIdentifier: LWSConnection] = [:]
    private var thread: Thread?

    /// The name the single lws protocol is registered under.
    var protocolNamePointer: UnsafePointer<CChar> { UnsafePointer(protocolName) }

    init(logger: Logger) throws(WebSocketError) {
        self.logger = logger
        protocolName = strdup("hindsight-ws")
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(protocolName)
        protocols[0].callback = lwsProtocolCallback

        var info = lws_context_creation_info()
        info.port = CLWS_CONTEXT_PORT_NO_LISTEN
        info.protocols = UnsafePointer(protocols)
        info.options = UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
        info.gid = -1
        info.uid = -1
        info.user = Unmanaged.passUnretained(self).toOpaque()
        guard let context = lws_create_context(&info) else {
            protocols.deallocate()
            free(protocolName)
            throw .contextCreationFailed
        }
        self.context = context
        let thread = Thread { [self] in run() }
        thread.name = "lws-service"
        self.thread = thread
        thread.start()
    }

    /// Hands work to the service thread; false once the loop is stopping.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        shared.withLock { shared in
            guard !shared.stopRequested else { return false }
            shared.commands.append(command)
            lws_cancel_service(context)
            return true
        }
    }

    /// Stops the service thread and destroys the context; blocks until done unless called on that thread.
    func shutdown() {
        let mustWait = shared.withLock { shared in
            guard !shared.stopped else { return false }
            if !shared.stopRequested {
                shared.stopRequested = true
                lws_cancel_service(context)
            }
            return true
        }
        guard mustWait, Thread.current !== thread else { return }
        exited.wait()
        exited.signal()
    }

    // MARK: Service thread

    private func run() {
        while !shared.withLock({ $0.stopRequested }) {
            lws_service(context, 0)
        }
        let leftovers = shared.withLock { shared in
            shared.stopped = true
            defer { shared.commands = [] }
            return shared.commands
        }
        for case .connect(let connection) in leftovers {
            connection.abandon(because: .clientShutDown)
        }
        for connection in live.values {
            connection.prepareForShutdown()
        }
        lws_context_destroy(context)
        for connection in live.values {
            connection.abandon(because: .clientShutDown)
        }
        live.removeAll()
        protocols.deallocate()
        free(protocolName)
        logger.debug("websocket client stopped")
        exited.signal()
    }

    /// Runs queued commands; called for `LWS_CALLBACK_EVENT_WAIT_CANCELLED`.
    func drainCommands() {
        let commands = shared.withLock { shared in
            defer { shared.commands.removeAll(keepingCapacity: true) }
            return shared.commands
        }
        for command in commands {
            switch command {
            case .connect(let connection):
                live[ObjectIdentifier(connection)] = connection
                connection.start(context: context)
            case .wake(let connection):
                connection.armWritable()
            case .resumeReading(let connection):
                connection.resumeReading()
            case .abort(let connection, let error):
                connection.abort(because: error)
            }
        }
    }

    /// Releases a connection lws will not call back for again.
    func forget(_ connection: LWSConnection) {
        live[ObjectIdentifier(connection)] = nil
    }
}
