import Foundation
import HindsightCore
import HindsightNet

/// An issue to file for an action item.
public struct TrackerIssue: Sendable, Hashable {
    public var title: String
    public var body: String
    public var labels: [String]
    /// The tracker user to assign, when the chat owner is mapped to one.
    public var assignee: String?
    public var due: Date?

    public init(title: String, body: String, labels: [String], assignee: String?, due: Date?) {
        self.title = title
        self.body = body
        self.labels = labels
        self.assignee = assignee
        self.due = due
    }
}

/// Why a tracker refused or failed; `description` says what to fix, and never contains a token.
public struct TrackerError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case unauthorized, notFound, invalid, rateLimited, serverError, network
    }

    public var tracker: String
    public var kind: Kind
    public var status: Int?
    public var detail: String
    public var retryAfter: Duration?

    public var description: String {
        let hint = switch kind {
        case .unauthorized: "the token was refused: check it and that it may create issues"
        case .notFound: "the repository or project was not found: check its name and that the token can see it"
        case .invalid: "the tracker rejected the issue (\(detail)): check labels, assignee mapping and fields"
        case .rateLimited: "rate limited\(retryAfter.map { ", retry in \($0.components.seconds)s" } ?? ""); publish again later to file the rest"
        case .serverError: "the tracker had an error (\(status.map(String.init) ?? "?")); publish again later to file the rest"
        case .network: "could not reach it (\(detail))"
        }
        return "\(tracker): \(hint)"
    }

    /// An error that every further request to this tracker would meet too (credentials, project, rate limit,
    /// network): asking about the next item is pointless until it is fixed.
    public var stopsTracker: Bool { [.unauthorized, .notFound, .rateLimited, .network].contains(kind) }

    static func from(_ response: HTTPClient.Response, tracker: String, detail: String) -> TrackerError {
        let kind: Kind = switch response.status {
        case 401: .unauthorized
        case 403 where response.headers["x-ratelimit-remaining"] == "0": .rateLimited
        case 403: .unauthorized
        case 404, 410: .notFound
        case 400, 422: .invalid
        case 429: .rateLimited
        default: .serverError
        }
        return TrackerError(tracker: tracker, kind: kind, status: response.status, detail: detail, retryAfter: response.retryAfter)
    }
}

/// Something that files issues: GitHub, GitLab or Jira.
public protocol IssueTracker: Sendable {
    /// A short name (`github`, `gitlab`, `jira`) that keys the filed issue's URL on the action item.
    var name: String { get }
    /// Files `issue` and returns its web URL.
    func file(_ issue: TrackerIssue) async throws(TrackerError) -> String
    /// Whether the issue at `url` (as `file` returned it) is closed / done.
    func isClosed(_ url: String) async throws(TrackerError) -> Bool
    /// Checks the credentials and the project without filing anything (`hindsight doctor`); says what was reached.
    func check() async throws(TrackerError) -> String
}

extension IssueTracker {
    /// The last path component of an issue URL (`…/issues/12` → `12`, `…/browse/OPS-3` → `OPS-3`).
    func lastComponent(_ url: String) throws(TrackerError) -> String {
        guard let last = url.split(separator: "/").last, !last.isEmpty, !url.hasSuffix("/") else {
            throw TrackerError(tracker: name, kind: .invalid, status: nil, detail: "not an issue URL: \(url)")
        }
        return String(last)
    }

    /// Sends a JSON request, returning the decoded JSON object of a 2xx answer.
    func send(_ http: HTTPClient, _ request: HTTPClient.Request) async throws(TrackerError) -> [String: Any] {
        let response: HTTPClient.Response
        do {
            response = try await http.execute(request)
        } catch {
            throw TrackerError(tracker: name, kind: .network, status: nil, detail: "\(error)")
        }
        let object = (try? SafeJSON.object(from: response.body)) as? [String: Any] ?? [:]
        guard response.isSuccess else {
            let detail = (object["message"] as? String) ?? (object["errorMessages"] as? [String])?.joined(separator: "; ")
                ?? (object["errors"].map { "\($0)" }) ?? "HTTP \(response.status)"
            throw TrackerError.from(response, tracker: name, detail: String(detail.prefix(300)))
        }
        return object
    }
}

/// `YYYY-MM-DD` in UTC, the form all three trackers take for due dates.
func dayString(_ date: Date) -> String { UTCFormat.day(date) }

extension IssueTracker {
    /// JSON for a request body built from strings, arrays and dictionaries (which always serialise).
    static func encode(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
