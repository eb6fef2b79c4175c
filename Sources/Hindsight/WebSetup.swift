import ArgumentParser
import HindsightConfig
import HindsightCore
import HindsightPrompts
import HindsightWeb
import Logging

/// The web archive's routes from the settings (`HINDSIGHT_WEB=on`), or a readable refusal of settings that would
/// serve it unprotected.
enum WebSetup {
    static func routes(_ app: Composition) throws -> WebRoutes? {
        guard app.settings.web else { return nil }
        let source = app.source
        do {
            let access = try WebAccess(configuration: .init(
                token: source["HINDSIGHT_WEB_TOKEN"],
                trustedProxies: try AddressRange.list(source["HINDSIGHT_WEB_TRUSTED_PROXIES"] ?? ""),
                userHeader: source["HINDSIGHT_WEB_USER_HEADER"] ?? "X-Forwarded-User"))
            let templates = try WebTemplates { name in try app.prompts.sources.text(name).text }
            let reader = ArchiveReader(store: app.store, desk: app.desk, platforms: Platforms.known)
            app.logger.info("web archive on", metadata: [
                "token": "\(access.configuration.token != nil)", "trusted_proxies": "\(access.configuration.trustedProxies.count)",
            ])
            return WebRoutes(reader: reader, access: access, templates: templates, logger: app.logger)
        } catch let error as WebAccessError {
            throw ValidationError(error.description)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
