import Foundation

/// The HTTP exchange the REST client needs: one request in, one response out. HindsightNet's `HTTPClient` conforms
/// (see `HTTPClient+Mattermost.swift` once it lands); tests can plug in any client that speaks HTTP to 127.0.0.1.
public protocol MattermostHTTPTransport: Sendable {
    /// Sends `request` and returns the response, whatever its status; throws only when no response arrived.
    func send(_ request: MattermostHTTPRequest) async throws -> MattermostHTTPResponse
}

/// A request to the Mattermost REST API.
public struct MattermostHTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A response from the Mattermost REST API; header names compare case-insensitively.
public struct MattermostHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, ignoring case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// How long a 429 asks to wait: `Retry-After`, else `X-Ratelimit-Reset` (both seconds until reset).
    var retryAfter: Duration? {
        for name in ["Retry-After", "X-Ratelimit-Reset"] {
            if let raw = header(name)?.trimmingCharacters(in: .whitespaces), let seconds = Double(raw), seconds >= 0 {
                return .milliseconds(Int64(seconds * 1000))
            }
        }
        return nil
    }
}
