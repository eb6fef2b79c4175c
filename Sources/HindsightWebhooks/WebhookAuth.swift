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

    public init(bearer: String? = nil, hmacSecret: String? = nil, signatureHeader: String, signaturePrefix: String) {
        self.bearer = bearer
        self.hmacSecret = hmacSecret
        self.signatureHeader = signatureHeader
        self.signaturePrefix = signaturePrefix
    }

    /// Whether anything is configured; an endpoint without a secret is not served at all.
    public var isConfigured: Bool { bearer != nil || hmacSecret != nil }

    /// True when the authorization header carries the bearer token, or any signature in the signature header
    /// (comma-separated, as PagerDuty sends during secret rotation) is the body's HMAC.
    public func verify(authorization: String?, signatures: String?, body: Data) -> Bool {
        if let bearer, let authorization, authorization.hasPrefix("Bearer "),
           SharedSecret(bearer).matches(String(authorization.dropFirst("Bearer ".count))) {
            return true
        }
        guard let hmacSecret, let signatures else { return false }
        let key = SymmetricKey(data: Data(hmacSecret.utf8))
        let expected = Array(HMAC<SHA256>.authenticationCode(for: body, using: key)).map { String(format: "%02x", $0) }.joined()
        for candidate in signatures.split(separator: ",") {
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(signaturePrefix) else { continue }
            if SharedSecret.equal(Array(trimmed.dropFirst(signaturePrefix.count).lowercased().utf8), Array(expected.utf8)) { return true }
        }
        return false
    }

    /// The signature header value for `body` (for senders and tests).
    public static func sign(_ body: Data, secret: String, prefix: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return prefix + Array(code).map { String(format: "%02x", $0) }.joined()
    }
}
