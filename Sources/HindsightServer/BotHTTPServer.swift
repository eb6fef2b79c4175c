import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The bot's own HTTP server: `GET /healthz` plus the routes modules contribute (Mattermost slash commands and
/// dialogs, later webhooks and metrics). It is a swift-service-lifecycle `Service`: `run()` serves until cancelled or
/// until its service group shuts down gracefully.
public final class BotHTTPServer: Service, Sendable {
    /// Where the server listens.
    public struct Configuration: Sendable, Equatable {
        /// Address to bind (`HINDSIGHT_HTTP_HOST`, default `0.0.0.0`).
        public var host: String
        /// Port to bind (`HINDSIGHT_HTTP_PORT`, default 8080); 0 picks a free port (see `boundPort()`).
        public var port: Int
        /// Largest request body accepted.
        public var maxBodySize: Int

        /// Creates a configuration.
        public init(host: String = "0.0.0.0", port: Int = 8080, maxBodySize: Int = HTTPBodyLimit.default) {
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
        }

        /// Reads `HINDSIGHT_HTTP_HOST` and `HINDSIGHT_HTTP_PORT` from an environment dictionary.
        public static func fromEnvironment(_ env: [String: String]) throws(BotHTTPServerError) -> Configuration {
            let host = env["HINDSIGHT_HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
            let rawPort = env["HINDSIGHT_HTTP_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "8080"
            guard let port = Int(rawPort), (0...65_535).contains(port) else { throw .invalidPort(rawPort) }
            return Configuration(host: host, port: port)
        }
    }

    /// One readiness check: a name and whether it passes right now.
    public typealias ReadinessCheck = @Sendable () async -> (name: String, ready: Bool)

    private let configuration: Configuration
    private let routes: [any HTTPRoutes]
    private let logger: Logger
    private let bound = BoundPort()
    private let readiness: [ReadinessCheck]
    private let metrics: (@Sendable () async -> String)?

    /// Creates the server; nothing is bound until `run()`.
    /// - Parameters:
    ///   - readiness: the checks `GET /readyz` runs (store open, chat connections live); all must pass for 200.
    ///   - metrics: the Prometheus text `GET /metrics` serves; nil serves no `/metrics`.
    public init(
        configuration: Configuration, routes: [any HTTPRoutes], logger: Logger, readiness: [ReadinessCheck] = [],
        metrics: (@Sendable () async -> String)? = nil
    ) {
        self.configuration = configuration
        self.routes = routes
        self.logger = logger
        self.readiness = readiness
        self.metrics = metrics
    }

    /// Serves until the task is cancelled (or the service group shuts down).
    public func run() async throws {
        defer { bound.fail() }  // waiters on boundPort() learn the server stopped, whatever the reason
        let router = Router(context: BotRequestContext.self)
        router.add(middleware: BodySizeLimit(maxSize: configuration.maxBodySize))
        let registrar = RouteRegistrar(router: router)
        registerOperations(on: registrar)
        for module in routes { module.register(on: registrar) }
        // Every route is reviewed before it is served: one missing from HTTPSurface (and README) is a build mistake.
        guard registrar.undocumented.isEmpty else { throw BotHTTPServerError.undocumentedRoutes(registrar.undocumented.map(\.description)) }
        let bound = self.bound
        let logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hindsight"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("http server listening", metadata: ["host": "\(self.configuration.host)", "port": "\(port)"])
                bound.set(port)
            },
            logger: logger
        )
        // Under a ServiceGroup a graceful shutdown lets open requests finish; plain cancellation stops at once.
        try await app.run()
    }

    /// `/healthz`, `/readyz` and (when configured) `/metrics`.
    public func registerOperations(on routes: RouteRegistrar) {
        routes.get("healthz") { _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok"))) }
        let readiness = self.readiness
        routes.get("readyz") { _, _ -> Response in
            var lines: [String] = []
            var ready = true
            for check in readiness {
                let result = await check()
                ready = ready && result.ready
                lines.append("\(result.name): \(result.ready ? "ok" : "not ready")")
            }
            let body = (lines.isEmpty ? ["ok"] : lines).joined(separator: "\n") + "\n"
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        if let metrics {
            routes.get("metrics") { _, _ -> Response in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: ResponseBody(byteBuffer: ByteBuffer(string: await metrics())))
            }
        }
    }

    /// The port actually bound (useful with port 0), once the server is listening; nil if it stopped first.
    public func boundPort() async -> Int? {
        await bound.wait()
    }
}

/// Errors reading the server's configuration.
public enum BotHTTPServerError: Error, Equatable, CustomStringConvertible {
    case invalidPort(String)
    case undocumentedRoutes([String])

    public var description: String {
        switch self {
        case .invalidPort(let value): "HINDSIGHT_HTTP_PORT is '\(value)': expected a port number from 0 to 65535."
        case .undocumentedRoutes(let routes):
            "routes \(routes.joined(separator: ", ")) are not in HTTPSurface: document who calls each and how it is authenticated before serving it."
        }
    }
}

/// Refuses bodies over the cap with 413, based on Content-Length and on the bytes actually read.
struct BodySizeLimit<Context: RequestContext>: RouterMiddleware {
    let maxSize: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxSize {
            return Response(status: .contentTooLarge)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxSize)
        } catch {
            return Response(status: .contentTooLarge)
        }
        return try await next(request, context)
    }
}

/// A one-shot value: the bound port, published once and awaited by any number of tasks.
final class BoundPort: Sendable {
    private enum State { case waiting([CheckedContinuation<Int?, Never>]), done(Int?) }
    private let state = Mutex(State.waiting([]))

    func set(_ port: Int) { finish(port) }
    func fail() { finish(nil) }

    private func finish(_ value: Int?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int?, Never>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(value)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    func wait() async -> Int? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Int?? in
                switch state {
                case .done(let value): return .some(value)
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return .none
                }
            }
            if case .some(let value) = ready { continuation.resume(returning: value) }
        }
    }
}
