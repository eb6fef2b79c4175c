import HindsightCore
import Logging

/// Display names from `users.info`, cached for `ttl` (people rename themselves; the timeline keeps the name at the
/// time anyway). Concurrent lookups of the same person share one call.
actor SlackUserDirectory: UserNameLookup {
    private let api: SlackWebAPI
    private let ttl: Duration
    private let logger: Logger
    private let clock = ContinuousClock()
    private var names: [String: (name: String, until: ContinuousClock.Instant)] = [:]
    private var inFlight: [String: Task<String?, Never>] = [:]

    init(api: SlackWebAPI, ttl: Duration, logger: Logger) {
        self.api = api
        self.ttl = ttl
        self.logger = logger
    }

    /// Seeds the cache (the bot itself from `auth.test`).
    func remember(_ userID: String, name: String) {
        names[userID] = (name, clock.now.advanced(by: ttl))
    }

    func displayName(of userID: String) async -> String {
        if let cached = names[userID], cached.until > clock.now { return cached.name }
        let task = inFlight[userID] ?? Task { [api, logger] in
            do { return try await api.userInfo(userID).shownName } catch {
                logger.warning("could not look up a Slack user; using the id", metadata: ["user": "\(userID)", "error": "\(error)"])
                return nil
            }
        }
        inFlight[userID] = task
        let name = await task.value
        inFlight[userID] = nil
        guard let name else { return names[userID]?.name ?? userID }  // a stale name beats an id
        names[userID] = (name, clock.now.advanced(by: ttl))
        return name
    }
}
