import Foundation
import Logging

/// The one HTTP client Hindsight uses for every outbound API (Slack, Mattermost, GitHub, GitLab, Jira, Prometheus).
///
/// Backed by a libcurl multi handle driven on one dedicated thread, so awaiting a response never blocks
/// Swift's cooperative pool. Non-2xx statuses come back as responses; only transport failures throw.
public final class HTTPClient: Sendable {
    /// Client-wide defaults; timeouts can be overridden per request.
    public struct Configuration: Sendable {
        /// How long to wait for the TCP (and TLS) connection.
        public var connectTimeout: Duration
        /// How long the whole exchange may take, body included.
        public var totalTimeout: Duration
        /// Whether 3xx responses with a Location are followed.
        public var followRedirects: Bool
        /// How many redirects to follow before failing with `.tooManyRedirects`.
        public var maxRedirects: Int
        /// Whether to verify TLS certificates against the system CA bundle; turn off only in tests.
        public var verifyTLS: Bool
        /// The User-Agent sent unless a request sets its own.
        public var userAgent: String

        /// Creates a configuration; the defaults suit chat and issue-tracker APIs.
        public init(
            connectTimeout: Duration = .seconds(10),
            totalTimeout: Duration = .seconds(60),
            followRedirects: Bool = true,
            maxRedirects: Int = 5,
            verifyTLS: Bool = true,
            userAgent: String = "hindsight/0.1"
        ) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.followRedirects = followRedirects
            self.maxRedirects = maxRedirects
            self.verifyTLS = verifyTLS
            self.userAgent = userAgent
        }
    }

    /// The configuration this client was created with.
    public let configuration: Configuration
    private let engine: CurlEngine

    /// Creates a client; its thread starts with the first request and stops on `shutdown()` or when the client is released.
    public init(configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        self.engine = CurlEngine(configuration: configuration, logger: logger)
    }

    deinit {
        engine.shutdown()
    }

    /// Sends `request` and returns the final response, whatever its status.
    ///
    /// Cancelling the calling task stops the transfer and throws `.cancelled`.
    public func execute(_ request: Request) async throws(HTTPClientError) -> Response {
        let engine = self.engine
        let id = engine.makeID()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                engine.submit(CurlSubmission(id: id, request: request, continuation: continuation))
            }
        } onCancel: {
            engine.cancel(id)
        }
        // Dropping the last reference shuts the client down (deinit); a caller awaiting a response holds one.
        withExtendedLifetime(self) {}
        return try result.get()
    }

    /// Stops the client: queued and in-flight requests fail with `.shutDown` and the thread exits. Idempotent.
    public func shutdown() {
        engine.shutdown()
    }
}
