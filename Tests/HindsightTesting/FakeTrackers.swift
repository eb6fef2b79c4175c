import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// An issue one of the fake trackers accepted.
public struct FakeFiledIssue: Sendable, Hashable {
    public var tracker: String
    public var title: String
    public var body: String
    public var labels: [String]
    public var assignee: String?
    public var due: String?
}

/// In-process GitHub, GitLab and Jira issue APIs on one port, with their real paths, auth headers and answer
/// shapes (201 with `html_url`; 201 with `web_url`; 201 with `key`), and their error bodies.
public final class FakeTrackers: Sendable {
    public let githubToken = "ghp_faketoken0123456789abcdefghijklmnopq"
    public let gitlabToken = "glpat-faketoken0123456789"
    public let jiraEmail = "bot@example.com"
    public let jiraToken = "jira-fake-token-0123456789"
    public let githubRepo = "acme/payments"
    public let gitlabProject = "acme/payments"
    public let jiraProject = "OPS"
    /// GitHub users that exist; assigning anyone else is a 422 as on GitHub.
    public let githubUsers: Set<String> = ["alice-gh", "bob-gh"]

    private struct State {
        var issues: [FakeFiledIssue] = []
        var failNext: [String: [Int]] = [:]
        /// Closed issues by tracker and number (GitHub number, GitLab iid, Jira key number).
        var closed: Set<String> = []
    }
    private let state = Mutex(State())

    public init() {}

    public var filed: [FakeFiledIssue] { state.withLock { $0.issues } }

    /// Someone closes issue `number` in `tracker` (`github`, `gitlab`, `jira`).
    public func close(_ tracker: String, number: Int) {
        _ = state.withLock { $0.closed.insert("\(tracker)#\(number)") }
    }

    private func isClosed(_ tracker: String, _ number: Int) -> Bool { state.withLock { $0.closed.contains("\(tracker)#\(number)") } }
    private func exists(_ tracker: String, _ number: Int) -> Bool { state.withLock { s in s.issues.filter { $0.tracker == tracker }.count >= number && number >= 1 } }

    /// The next `statuses.count` creates on `tracker` answer these statuses (e.g. [502], [429]).
    public func fail(_ tracker: String, with statuses: [Int]) {
        state.withLock { $0.failNext[tracker, default: []].append(contentsOf: statuses) }
    }

    private func injected(_ tracker: String) -> Int? {
        state.withLock { s in
            guard var queue = s.failNext[tracker], !queue.isEmpty else { return nil }
            let status = queue.removeFirst()
            s.failNext[tracker] = queue
            return status
        }
    }

    private func record(_ issue: FakeFiledIssue) -> Int {
        state.withLock { s in
            s.issues.append(issue)
            return s.issues.filter { $0.tracker == issue.tracker }.count
        }
    }

    /// Runs the fake while `body` runs; its base URL serves all three APIs.
    public func run<Value: Sendable>(_ body: @Sendable (String) async throws -> Value) async throws -> Value {
        try await withTestHTTPServer(router()) { server in try await body(server.baseURL) }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("repos/:owner/:repo/issues") { request, context in
            let body = try await Self.json(request)
            guard request.headers[.authorization] == "Bearer \(self.githubToken)" else {
                return Self.reply(401, ["message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"])
            }
            guard "\(context.parameters.get("owner") ?? "")/\(context.parameters.get("repo") ?? "")" == self.githubRepo else {
                return Self.reply(404, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue"])
            }
            if let status = self.injected("github") { return Self.reply(status, ["message": "injected \(status)"], retryAfter: status == 429 ? "7" : nil) }
            let assignees = body["assignees"] as? [String] ?? []
            if let unknown = assignees.first(where: { !self.githubUsers.contains($0) }) {
                return Self.reply(422, ["message": "Validation Failed", "errors": [["value": unknown, "resource": "Issue", "field": "assignees", "code": "invalid"]]])
            }
            guard let title = body["title"] as? String, !title.isEmpty else {
                return Self.reply(422, ["message": "Validation Failed", "errors": [["resource": "Issue", "code": "missing_field", "field": "title"]]])
            }
            let number = self.record(FakeFiledIssue(tracker: "github", title: title, body: body["body"] as? String ?? "",
                                                    labels: body["labels"] as? [String] ?? [], assignee: assignees.first, due: nil))
            return Self.reply(201, ["id": 1000 + number, "number": number, "title": title, "state": "open",
                                    "html_url": "https://github.example/\(self.githubRepo)/issues/\(number)",
                                    "url": "https://api.github.example/repos/\(self.githubRepo)/issues/\(number)"])
        }
        router.post("api/v4/projects/:project/issues") { request, context in
            let body = try await Self.json(request)
            guard request.headers[HTTPField.Name("PRIVATE-TOKEN")!] == self.gitlabToken else { return Self.reply(401, ["message": "401 Unauthorized"]) }
            guard context.parameters.get("project")?.removingPercentEncoding == self.gitlabProject else {
                return Self.reply(404, ["message": "404 Project Not Found"])
            }
            if let status = self.injected("gitlab") { return Self.reply(status, ["message": "injected \(status)"]) }
            let title = body["title"] as? String ?? ""
            let iid = self.record(FakeFiledIssue(tracker: "gitlab", title: title, body: body["description"] as? String ?? "",
                                                 labels: (body["labels"] as? String ?? "").split(separator: ",").map(String.init), assignee: nil,
                                                 due: body["due_date"] as? String))
            return Self.reply(201, ["id": 5000 + iid, "iid": iid, "project_id": 42, "title": title, "state": "opened",
                                    "web_url": "https://gitlab.example/\(self.gitlabProject)/-/issues/\(iid)"])
        }
        router.post("rest/api/3/issue") { request, _ in
            let body = try await Self.json(request)
            let expected = "Basic " + Data("\(self.jiraEmail):\(self.jiraToken)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else {
                return Self.reply(401, ["errorMessages": ["Client must be authenticated to access this resource."], "errors": [String: String]()])
            }
            let fields = body["fields"] as? [String: Any] ?? [:]
            guard (fields["project"] as? [String: Any])?["key"] as? String == self.jiraProject else {
                return Self.reply(400, ["errorMessages": [String](), "errors": ["project": "valid project is required"]])
            }
            if let status = self.injected("jira") { return Self.reply(status, ["errorMessages": ["injected \(status)"]]) }
            let description = ((fields["description"] as? [String: Any])?["content"] as? [[String: Any]] ?? []).compactMap { paragraph in
                ((paragraph["content"] as? [[String: Any]])?.first?["text"] as? String)
            }.joined(separator: "\n")
            let n = self.record(FakeFiledIssue(tracker: "jira", title: fields["summary"] as? String ?? "", body: description,
                                               labels: fields["labels"] as? [String] ?? [], assignee: nil, due: fields["duedate"] as? String))
            return Self.reply(201, ["id": "\(10_000 + n)", "key": "\(self.jiraProject)-\(n)", "self": "https://jira.example/rest/api/3/issue/\(10_000 + n)"])
        }
        router.get("repos/:owner/:repo") { request, context in
            guard request.headers[.authorization] == "Bearer \(self.githubToken)" else { return Self.reply(401, ["message": "Bad credentials"]) }
            let name = "\(context.parameters.get("owner") ?? "")/\(context.parameters.get("repo") ?? "")"
            guard name == self.githubRepo else { return Self.reply(404, ["message": "Not Found"]) }
            return Self.reply(200, ["full_name": name, "has_issues": true])
        }
        router.get("api/v4/projects/:project") { request, context in
            guard request.headers[HTTPField.Name("PRIVATE-TOKEN")!] == self.gitlabToken else { return Self.reply(401, ["message": "401 Unauthorized"]) }
            guard context.parameters.get("project")?.removingPercentEncoding == self.gitlabProject else { return Self.reply(404, ["message": "404 Project Not Found"]) }
            return Self.reply(200, ["id": 42, "path_with_namespace": self.gitlabProject])
        }
        router.get("rest/api/3/project/:key") { request, context in
            let expected = "Basic " + Data("\(self.jiraEmail):\(self.jiraToken)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else { return Self.reply(401, ["errorMessages": ["Client must be authenticated to access this resource."]]) }
            guard context.parameters.get("key") == self.jiraProject else { return Self.reply(404, ["errorMessages": ["No project could be found with key."]]) }
            return Self.reply(200, ["key": self.jiraProject, "name": "Operations"])
        }
        router.get("repos/:owner/:repo/issues/:number") { request, context in
            guard request.headers[.authorization] == "Bearer \(self.githubToken)" else { return Self.reply(401, ["message": "Bad credentials"]) }
            guard let n = context.parameters.get("number").flatMap(Int.init), self.exists("github", n) else { return Self.reply(404, ["message": "Not Found"]) }
            return Self.reply(200, ["number": n, "state": self.isClosed("github", n) ? "closed" : "open",
                                    "html_url": "https://github.example/\(self.githubRepo)/issues/\(n)"])
        }
        router.get("api/v4/projects/:project/issues/:iid") { request, context in
            guard request.headers[HTTPField.Name("PRIVATE-TOKEN")!] == self.gitlabToken else { return Self.reply(401, ["message": "401 Unauthorized"]) }
            guard let n = context.parameters.get("iid").flatMap(Int.init), self.exists("gitlab", n) else { return Self.reply(404, ["message": "404 Not found"]) }
            return Self.reply(200, ["iid": n, "state": self.isClosed("gitlab", n) ? "closed" : "opened"])
        }
        router.get("rest/api/3/issue/:key") { request, context in
            let expected = "Basic " + Data("\(self.jiraEmail):\(self.jiraToken)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else { return Self.reply(401, ["errorMessages": ["Client must be authenticated to access this resource."]]) }
            let key = context.parameters.get("key") ?? ""
            guard let n = key.split(separator: "-").last.flatMap({ Int($0) }), self.exists("jira", n) else {
                return Self.reply(404, ["errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": [String: String]()])
            }
            let category = self.isClosed("jira", n) ? ["key": "done", "name": "Done"] : ["key": "indeterminate", "name": "In Progress"]
            return Self.reply(200, ["key": key, "fields": ["status": ["name": category["name"]!, "statusCategory": category]]])
        }
        return router
    }

    private static func json(_ request: Request) async throws -> [String: Any] {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    private static func reply(_ status: Int, _ object: [String: Any], retryAfter: String? = nil) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
