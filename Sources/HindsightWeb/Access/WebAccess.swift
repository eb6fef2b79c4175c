import Crypto
import Foundation
import HindsightServer

/// Who may read the archive, decided before any page is built: a token (typed once into the login form, which sets a
/// signed session cookie, or sent by scripts as `Authorization: Bearer`), or an authenticating proxy's user header,
/// believed only when the TCP peer is one of the trusted proxies. Pure: the routes hand it headers and the peer.
public struct WebAccess: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// `HINDSIGHT_WEB_TOKEN`: the login form's token and the bearer token; nil when only a proxy authenticates.
        public var token: String?
        /// `HINDSIGHT_WEB_TRUSTED_PROXIES`: the addresses whose user header is believed.
        public var trustedProxies: [AddressRange]
        /// `HINDSIGHT_WEB_USER_HEADER`: the header an auth proxy names the user in (oauth2-proxy: `X-Forwarded-User`).
        public var userHeader: String
        /// How long a login lasts.
        public var sessionLifetime: TimeInterval

        public init(token: String?, trustedProxies: [AddressRange] = [], userHeader: String = "X-Forwarded-User", sessionLifetime: TimeInterval = 12 * 3600) {
            self.token = token
            self.trustedProxies = trustedProxies
            self.userHeader = userHeader
            self.sessionLifetime = sessionLifetime
        }
    }

    /// What a request may do.
    public enum Verdict: Sendable, Equatable {
        /// Read, as this user (`token` for the token's holder).
        case reader(String)
        /// Nobody: ask for the login form (a page) or answer 401 (a script).
        case stranger
    }

    public static let cookieName = "hindsight_session"

    public let configuration: Configuration
    private let sessionKey: SymmetricKey?

    public init(configuration: Configuration) throws(WebAccessError) {
        if let token = configuration.token, token.count < 16 { throw .shortToken }
        guard configuration.token != nil || !configuration.trustedProxies.isEmpty else { throw .noAuthentication }
        self.configuration = configuration
        // Sessions are signed with a key derived from the token: changing the token ends every session.
        sessionKey = configuration.token.map { token in
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("hindsight web session".utf8), using: SymmetricKey(data: Data(token.utf8))))
        }
    }

    /// The verdict for a request with these headers (names lower-case), from this peer address.
    public func verdict(headers: [String: String], peer: String?, now: Date) -> Verdict {
        if let peer, configuration.trustedProxies.contains(where: { $0.contains(peer) }),
           let user = headers[configuration.userHeader.lowercased()]?.trimmingCharacters(in: .whitespaces), !user.isEmpty {
            return .reader(user)
        }
        if let token = configuration.token {
            if let authorization = headers["authorization"], authorization.lowercased().hasPrefix("bearer "),
               SharedSecret(token).matches(String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)) {
                return .reader("token")
            }
            if let cookie = Self.cookie(Self.cookieName, in: headers["cookie"]), isValidSession(cookie, now: now) {
                return .reader("token")
            }
        }
        return .stranger
    }

    /// Whether `candidate`, typed into the login form, is the token.
    public func acceptsLogin(_ candidate: String) -> Bool {
        configuration.token.map { SharedSecret($0).matches(candidate) } ?? false
    }

    /// A session value good until `now + sessionLifetime`: `<expiry seconds>.<HMAC-SHA256 hex>`.
    public func newSession(now: Date) -> String {
        let expiry = Int(now.timeIntervalSince1970 + configuration.sessionLifetime)
        return "\(expiry).\(signature(expiry))"
    }

    /// The `Set-Cookie` header value that logs in: HttpOnly, SameSite=Strict, Secure when served over HTTPS.
    public func loginCookie(now: Date, secure: Bool) -> String {
        "\(Self.cookieName)=\(newSession(now: now)); Path=/; Max-Age=\(Int(configuration.sessionLifetime)); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The `Set-Cookie` header value that logs out.
    public static let logoutCookie = "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"

    func isValidSession(_ value: String, now: Date) -> Bool {
        let parts = value.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let expiry = Int(parts[0]), Double(expiry) > now.timeIntervalSince1970 else { return false }
        return SharedSecret.equal(Array(parts[1].utf8), Array(signature(expiry).utf8))
    }

    private func signature(_ expiry: Int) -> String {
        guard let sessionKey else { return "" }
        return HMAC<SHA256>.authenticationCode(for: Data("session:\(expiry)".utf8), using: sessionKey).map { String(format: "%02x", $0) }.joined()
    }

    /// The value of cookie `name` in a `Cookie` header.
    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name { return pair[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// Where to go after logging in: a path on this site only (`/incidents?q=x`), never another host.
    public static func safeRedirect(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return "/incidents" }
        return next
    }
}

/// Why the archive's access settings cannot be used, and what to set instead.
public enum WebAccessError: Error, Equatable, CustomStringConvertible {
    case noAuthentication
    case shortToken
    case badProxy(String)

    public var description: String {
        switch self {
        case .noAuthentication:
            "HINDSIGHT_WEB=on needs a way to sign readers in: set HINDSIGHT_WEB_TOKEN (16+ characters) or HINDSIGHT_WEB_TRUSTED_PROXIES (the auth proxy's addresses)."
        case .shortToken: "HINDSIGHT_WEB_TOKEN is shorter than 16 characters: use a long random value, e.g. `openssl rand -hex 24`."
        case .badProxy(let value):
            "HINDSIGHT_WEB_TRUSTED_PROXIES has '\(value)', which is not an address or range: use e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8, comma-separated."
        }
    }
}

/// An IPv4 or IPv6 address range (`10.0.0.0/8`, `::1`), matched against the peer's address.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefix: Int

    /// Parses `address` or `address/prefix`; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let bytes = Self.parse(first) else { return nil }
        let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { return nil }
        self.bytes = bytes
        self.prefix = prefix
    }

    /// Parses a comma-separated list; throws naming the first entry that is not an address or range.
    public static func list(_ text: String) throws(WebAccessError) -> [AddressRange] {
        var ranges: [AddressRange] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let range = AddressRange(part) else { throw .badProxy(part) }
            ranges.append(range)
        }
        return ranges
    }

    /// Whether `address` (as a peer's address prints: `127.0.0.1`, `::1`, `::ffff:10.1.2.3`) is in the range.
    public func contains(_ address: String) -> Bool {
        guard var other = Self.parse(address) else { return false }
        // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
        if bytes.count == 4, other.count == 16, other[0..<10].allSatisfy({ $0 == 0 }), other[10] == 0xFF, other[11] == 0xFF {
            other = Array(other[12...])
        }
        guard other.count == bytes.count else { return false }
        var remaining = prefix
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(bytes.count == 4 ? bytes.map(String.init).joined(separator: ".") : "ipv6")/\(prefix)" }

    static func parse(_ text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
