import HindsightServer
import Logging
import ServiceLifecycle
import Testing

/// Serves `routes` on the bot's real HTTP server at 127.0.0.1 (a free port) for the duration of `body`, which gets
/// the base URL (`http://127.0.0.1:<port>`); the server shuts down gracefully afterwards, also when `body` throws.
public func withServing(_ routes: [any HTTPRoutes], logger: Logger, _ body: (String) async throws -> Void) async throws {
    let server = BotHTTPServer(configuration: .init(host: "127.0.0.1", port: 0), routes: routes, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let port = try #require(await server.boundPort())
        do {
            try await body("http://127.0.0.1:\(port)")
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
