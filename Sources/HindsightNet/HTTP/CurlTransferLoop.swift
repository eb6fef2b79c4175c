internal import CCurl
import Foundation
import Logging

/// The body of the curl thread: drives every transfer through one multi handle and resumes callers.
///
/// Lives and dies on that thread, so its dictionaries and the C handles they hold are never shared.
final class CurlTransferLoop {
    private let engine: CurlEngine
    private let multi: UnsafeMutableRawPointer
    private var active: [UInt64: CurlTransfer] = [:]
    private var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    init(engine: CurlEngine, multi: UnsafeMutableRawPointer) {
        self.engine = engine
        self.multi = multi
    }

    /// Runs until the engine shuts down; in-flight transfers then fail with `.shutDown`.
    func run() {
        while true {
            let work = engine.takeWork()
            for submission in work.submissions { start(submission) }
            for id in work.cancellations { finish(id, with: .failure(.cancelled)) }
            if work.isShuttingDown {
                for id in Array(active.keys) { finish(id, with: .failure(.shutDown)) }
                return
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectCompleted()
            // Returns early when a socket is ready, a curl timer fires, or another thread calls curl_multi_wakeup.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ submission: CurlSubmission) {
        let request = submission.request
        engine.logger.debug(
            "HTTP request",
            metadata: ["http.method": "\(request.method.rawValue)", "http.url": "\(URLRedaction.redact(request.url))"]
        )
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(submission, configuration: engine.configuration)
        } catch {
            report(error, for: request, after: .zero)
            submission.resume(.failure(error))
            return
        }
        let code = curl_multi_add_handle(multi, transfer.easy)
        guard code == CURLM_OK else {
            let error = HTTPClientError.transport(
                code: Int(code.rawValue),
                message: String(cString: curl_multi_strerror(code)),
                url: URLRedaction.redact(request.url)
            )
            report(error, for: request, after: .zero)
            submission.resume(.failure(error))
            return
        }
        active[submission.id] = transfer
        idsByHandle[transfer.easy] = submission.id
    }

    private func collectCompleted() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE,
                let easy = message.pointee.easy_handle,
                let id = idsByHandle[easy],
                let transfer = active[id]
            else { continue }
            // The message is only valid until the handle leaves the multi: read the result first.
            let code = hs_curlmsg_result(message)
            let result: Result<HTTPClient.Response, HTTPClientError> =
                code == CURLE_OK ? .success(transfer.response()) : .failure(transfer.failure(code))
            finish(id, with: result)
        }
    }

    /// Takes transfer `id` out of the multi, releases its handle and resumes its caller; unknown ids are ignored.
    private func finish(_ id: UInt64, with result: Result<HTTPClient.Response, HTTPClientError>) {
        guard let transfer = active.removeValue(forKey: id) else { return }
        curl_multi_remove_handle(multi, transfer.easy)
        idsByHandle[transfer.easy] = nil
        let elapsed = ContinuousClock.now - transfer.startedAt
        switch result {
        case .success(let response):
            engine.logger.debug(
                "HTTP response",
                metadata: [
                    "http.method": "\(transfer.request.method.rawValue)",
                    "http.url": "\(URLRedaction.redact(transfer.request.url))",
                    "http.status": "\(response.status)",
                    "http.duration_ms": "\(elapsed.curlMilliseconds)",
                ]
            )
        case .failure(let error):
            report(error, for: transfer.request, after: elapsed)
        }
        transfer.submission.resume(result)
    }

    private func report(_ error: HTTPClientError, for request: HTTPClient.Request, after elapsed: Duration) {
        engine.logger.debug(
            "HTTP request failed",
            metadata: [
                "http.method": "\(request.method.rawValue)",
                "http.url": "\(URLRedaction.redact(request.url))",
                "http.duration_ms": "\(elapsed.curlMilliseconds)",
                "error": "\(error)",
            ]
        )
    }
}
