internal import CCurl
import Foundation

/// Why an HTTP exchange produced no response; any status code, even 500, is a response instead.
///
/// URLs in these errors have their query string and credentials removed, and no case ever carries a
/// header value, so descriptions are safe to log or post to a channel.
public enum HTTPClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Nothing accepted the TCP connection (refused or unreachable).
    case connectionRefused(url: String)
    /// The connect or total timeout elapsed before the response completed.
    case timedOut(url: String, after: Duration)
    /// The host name did not resolve.
    case dnsFailure(host: String)
    /// The TLS handshake or certificate verification failed.
    case tls(url: String, message: String)
    /// The URL is malformed or not http/https.
    case invalidURL(String)
    /// The redirect chain exceeded `Configuration.maxRedirects`.
    case tooManyRedirects(url: String)
    /// A request header cannot be sent as given (a line break in it, or an empty name).
    case invalidHeader(name: String)
    /// The calling task was cancelled; the transfer was stopped.
    case cancelled
    /// The client was shut down before the request completed.
    case shutDown
    /// Any other libcurl failure, with its CURLcode and message.
    case transport(code: Int, message: String, url: String)

    /// What went wrong and what to do about it, without any header value.
    public var description: String {
        switch self {
        case .connectionRefused(let url):
            "Could not connect to \(url): the connection was refused or the host is unreachable. "
                + "Check that the service is running and that the URL's host and port are right."
        case .timedOut(let url, let after):
            "Request to \(url) timed out after \(Self.format(after)). "
                + "The server is slow or unreachable; retry later or raise the timeout."
        case .dnsFailure(let host):
            "Could not resolve host '\(host)'. Check the host name in the URL and this machine's DNS and network."
        case .tls(let url, let message):
            "TLS failed for \(url): \(message). "
                + "Check the server's certificate chain and the system CA bundle; turn off verification only in tests."
        case .invalidURL(let url):
            "'\(url)' is not a valid http or https URL. Check the configured base URL and path."
        case .tooManyRedirects(let url):
            "Too many redirects starting at \(url). Check the URL for a redirect loop, or raise maxRedirects."
        case .invalidHeader(let name):
            "Request header '\(name)' cannot be sent: its name is empty or it contains a line break. "
                + "Fix the value where the header is built (the value is not shown here)."
        case .cancelled:
            "The HTTP request was cancelled because the task waiting for it was cancelled."
        case .shutDown:
            "The HTTP client was shut down before the request completed. Keep the client alive until its requests finish."
        case .transport(let code, let message, let url):
            "HTTP transfer to \(url) failed (libcurl error \(code)): \(message). Retry, or check the network path to the server."
        }
    }

    private static func format(_ duration: Duration) -> String {
        let millis = duration.curlMilliseconds
        return millis < 1000 ? "\(millis) ms" : "\(Double(millis) / 1000) s"
    }
}

extension HTTPClientError {
    /// Maps a failed transfer's CURLcode to the case a caller can act on.
    static func from(
        code: CURLcode,
        message: String,
        url: String,
        timeout: Duration
    ) -> HTTPClientError {
        let safeURL = URLRedaction.redact(url)
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .connectionRefused(url: safeURL)
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(url: safeURL, after: timeout)
        case CURLE_COULDNT_RESOLVE_HOST:
            return .dnsFailure(host: URLComponents(string: url)?.host ?? safeURL)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL(safeURL)
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects(url: safeURL)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_USE_SSL_FAILED:
            return .tls(url: safeURL, message: message)
        default:
            return .transport(code: Int(code.rawValue), message: message, url: safeURL)
        }
    }
}

/// Removes what must not reach logs or chat: credentials in the authority, the query string and the fragment.
enum URLRedaction {
    static func redact(_ url: String) -> String {
        var result = Substring(url)
        if let end = result.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            result = result[..<end]
        }
        guard let schemeEnd = result.range(of: "://") else { return String(result) }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = result[authorityStart...].firstIndex(of: "/") ?? result.endIndex
        if let at = result[authorityStart..<authorityEnd].lastIndex(of: "@") {
            return String(result[..<authorityStart]) + String(result[result.index(after: at)...])
        }
        return String(result)
    }
}
