import Foundation
import HindsightWeb
import Testing

@Suite("Who may read the web archive")
struct WebAccessTests {
    let token = "0123456789abcdef-token"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func access(proxies: String = "", token: String? = "0123456789abcdef-token") throws -> WebAccess {
        try WebAccess(configuration: .init(token: token, trustedProxies: try AddressRange.list(proxies)))
    }

    @Test("settings that would serve the archive to anyone, or with a guessable token, are refused with what to set")
    func refusesUnprotected() throws {
        #expect(throws: WebAccessError.noAuthentication) { try WebAccess(configuration: .init(token: nil)) }
        #expect(throws: WebAccessError.shortToken) { try WebAccess(configuration: .init(token: "short")) }
        #expect(throws: WebAccessError.badProxy("10.0.0.300")) { try AddressRange.list("10.0.0.1, 10.0.0.300") }
        #expect(WebAccessError.noAuthentication.description.contains("HINDSIGHT_WEB_TOKEN"))
    }

    @Test("the bearer token reads; a wrong or empty one does not")
    func bearer() throws {
        let access = try access()
        #expect(access.verdict(headers: ["authorization": "Bearer \(token)"], peer: "127.0.0.1", now: now) == .reader("token"))
        #expect(access.verdict(headers: ["authorization": "bearer \(token)"], peer: "127.0.0.1", now: now) == .reader("token"))
        #expect(access.verdict(headers: ["authorization": "Bearer \(token)x"], peer: "127.0.0.1", now: now) == .stranger)
        #expect(access.verdict(headers: ["authorization": "Bearer "], peer: "127.0.0.1", now: now) == .stranger)
        #expect(access.verdict(headers: [:], peer: "127.0.0.1", now: now) == .stranger)
    }

    @Test("a session cookie reads until it expires; a forged, altered or other token's cookie never does")
    func sessions() throws {
        let access = try access()
        let session = access.newSession(now: now)
        #expect(access.verdict(headers: ["cookie": "a=b; hindsight_session=\(session)"], peer: nil, now: now) == .reader("token"))
        #expect(access.verdict(headers: ["cookie": "hindsight_session=\(session)"], peer: nil, now: now.addingTimeInterval(13 * 3600)) == .stranger)
        // A later expiry with the old signature, and a signature from another token, are both refused.
        let parts = session.split(separator: ".")
        #expect(access.verdict(headers: ["cookie": "hindsight_session=\(Int(parts[0])! + 86_400).\(parts[1])"], peer: nil, now: now) == .stranger)
        let other = try WebAccess(configuration: .init(token: "another-token-0123456789"))
        #expect(other.verdict(headers: ["cookie": "hindsight_session=\(session)"], peer: nil, now: now) == .stranger)
        #expect(access.loginCookie(now: now, secure: false).contains("HttpOnly; SameSite=Strict"))
        #expect(access.loginCookie(now: now, secure: true).hasSuffix("; Secure"))
        #expect(access.acceptsLogin(token) && !access.acceptsLogin(token + " ") && !access.acceptsLogin(""))
    }

    @Test("the proxy's user header is believed only from a trusted address, IPv4, IPv6 or IPv4 mapped into IPv6")
    func proxyHeader() throws {
        let access = try access(proxies: "10.1.0.0/16, ::1, 192.168.5.7")
        let headers = ["x-forwarded-user": "alice@example.com"]
        #expect(access.verdict(headers: headers, peer: "10.1.200.3", now: now) == .reader("alice@example.com"))
        #expect(access.verdict(headers: headers, peer: "::ffff:10.1.0.9", now: now) == .reader("alice@example.com"))
        #expect(access.verdict(headers: headers, peer: "::1", now: now) == .reader("alice@example.com"))
        #expect(access.verdict(headers: headers, peer: "192.168.5.7", now: now) == .reader("alice@example.com"))
        #expect(access.verdict(headers: headers, peer: "10.2.0.1", now: now) == .stranger)
        #expect(access.verdict(headers: headers, peer: "192.168.5.8", now: now) == .stranger)
        #expect(access.verdict(headers: headers, peer: "127.0.0.1", now: now) == .stranger)
        #expect(access.verdict(headers: headers, peer: nil, now: now) == .stranger)
        #expect(access.verdict(headers: ["x-forwarded-user": "  "], peer: "10.1.0.1", now: now) == .stranger)
        let proxyOnly = try self.access(proxies: "127.0.0.1", token: nil)
        #expect(proxyOnly.verdict(headers: ["authorization": "Bearer "], peer: "127.0.0.2", now: now) == .stranger)
        #expect(!proxyOnly.acceptsLogin(""))
    }

    @Test("after logging in, only a path on this site is a place to go")
    func redirects() {
        #expect(WebAccess.safeRedirect("/incidents?q=dns") == "/incidents?q=dns")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/a\r\nSet-Cookie: x", nil] {
            #expect(WebAccess.safeRedirect(hostile) == "/incidents")
        }
    }
}
