import ArgumentParser
import HindsightConfig
import HindsightCore
import HindsightPrompts
import HindsightWeb
import Logging

/// The web archive's routes from the settings (`HINDSIGHT_WEB=on`), or a readable refusal of settings that would
/// serve it unprotected.
enum WebSetup {
    /// Who may read the archive, from `HINDSIGHT_WEB_TOKEN`, `HINDSIGHT_WEB_TRUSTED_PROXIES` and `HINDSIGHT_WEB_USER_HEADER`.
    static func access(_ source: SettingsSource) throws(WebAccessError) -> WebAccess {
        try WebAccess(configuration: .init(
            token: source["HINDSIGHT_WEB_TOKEN"],
            trustedProxies: try AddressRange.list(source["HINDSIGHT_WEB_TRUSTED_PROXIES"] ?? ""),
            userHeader: source["HINDSIGHT_WEB_USER_HEADER"] ?? "X-Forwarded-User"))
    }

    /// The pages' templates from `Prompts/web/` (built in, or overridden).
    static func templates(_ prompts: PromptSet) throws -> WebTemplates {
        try WebTemplates { name in try prompts.sources.text(name).text }
    }

    /// What the archive's access amounts to, for the log and `hindsight doctor`.
    static func summary(_ access: WebAccess) -> String {
        let proxies = access.configuration.trustedProxies.count
        return [access.configuration.token != nil ? "token sign-in" : nil, proxies > 0 ? "\(proxies) trusted proxy ranges" : nil]
            .compactMap { $0 }.joined(separator: ", ")
    }

    static func routes(_ app: Composition) throws -> WebRoutes? {
        guard app.settings.web else { return nil }
        do {
            let access = try access(app.source)
            guard let store = app.store else {
                throw ValidationError("HINDSIGHT_WEB=on: the web archive reads a SQLite store only so far; with HINDSIGHT_DB=postgres://… set HINDSIGHT_WEB=off.")
            }
            let reader = ArchiveReader(store: store, desk: app.desk, platforms: Platforms.known)
            let routes = WebRoutes(reader: reader, access: access, templates: try templates(app.prompts), logger: app.logger)
            app.logger.info("web archive on", metadata: ["access": "\(summary(access))"])
            return routes
        } catch let error as WebAccessError {
            throw ValidationError(error.description)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
