import Foundation
import HindsightMattermost
import HindsightNet
import HindsightServer
import HindsightTesting
import HindsightPrompts
import HindsightStore
import HindsightWeb
import HindsightWebhooks
import Hummingbird
import Logging
import Testing

@Suite("The HTTP surface is documented and authenticated")
struct HTTPSurfaceTests {
    /// Every route any module can register, with everything configured.
    static func registeredRoutes() throws -> [HTTPSurface.Route] {
        let bot = try makeBot()
        let logger = Logger(label: "surface-test")
        let webSockets = WebSocketClient(logger: logger)
        defer { webSockets.shutdown() }
        let mattermost = MattermostAdapter(
            configuration: try MattermostConfiguration(serverURL: "http://127.0.0.1:9", token: "t", commandToken: "c", publicURL: "https://bot"),
            bot: bot, http: TestHTTP.client, webSockets: webSockets, logger: logger, callbacks: TestIDs.callbacks
        )
        let all = WebhookAuth(bearer: "b", hmacSecret: "h", signatureHeader: "X-Sig", signaturePrefix: "sha256=")
        let webhooks = WebhookRoutes(
            configuration: .init(alertmanager: all, pagerduty: all, generic: all, routes: []), bot: bot, sink: { _, _ in }, logger: logger
        )
        let server = BotHTTPServer(configuration: .init(), routes: [], logger: logger, metrics: { "" })
        let registrar = RouteRegistrar(router: Router(context: BotRequestContext.self))
        server.registerOperations(on: registrar)
        mattermost.routes.register(on: registrar)
        webhooks.register(on: registrar)
        let prompts = try PromptSet(directory: TestBot.prompts)
        let web = WebRoutes(
            reader: ArchiveReader(store: try Store(path: temporaryDatabasePath()), desk: prompts.desk(zone: .gmt), platforms: [.mattermost]),
            access: try WebAccess(configuration: .init(token: "0123456789abcdef")),
            templates: try WebTemplates { try prompts.sources.text($0).text }, logger: logger)
        web.register(on: registrar)
        return registrar.registered
    }

    /// The routes README's "HTTP surface" table lists, as `METHOD /path`.
    static func readmeRoutes() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## HTTP surface").dropFirst().first).components(separatedBy: "\n## ").first ?? ""
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
    }

    @Test("every registered route has an entry saying who calls it, how it is authenticated and what it may change")
    func everyRouteDocumented() throws {
        let registered = try Self.registeredRoutes()
        #expect(!registered.isEmpty)
        let undocumented = registered.filter { HTTPSurface.entry(for: $0) == nil }
        #expect(undocumented.isEmpty, "add these to HTTPSurface.routes and README: \(undocumented)")
        #expect(Set(HTTPSurface.routes.map(\.route)) == Set(registered), "HTTPSurface lists routes nothing registers")
        for entry in HTTPSurface.routes {
            #expect(!entry.caller.isEmpty && !entry.authentication.isEmpty && !entry.changes.isEmpty, "\(entry.route)")
        }
    }

    @Test("README's HTTP surface table lists exactly the routes in HTTPSurface")
    func readmeMatches() throws {
        #expect(Set(try Self.readmeRoutes()) == Set(HTTPSurface.routes.map(\.route.description)))
    }

    @Test("a server with a route missing from HTTPSurface refuses to start")
    func undocumentedRouteRefused() async throws {
        struct Sneaky: HTTPRoutes {
            func register(on routes: RouteRegistrar) {
                routes.post("debug/reset") { _, _ in Response(status: .ok) }
            }
        }
        let server = BotHTTPServer(configuration: .init(host: "127.0.0.1", port: 0), routes: [Sneaky()], logger: Logger(label: "surface-test"))
        await #expect(throws: BotHTTPServerError.undocumentedRoutes(["POST /debug/reset"])) { try await server.run() }
    }
}
