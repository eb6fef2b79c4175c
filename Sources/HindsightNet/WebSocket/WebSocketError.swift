/// Why a WebSocket could not be opened or used.
///
/// Descriptions name the endpoint as scheme, host, port and path only: query strings
/// (Slack tickets) and header values (bearer tokens) never appear in them.
public enum WebSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not a usable `ws://` or `wss://` URL.
    case invalidURL(reason: String)
    /// A handshake header has an empty name or contains a line break.
    case invalidHeader(name: String)
    /// The host name did not resolve to an address.
    case hostNotFound(host: String)
    /// No TCP connection could be opened: the port is closed or the host unreachable.
    case connectionRefused(endpoint: String)
    /// The server answered the upgrade request with an HTTP status instead of 101.
    case handshakeRejected(endpoint: String, status: Int?)
    /// The TLS handshake failed (certificate, hostname or protocol mismatch).
    case tlsFailed(endpoint: String, detail: String)
    /// The connection failed for another reason reported by libwebsockets.
    case connectionFailed(endpoint: String, detail: String)
    /// The handshake did not complete within the configured connect timeout.
    case connectTimedOut(endpoint: String)
    /// The task waiting for the handshake was cancelled.
    case cancelled(endpoint: String)
    /// The connection is closing or closed; open a new one.
    case notConnected
    /// `WebSocketClient.shutdown()` was called; no more connections can be made with it.
    case clientShutDown
    /// libwebsockets could not create its context (see the error log for the cause).
    case contextCreationFailed

    /// What went wrong and what to do about it, without secrets.
    public var description: String {
        switch self {
        case .invalidURL(let reason):
            return "Invalid WebSocket URL: \(reason). Use ws://host[:port]/path or wss://host[:port]/path."
        case .invalidHeader(let name):
            return "Invalid handshake header '\(name)': names must be non-empty and neither name nor value may contain line breaks."
        case .hostNotFound(let host):
            return "Host '\(host)' was not found: check the spelling of the server URL and the DNS configuration."
        case .connectionRefused(let endpoint):
            return "Could not open a TCP connection to \(endpoint) (refused or unreachable): check the host and port, and that the server is running."
        case .handshakeRejected(let endpoint, let status?):
            return "\(endpoint) rejected the WebSocket upgrade with HTTP \(status)"
                + (status == 401 || status == 403 ? ": check the token or credentials." : ": check the URL and the server's requirements.")
        case .handshakeRejected(let endpoint, nil):
            return "\(endpoint) rejected the WebSocket upgrade: check the URL, credentials and the server's requirements."
        case .tlsFailed(let endpoint, let detail):
            return "TLS handshake with \(endpoint) failed (\(detail)): check the certificate, the host name and that the server speaks TLS."
        case .connectionFailed(let endpoint, let detail):
            return "WebSocket connection to \(endpoint) failed: \(detail)."
        case .connectTimedOut(let endpoint):
            return "WebSocket handshake with \(endpoint) timed out: the server did not answer; check the network and try again."
        case .cancelled(let endpoint):
            return "Connecting to \(endpoint) was cancelled."
        case .notConnected:
            return "The WebSocket connection is closed: open a new connection before sending."
        case .clientShutDown:
            return "The WebSocket client was shut down: create a new client to connect."
        case .contextCreationFailed:
            return "libwebsockets could not create its context: see the error log for the cause."
        }
    }
}
