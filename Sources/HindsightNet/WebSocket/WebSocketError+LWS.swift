#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turning libwebsockets' connection-error strings into `WebSocketError`s.
extension WebSocketError {
    /// Classifies the string lws passes with `LWS_CALLBACK_CLIENT_CONNECTION_ERROR`.
    ///
    /// The strings are fixed diagnostics (see lws-callbacks.h), never header values.
    init(connectFailure message: String, httpStatus: Int, endpoint: WebSocketEndpoint) {
        let lowered = message.lowercased()
        let where_ = endpoint.redacted
        if lowered.contains("upgrade unauthorized") {
            self = .handshakeRejected(endpoint: where_, status: httpStatus > 0 ? httpStatus : 401)
        } else if lowered.hasPrefix("hs:") && (lowered.contains("not 101") || lowered.contains("did not return")) {
            self = .handshakeRejected(endpoint: where_, status: httpStatus > 0 ? httpStatus : nil)
        } else if lowered.contains("unable to connect") || lowered.contains("refused") || lowered.contains("connect failed") {
            self = .connectionRefused(endpoint: where_)
        } else if lowered.contains("getaddrinfo") || lowered.contains("dns") {
            self = .hostNotFound(host: endpoint.host)
        } else if endpoint.isSecure && (lowered.contains("ssl") || lowered.contains("tls") || lowered.contains("certificate")) {
            self = .tlsFailed(endpoint: where_, detail: message)
        } else {
            self = .connectionFailed(endpoint: where_, detail: message.isEmpty ? "no detail from libwebsockets" : message)
        }
    }
}

extension WebSocketEndpoint {
    /// Whether the host resolves, for explaining a connect lws refused without a reason.
    ///
    /// Blocks like lws's own lookup does; only called after lws already failed.
    var hostResolves: Bool {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        return status == 0
    }
}
