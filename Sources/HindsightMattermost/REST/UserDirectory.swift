import HindsightCore
import Logging

/// Display names from `GET /users/{id}`, cached for the life of the process (names rarely change mid-incident,
/// and the timeline keeps the name at the time anyway).
public actor UserDirectory: UserNameLookup {
    private let rest: MattermostREST
    private let logger: Logger
    private var names: [String: String] = [:]

    public init(rest: MattermostREST, logger: Logger) {
        self.rest = rest
        self.logger = logger
    }

    /// Seeds the cache (the bot itself from `users/me`).
    public func remember(_ user: MattermostUser) {
        names[user.id] = user.displayName
    }

    public func displayName(of userID: String) async -> String {
        if let name = names[userID] { return name }
        do {
            let user = try await rest.user(userID)
            names[userID] = user.displayName
            return user.displayName
        } catch {
            logger.warning("could not look up a Mattermost user; using the id", metadata: ["user": "\(userID)", "error": "\(error)"])
            return userID
        }
    }
}
