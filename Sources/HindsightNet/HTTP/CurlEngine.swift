internal import CCurl
import Foundation
import Logging
import Synchronization

/// A libcurl multi handle that may cross threads.
///
/// `@unchecked Sendable` is safe because other threads only ever pass it to `curl_multi_wakeup`, which libcurl
/// documents as thread-safe, and they do so while holding `CurlEngine.state`'s lock and only before the curl
/// thread marks the engine closed; every other call on the handle, `curl_multi_cleanup` included, happens on
/// the curl thread or, if that thread never started, once in `shutdown` after the engine is closed.
struct CurlMultiHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// A request waiting to be picked up by the curl thread, with the continuation its caller awaits.
struct CurlSubmission: Sendable {
    let id: UInt64
    let request: HTTPClient.Request
    let continuation: CheckedContinuation<Result<HTTPClient.Response, HTTPClientError>, Never>

    func resume(_ result: Result<HTTPClient.Response, HTTPClientError>) {
        continuation.resume(returning: result)
    }
}

/// The hand-over point between async callers and the curl thread: a lock-protected queue plus `curl_multi_wakeup`.
final class CurlEngine: Sendable {
    enum Phase {
        case idle, running, shuttingDown, closed
    }

    struct State {
        var nextID: UInt64 = 0
        var phase = Phase.idle
        var pending: [CurlSubmission] = []
        var cancellations: [UInt64] = []
    }

    /// What the curl thread picks up on each turn of its loop.
    struct Work {
        var submissions: [CurlSubmission]
        var cancellations: [UInt64]
        var isShuttingDown: Bool
    }

    let configuration: HTTPClient.Configuration
    let logger: Logger
    private let multi: CurlMultiHandle
    private let state = Mutex(State())

    init(configuration: HTTPClient.Configuration, logger: Logger) {
        CurlGlobal.initialize()
        guard let raw = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = CurlMultiHandle(raw: raw)
        self.configuration = configuration
        self.logger = logger
    }

    func makeID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Queues a request for the curl thread, starting that thread on first use; refuses it once shut down.
    func submit(_ submission: CurlSubmission) {
        let refusal: HTTPClientError? = state.withLock { state in
            guard state.phase == .idle || state.phase == .running else { return .shutDown }
            // Checked under the lock: a cancellation that raced ahead of this call has already set the flag,
            // and one that comes later will find the submission queued or active.
            if Task.isCancelled { return .cancelled }
            state.pending.append(submission)
            if state.phase == .idle {
                state.phase = .running
                startThread()
            } else {
                curl_multi_wakeup(multi.raw)
            }
            return nil
        }
        if let refusal { submission.resume(.failure(refusal)) }
    }

    /// Cancels request `id`: fails it at once if still queued, otherwise asks the curl thread to stop it.
    func cancel(_ id: UInt64) {
        let queued: CurlSubmission? = state.withLock { state in
            if let index = state.pending.firstIndex(where: { $0.id == id }) {
                return state.pending.remove(at: index)
            }
            guard state.phase == .running else { return nil }
            state.cancellations.append(id)
            curl_multi_wakeup(multi.raw)
            return nil
        }
        queued?.resume(.failure(.cancelled))
    }

    /// Stops accepting requests, fails queued ones and tells the curl thread to fail active ones and exit.
    func shutdown() {
        let (queued, ownsCleanup): ([CurlSubmission], Bool) = state.withLock { state in
            let queued = state.pending
            state.pending = []
            switch state.phase {
            case .idle:
                state.phase = .closed
                return (queued, true)
            case .running:
                state.phase = .shuttingDown
                curl_multi_wakeup(multi.raw)
                return (queued, false)
            case .shuttingDown, .closed:
                return (queued, false)
            }
        }
        for submission in queued { submission.resume(.failure(.shutDown)) }
        if ownsCleanup { curl_multi_cleanup(multi.raw) }
    }

    /// Called by the curl thread: takes everything queued since the last turn.
    func takeWork() -> Work {
        state.withLock { state in
            let work = Work(
                submissions: state.pending,
                cancellations: state.cancellations,
                isShuttingDown: state.phase == .shuttingDown
            )
            state.pending = []
            state.cancellations = []
            // From here on nobody calls curl_multi_wakeup, so the thread may clean the handle up.
            if work.isShuttingDown { state.phase = .closed }
            return work
        }
    }

    private func startThread() {
        let thread = Thread { [self, multi] in
            Thread.current.name = "hindsight-http"  // set from inside: on Linux that is what names the OS thread
            CurlTransferLoop(engine: self, multi: multi.raw).run()
            curl_multi_cleanup(multi.raw)
        }
        thread.start()
    }
}

/// `curl_global_init` must run once before any other libcurl call; a global `let` initialiser runs exactly once.
enum CurlGlobal {
    private static let initialized: Bool = curl_global_init(HS_CURL_GLOBAL_DEFAULT) == CURLE_OK

    static func initialize() {
        precondition(initialized, "curl_global_init failed")
    }
}
