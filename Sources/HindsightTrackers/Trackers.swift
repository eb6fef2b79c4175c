import Foundation
import HindsightNet

/// GitHub Issues (`POST /repos/{owner}/{repo}/issues`), also GitHub Enterprise through `apiURL`.
public struct GitHubTracker: IssueTracker {
    public let name = "github"
    let apiURL: String
    let token: String
    let repository: String
    let http: HTTPClient

    /// What every GitHub REST call sends.
    private var headers: HTTPClient.Headers {
        ["Authorization": "Bearer \(token)", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"]
    }

    public init(apiURL: String = "https://api.github.com", token: String, repository: String, http: HTTPClient) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.token = token
        self.repository = repository
        self.http = http
    }

    public func file(_ issue: TrackerIssue) async throws(TrackerError) -> String {
        var body: [String: Any] = ["title": issue.title, "body": issue.body, "labels": issue.labels]
        if let assignee = issue.assignee { body["assignees"] = [assignee] }
        let request = HTTPClient.Request(
            .post, url: "\(apiURL)/repos/\(repository)/issues",
            headers: headers,
            body: .json(Self.encode(body))
        )
        let answer = try await send(http, request)
        guard let url = answer["html_url"] as? String else {
            throw TrackerError(tracker: name, kind: .serverError, status: 201, detail: "no html_url in the answer")
        }
        return url
    }

    public func check() async throws(TrackerError) -> String {
        let answer = try await send(http, HTTPClient.Request(
            .get, url: "\(apiURL)/repos/\(repository)",
            headers: headers
        ))
        return "repository \(answer["full_name"] as? String ?? repository)"
    }

    public func isClosed(_ url: String) async throws(TrackerError) -> Bool {
        let number = try lastComponent(url)
        let answer = try await send(http, HTTPClient.Request(
            .get, url: "\(apiURL)/repos/\(repository)/issues/\(number)",
            headers: headers
        ))
        return answer["state"] as? String == "closed"
    }
}

/// GitLab issues (`POST /api/v4/projects/:id/issues`), the project given as `group/name` or its numeric id.
public struct GitLabTracker: IssueTracker {
    public let name = "gitlab"
    let baseURL: String
    let token: String
    let project: String
    let http: HTTPClient

    /// The project as a path segment: `group/name` percent-encoded, as GitLab's API wants it.
    private var encodedProject: String { project.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? project }

    public init(baseURL: String, token: String, project: String, http: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.project = project
        self.http = http
    }

    public func file(_ issue: TrackerIssue) async throws(TrackerError) -> String {
        var body: [String: Any] = ["title": issue.title, "description": issue.body, "labels": issue.labels.joined(separator: ",")]
        if let due = issue.due { body["due_date"] = dayString(due) }
        // GitLab assigns by numeric user id: map owners to ids in HINDSIGHT_ASSIGNEES to have them assigned.
        if let assignee = issue.assignee, let id = Int(assignee) { body["assignee_ids"] = [id] }
        let request = HTTPClient.Request(
            .post, url: "\(baseURL)/api/v4/projects/\(encodedProject)/issues", headers: ["PRIVATE-TOKEN": token],
            body: .json(Self.encode(body))
        )
        let answer = try await send(http, request)
        guard let url = answer["web_url"] as? String else {
            throw TrackerError(tracker: name, kind: .serverError, status: 201, detail: "no web_url in the answer")
        }
        return url
    }

    public func check() async throws(TrackerError) -> String {
        let answer = try await send(http, HTTPClient.Request(.get, url: "\(baseURL)/api/v4/projects/\(encodedProject)", headers: ["PRIVATE-TOKEN": token]))
        return "project \(answer["path_with_namespace"] as? String ?? project)"
    }

    public func isClosed(_ url: String) async throws(TrackerError) -> Bool {
        let iid = try lastComponent(url)
        let answer = try await send(http, HTTPClient.Request(.get, url: "\(baseURL)/api/v4/projects/\(encodedProject)/issues/\(iid)", headers: ["PRIVATE-TOKEN": token]))
        return answer["state"] as? String == "closed"
    }
}

/// Jira Cloud issues (`POST /rest/api/3/issue`, basic auth with an API token), as Tasks.
public struct JiraTracker: IssueTracker {
    public let name = "jira"
    let baseURL: String
    let email: String
    let token: String
    let project: String
    let http: HTTPClient

    /// Basic auth with the API token, as Jira Cloud wants it.
    private var headers: HTTPClient.Headers {
        ["Authorization": "Basic " + Data("\(email):\(token)".utf8).base64EncodedString(), "Accept": "application/json"]
    }

    public init(baseURL: String, email: String, token: String, project: String, http: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.email = email
        self.token = token
        self.project = project
        self.http = http
    }

    public func file(_ issue: TrackerIssue) async throws(TrackerError) -> String {
        // Jira's v3 API takes descriptions as Atlassian Document Format: one paragraph per line of the body.
        let paragraphs: [[String: Any]] = issue.body.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            ["type": "paragraph", "content": [["type": "text", "text": String(line)]]]
        }
        var fields: [String: Any] = [
            "project": ["key": project], "summary": String(issue.title.prefix(255)), "issuetype": ["name": "Task"],
            "labels": issue.labels.map { $0.replacingOccurrences(of: " ", with: "-") },
            "description": ["type": "doc", "version": 1, "content": paragraphs],
        ]
        if let due = issue.due { fields["duedate"] = dayString(due) }
        // Jira Cloud assigns by account id, which is what HINDSIGHT_ASSIGNEES maps owners to for Jira.
        if let assignee = issue.assignee { fields["assignee"] = ["accountId": assignee] }
        let request = HTTPClient.Request(
            .post, url: "\(baseURL)/rest/api/3/issue", headers: headers,
            body: .json(Self.encode(["fields": fields]))
        )
        let answer = try await send(http, request)
        guard let key = answer["key"] as? String else {
            throw TrackerError(tracker: name, kind: .serverError, status: 201, detail: "no key in the answer")
        }
        return "\(baseURL)/browse/\(key)"
    }

    public func check() async throws(TrackerError) -> String {
        let answer = try await send(http, HTTPClient.Request(
            .get, url: "\(baseURL)/rest/api/3/project/\(project)", headers: headers
        ))
        return "project \(answer["key"] as? String ?? project)"
    }

    public func isClosed(_ url: String) async throws(TrackerError) -> Bool {
        let key = try lastComponent(url)
        let answer = try await send(http, HTTPClient.Request(
            .get, url: "\(baseURL)/rest/api/3/issue/\(key)?fields=status", headers: headers
        ))
        let status = (answer["fields"] as? [String: Any])?["status"] as? [String: Any]
        return (status?["statusCategory"] as? [String: Any])?["key"] as? String == "done"
    }
}
