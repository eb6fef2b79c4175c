import Foundation

/// A parsed `ws://` or `wss://` URL, split the way libwebsockets wants it.
struct WebSocketEndpoint: Sendable, Equatable {
    var isSecure: Bool
    /// Host to connect to, without IPv6 brackets.
    var host: String
    var port: Int
    /// Path and query as sent on the request line, percent-encoding preserved.
    var pathAndQuery: String
    /// Value of the Host header (brackets and non-default port included).
    var hostHeader: String

    /// The endpoint without its query string, safe for logs and error messages.
    var redacted: String {
        let path = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        return "\(isSecure ? "wss" : "ws")://\(hostHeader)\(path)"
    }

    init(parsing url: String) throws(WebSocketError) {
        guard let components = URLComponents(string: url) else {
            throw .invalidURL(reason: "it does not parse as a URL")
        }
        switch components.scheme?.lowercased() {
        case "ws": isSecure = false
        case "wss": isSecure = true
        default: throw .invalidURL(reason: "the scheme must be ws or wss")
        }
        guard var host = components.percentEncodedHost, !host.isEmpty else {
            throw .invalidURL(reason: "it has no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        self.host = host
        let defaultPort = isSecure ? 443 : 80
        port = components.port ?? defaultPort
        guard (1...65_535).contains(port) else {
            throw .invalidURL(reason: "the port must be between 1 and 65535")
        }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? bracketed : "\(bracketed):\(port)"
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        if let query = components.percentEncodedQuery { path += "?\(query)" }
        pathAndQuery = path
    }
}
