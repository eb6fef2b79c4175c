import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle  // comes with Hummingbird; graceful shutdown needs ServiceGroup

/// A running in-process HTTP server on 127.0.0.1, the base that fake Slack, Mattermost and GitHub servers build on.
///
/// Each server gets its own ephemeral port, so any number can run at once from parallel tests.
public struct TestHTTPServer: Sendable {
    /// The port the server listens on.
    public let port: Int

    /// `http://127.0.0.1:<port>`, with no trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// An absolute URL for `path` on this server; `path` may start with or without a slash.
    public func url(_ path: String) -> String {
        path.hasPrefix("/") ? baseURL + path : baseURL + "/" + path
    }
}

/// Why a test server could not be used.
public enum TestHTTPServerError: Error, CustomStringConvertible {
    /// The server stopped before it reported a listening port (for example, binding failed).
    case didNotStart

    /// What went wrong, for test failure messages.
    public var description: String {
        "The test HTTP server stopped before it started listening on 127.0.0.1; see the Hummingbird log output."
    }
}

/// Runs a Hummingbird server for `router` on 127.0.0.1 (ephemeral port) while `body` runs, then stops it.
///
/// Stopping is a graceful shutdown: idle connections close at once and requests in progress may finish.
/// A handler still running after `gracePeriod` is cancelled, so a deliberately slow route cannot stall a test;
/// slow routes that should end when the client gives up can use `consumeWithCancellationOnInboundClose`.
@discardableResult
public func withTestHTTPServer<Router: HTTPResponderBuilder, Value>(
    _ router: Router,
    logger: Logger = TestHTTPServerLogging.quietLogger(),
    gracePeriod: Duration = .seconds(1),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (TestHTTPServer) async throws -> Value
) async throws -> Value where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { portContinuation.yield(port) }
            portContinuation.finish()
        },
        logger: logger
    )
    var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
    configuration.maximumGracefulShutdownDuration = gracePeriod
    let services = ServiceGroup(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
        group.addTask {
            defer { portContinuation.finish() }
            try await services.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(isolation: isolation) else {
            try await group.waitForAll()  // surfaces the server's own error if it has one
            throw TestHTTPServerError.didNotStart
        }
        do {
            let value = try await body(TestHTTPServer(port: port))
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return value
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
    }
}

/// Runs a server whose routes are set up by `configure` on a fresh `Router<BasicRequestContext>`.
@discardableResult
public func withTestHTTPServer<Value>(
    logger: Logger = TestHTTPServerLogging.quietLogger(),
    isolation: isolated (any Actor)? = #isolation,
    gracePeriod: Duration = .seconds(1),
    configure: (Router<BasicRequestContext>) -> Void,
    _ body: (TestHTTPServer) async throws -> Value
) async throws -> Value {
    let router = Router()
    configure(router)
    return try await withTestHTTPServer(router, logger: logger, gracePeriod: gracePeriod, isolation: isolation, body)
}

/// Logging defaults for test servers.
public enum TestHTTPServerLogging {
    /// A logger that only shows warnings and errors, so parallel test runs are not flooded with startup lines.
    public static func quietLogger(label: String = "hindsight.test-http-server") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}
