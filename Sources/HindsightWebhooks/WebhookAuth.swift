import Crypto
import Foundation
import HindsightServer

/// How a webhook source proves it is who it says: a bearer token (Alertmanager's `authorization` config) or an
/// HMAC-SHA256 signature of the body (PagerDuty v3's `X-PagerDuty-Signature: v1=<hex>`, or Hindsight's
/// `X-Hindsight-Signature: sha256=<hex>` for the generic endpoint). Either is accepted where both are configured.
public struct WebhookAuth: Sendable {
    public var bearer: String?
    public var hmacSecret: String?
    /// The header carrying signatures and the prefix of each (`v1=`, `sha256=`).
    public var signatureHeader: String
    public var signaturePrefix: String
    /// A header with the send time in Unix seconds that senders may sign with the body (`<timestamp>.<body>`); when a
    /// request carries it, a signature over the body alone is not enough and a time off by more than `maxSkew` is
    /// refused, so a captured request cannot be replayed later.
    public var timestampHeader: String?
    public var maxSkew: Duration

    public init(
        bearer: String? = nil, hmacSecret: String? = nil, signatureHeader: String, signaturePrefix: String,
        timestampHeader: String? = nil, maxSkew: Duration = .seconds(300)
    ) {
        self.bearer = bearer
        self.hmacSecret = hmacSecret
        self.signatureHeader = signatureHeader
        self.signaturePrefix = signaturePrefix
        self.timestampHeader = timestampHeader
        self.maxSkew = maxSkew
    }

    /// Whether anything is configured; an endpoint without a secret is not served at all.
    public var isConfigured: Bool { bearer != nil || hmacSecret != nil }

    /// Why a request was refused (for the log and the answer; never containing the secret or the signature).
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case unauthenticated
        case staleTimestamp
        case badTimestamp

        public var description: String {
            switch self {
            case .unauthenticated: "missing or invalid signature or token; nothing was stored"
            case .staleTimestamp: "the signed timestamp is more than 5 minutes from the bot's clock (a replay, or a sender clock off); nothing was stored"
            case .badTimestamp: "the timestamp header is not Unix seconds; nothing was stored"
            }
        }
    }

    /// Accepts the request when the authorization header carries the bearer token, or any signature in the signature
    /// header (comma-separated, as PagerDuty sends during secret rotation) is the HMAC of the body — of
    /// `<timestamp>.<body>` when `timestamp` is given, which must then be within `maxSkew` of `now`.
    public func verify(authorization: String?, signatures: String?, timestamp: String? = nil, body: Data, now: Date = Date()) throws(Refusal) {
        if let bearer, let authorization, authorization.hasPrefix("Bearer "),
           SharedSecret(bearer).matches(String(authorization.dropFirst("Bearer ".count))) {
            return
        }
        guard let hmacSecret, let signatures else { throw .unauthenticated }
        var signed = body
        if timestampHeader != nil, let timestamp {
            guard let seconds = Int64(timestamp.trimmingCharacters(in: .whitespaces)) else { throw .badTimestamp }
            signed = Data("\(seconds).".utf8) + body
            guard Self.verify(signatures, of: signed, secret: hmacSecret, prefix: signaturePrefix) else { throw .unauthenticated }
            // Checked after the signature, so an unauthenticated caller learns nothing about the clock.
            guard abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= TimeInterval(maxSkew.components.seconds) else { throw .staleTimestamp }
            return
        }
        guard Self.verify(signatures, of: signed, secret: hmacSecret, prefix: signaturePrefix) else { throw .unauthenticated }
    }

    private static func verify(_ signatures: String, of signed: Data, secret: String, prefix: String) -> Bool {
        let expected = hex(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8))))
        var matched = false
        for candidate in signatures.split(separator: ",") {
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(prefix) else { continue }
            // Every candidate is compared in full, in constant time, whichever matches.
            if SharedSecret.equal(Array(trimmed.dropFirst(prefix.count).lowercased().utf8), Array(expected.utf8)) { matched = true }
        }
        return matched
    }

    /// The signature header value for `body` (for senders and tests); with `timestamp`, over `<timestamp>.<body>`.
    public static func sign(_ body: Data, secret: String, prefix: String, timestamp: Int64? = nil) -> String {
        let signed = timestamp.map { Data("\($0).".utf8) + body } ?? body
        return prefix + hex(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8))))
    }

    private static func hex(_ code: HMAC<SHA256>.MAC) -> String {
        hexString(code)
    }
}
