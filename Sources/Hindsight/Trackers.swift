import ArgumentParser
import HindsightConfig
import HindsightNet
import HindsightTrackers
import Logging

/// The issue trackers configured in the settings, as a filer for the bot; nil when none is.
enum TrackerSetup {
    static func filer(_ source: SettingsSource, logger: Logger) throws -> ActionItemFiler? {
        func value(_ key: String) -> String? { source[key] }
        func require(_ keys: [String], for name: String) throws -> [String]? {
            let values = keys.map(value)
            if values.allSatisfy({ $0 == nil }) { return nil }
            if let missing = zip(keys, values).first(where: { $0.1 == nil })?.0 {
                throw ValidationError("\(missing) is not set but other \(name) settings are: set \(keys.joined(separator: ", ")) to file action items in \(name), or none of them.")
            }
            return values.compactMap { $0 }
        }
        var trackers: [any IssueTracker] = []
        if let v = try require(["GITHUB_TOKEN", "GITHUB_REPO"], for: "GitHub") {
            trackers.append(GitHubTracker(apiURL: value("GITHUB_API_URL") ?? "https://api.github.com", token: v[0], repository: v[1], http: SharedHTTP.client))
        }
        if let v = try require(["GITLAB_URL", "GITLAB_TOKEN", "GITLAB_PROJECT"], for: "GitLab") {
            trackers.append(GitLabTracker(baseURL: v[0], token: v[1], project: v[2], http: SharedHTTP.client))
        }
        if let v = try require(["JIRA_URL", "JIRA_EMAIL", "JIRA_TOKEN", "JIRA_PROJECT"], for: "Jira") {
            trackers.append(JiraTracker(baseURL: v[0], email: v[1], token: v[2], project: v[3], http: SharedHTTP.client))
        }
        guard !trackers.isEmpty else { return nil }
        logger.info("issue trackers configured", metadata: ["trackers": "\(trackers.map(\.name))"])
        return ActionItemFiler(trackers: trackers, assignees: assignees(value("HINDSIGHT_ASSIGNEES") ?? ""))
    }

    /// `@alice=alice-gh, @bob=bob` → ["@alice": "alice-gh", "@bob": "bob"].
    static func assignees(_ text: String) -> [String: String] {
        var map: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty { map[parts[0]] = parts[1] }
        }
        return map
    }
}

/// The one libcurl client of the process (its transfers run on one thread), made on first use: platform adapters,
/// trackers, Prometheus and `doctor` share it instead of each starting their own.
enum SharedHTTP {
    static let client = HTTPClient(logger: Logger(label: "hindsight.http"))
}
