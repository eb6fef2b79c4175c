import Crypto
import Foundation

/// What a button or dialog the bot issued may do when the chat server calls it back: the claims are signed into a
/// token the bot puts in the callback's hidden state (Mattermost's action `context`, a dialog's `state`), which the
/// server returns verbatim. A request the bot did not issue cannot carry a valid token.
public struct CallbackClaims: Codable, Sendable, Equatable {
    /// Which kind of callback the token is for.
    public enum Kind: String, Codable, Sendable {
        case button, dialog
    }

    public var kind: Kind
    /// The command a button runs, or the form a dialog submits.
    public var purpose: String
    /// The channel the button or dialog was issued in.
    public var channelID: String
    /// The person it was offered to, when it is personal (a dialog, an ephemeral post); nil lets anyone in the
    /// channel use it (buttons on a channel post).
    public var userID: String?
    /// When the token stops being accepted (seconds since 1970, UTC).
    public var expires: Int64
    /// Random, so each token is unique and a single-use token can be marked used.
    public var nonce: String

    enum CodingKeys: String, CodingKey {
        case kind = "k", purpose = "p", channelID = "c", userID = "u", expires = "e", nonce = "n"
    }

    public var expiresAt: Date { Date(timeIntervalSince1970: TimeInterval(expires)) }
}

/// Why a callback was refused; each is a 401 and changes nothing. The description goes to the log (never the token).
public enum CallbackRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case malformed
    case badSignature
    case expired
    case wrongKind
    case wrongPurpose
    case wrongChannel
    case wrongUser
    case alreadyUsed

    /// A short label for metrics and logs.
    public var reason: String {
        switch self {
        case .missing: "missing"
        case .malformed: "malformed"
        case .badSignature: "bad_signature"
        case .expired: "expired"
        case .wrongKind: "wrong_kind"
        case .wrongPurpose: "wrong_purpose"
        case .wrongChannel: "wrong_channel"
        case .wrongUser: "wrong_user"
        case .alreadyUsed: "already_used"
        }
    }

    public var description: String {
        switch self {
        case .missing: "the callback carries no token"
        case .malformed: "the callback's token is not one the bot issues"
        case .badSignature: "the callback's token is not signed by this installation"
        case .expired: "the callback's token has expired"
        case .wrongKind: "the token was issued for another kind of callback"
        case .wrongPurpose: "the token was issued for another command or form"
        case .wrongChannel: "the token was issued for another channel"
        case .wrongUser: "the token was issued to another person"
        case .alreadyUsed: "the token was already used"
        }
    }
}

/// Issues and checks callback tokens: `v1.<claims, base64url JSON>.<HMAC-SHA256 of "v1." + claims + "." + bound data,
/// base64url>`, keyed by the installation's callback secret (`HINDSIGHT_CALLBACK_SECRET`, or one generated on first
/// start and kept in the database, so restarts and replicas agree). `bound` is data the token must travel with
/// unchanged (a dialog's own state), so that cannot be swapped either.
public struct CallbackSigner: Sendable {
    /// How long tokens stay valid.
    public struct Lifetimes: Sendable, Equatable {
        /// Buttons on posts: incidents run for days, and a suggestion may be confirmed long after it was made.
        public var button: Duration
        /// Dialogs are filled in right after they open.
        public var dialog: Duration

        public init(button: Duration = .seconds(30 * 24 * 3600), dialog: Duration = .seconds(24 * 3600)) {
            self.button = button
            self.dialog = dialog
        }
    }

    private let key: SymmetricKey
    private let lifetimes: Lifetimes
    private let now: @Sendable () -> Date

    /// - Parameter secret: at least 16 bytes of key material.
    public init(secret: some DataProtocol, lifetimes: Lifetimes = Lifetimes(), now: @escaping @Sendable () -> Date = Date.init) {
        key = SymmetricKey(data: Data(secret))
        self.lifetimes = lifetimes
        self.now = now
    }

    /// A new random secret for an installation that has none configured (32 bytes, hex).
    public static func generateSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { hexString($0) }
    }

    /// A token for a callback of `kind` with `purpose` in `channelID`, personal to `userID` when given.
    public func issue(_ kind: CallbackClaims.Kind, purpose: String, channelID: String, userID: String? = nil, bound: String = "") -> String {
        let lifetime = kind == .button ? lifetimes.button : lifetimes.dialog
        let expires = Int64(now().timeIntervalSince1970) + lifetime.components.seconds
        let nonce = SymmetricKey(size: .bits128).withUnsafeBytes { hexString($0) }
        let claims = CallbackClaims(kind: kind, purpose: purpose, channelID: channelID, userID: userID, expires: expires, nonce: nonce)
        // Encoding a struct of strings and integers cannot fail.
        let body = Self.base64URL((try? Self.encoder.encode(claims)) ?? Data())
        return "v1.\(body).\(Self.base64URL(mac(body, bound: bound)))"
    }

    /// The token's claims when it is genuine, unexpired and was issued for exactly this callback; the refusal otherwise.
    /// - Parameters:
    ///   - userID: who the request says is calling; checked when the token is personal.
    ///   - bound: the data the token was issued with (see `issue`).
    public func verify(
        _ token: String?, kind: CallbackClaims.Kind, purpose: String, channelID: String, userID: String, bound: String = ""
    ) -> Result<CallbackClaims, CallbackRefusal> {
        guard let token, !token.isEmpty else { return .failure(.missing) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let signature = Self.decodeBase64URL(parts[2]) else { return .failure(.malformed) }
        let body = String(parts[1])
        // The signature first: nothing in an unsigned token is believed, not even enough to say what it was for.
        guard SharedSecret.equal(Array(signature), Array(mac(body, bound: bound))) else { return .failure(.badSignature) }
        guard let json = Self.decodeBase64URL(Substring(body)), let claims = try? JSONDecoder().decode(CallbackClaims.self, from: json) else {
            return .failure(.malformed)
        }
        if claims.kind != kind { return .failure(.wrongKind) }
        if claims.purpose != purpose { return .failure(.wrongPurpose) }
        if claims.channelID != channelID { return .failure(.wrongChannel) }
        if let owner = claims.userID, owner != userID { return .failure(.wrongUser) }
        if claims.expiresAt <= now() { return .failure(.expired) }
        return .success(claims)
    }

    private func mac(_ body: String, bound: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("v1.\(body).\(bound)".utf8), using: key))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
