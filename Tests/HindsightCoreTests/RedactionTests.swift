import Foundation
import Testing
import HindsightCore

@Suite("Secret redaction before anything is stored")
struct RedactionTests {
    let redactor = Redactor()

    /// Fabricated secrets in their real formats, with the id that must replace them and context that must survive.
    static let secrets: [(text: String, id: String, kept: String)] = [
        ("bot token is xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx, rotate it", "slack-token", "rotate it"),
        ("old user token xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef", "slack-token", "old user token"),
        ("SLACK_APP_TOKEN=xapp-1-A0123BCDEF-1234567890123-0123456789abcdef0123456789abcdef", "slack-token", "SLACK_APP_TOKEN="),
        ("refresh xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MA in the vault", "slack-token", "in the vault"),
        ("posting to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX now", "slack-webhook", "posting to"),
        ("CI used ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d for the release", "github-token", "for the release"),
        ("oauth token gho_KLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFR leaked in logs", "github-token", "leaked in logs"),
        ("app token ghs_IBXuDL7DxtpYlSXpfKtHF4vUCsMehGAkWvj7", "github-token", "app token"),
        ("fine-grained 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", "github-token", "fine-grained"),
        ("GITLAB_TOKEN glpat-jAIxNKu8iS2G8NPRVdD5 was in the job output", "gitlab-token", "was in the job output"),
        ("key id AKIAIOSFODNN7EXAMPLE belongs to the deploy user", "aws-access-key", "belongs to the deploy user"),
        ("session creds ASIA9ZZZZG4ZDMEN2KHV expire at 15:00", "aws-access-key", "expire at 15:00"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret-key", "aws_secret_access_key = "),
        ("AWS_SECRET_ACCESS_KEY: yEZDz+TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7", "aws-secret-key", "AWS_SECRET_ACCESS_KEY: "),
        ("curl -H 'Authorization: Bearer eyJraWQiOiIxMjMifQabcdefghij' https://api", "authorization-header", "Authorization: Bearer "),
        ("authorization: Basic dXNlcjpwYXNzd29yZA==", "authorization-header", "authorization: Basic "),
        ("Authorization: token 0123456789abcdef0123", "authorization-header", "Authorization: token "),
        ("DATABASE_URL=postgres://app:S3cretPassw0rd@db.internal:5432/app", "url-password", "postgres://app:"),
        ("broker amqp://svc:guest1234@rabbit.prod:5672 is down", "url-password", "@rabbit.prod:5672 is down"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumN\nb2ZDjaAawE8=\n-----END RSA PRIVATE KEY-----\nthat was the old key", "private-key", "that was the old key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----", "private-key", ""),
        ("cookie was eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "jwt", "cookie was"),
        ("set password=Tr0ub4dor3x on the replica", "secret-assignment", "on the replica"),
        ("config has api_key: \"AbCdEf1234567890\"", "secret-assignment", "config has api_key: \""),
        ("client_secret='9f8e7d6c5b4a3f2e1d0c'", "secret-assignment", "client_secret='"),
        ("payments used sk_live_MdgaKjIg8xNbe3nNyjOq9wMx by mistake", "stripe-key", "by mistake"),
        ("maps key AIza8HxjSI6bWHtP3fS2qHx6kwXoIIXGvOoNZYW in the frontend bundle", "google-api-key", "in the frontend bundle"),
    ]

    /// Ordinary incident-channel lines that must come through untouched.
    static let clean: [String] = [
        "https://grafana.example.com/d/abc123/checkout?orgId=1&from=now-1h&to=now&var-token=all",
        "deployed commit 9fceb02d0ae598e95dc970b74767f19372d61af8 to prod",
        "request id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed with 502",
        "image ghcr.io/acme/api@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "the token bucket rate limiter is dropping requests",
        "the password reset flow is failing for EU users",
        "secret santa is postponed until the incident is over",
        "user=alice logged in from 10.0.0.5 at 14:02",
        "the API key rotation job ran at 03:00 and succeeded",
        "ghost pods are still in the cluster after the drain",
        "Authorization failures spiked right after the deploy",
        "set max_tokens=4096 for the summariser",
        "password: see the vault entry",
        "key: value pairs in the config were reordered",
        "asia-east1 region is degraded according to the provider",
        "AKIA is the prefix of long-lived access keys, ASIA of temporary ones",
        "payload was dGhpcyBpcyBub3QgYSBzZWNyZXQ= (base64 of a test string)",
        "the JWT library was upgraded in v2.3",
        "see https://github.com/acme/api/pull/1234 for the fix",
        "trace id 4bf92f3577b34da6a3ce929d0e0e4736 shows the slow span",
        "ssh://git@github.com/acme/infra.git is the repo",
        "http://localhost:8080/healthz returns 200 again",
        "Bearer of bad news: the rollback failed",
        "xoxo from the whole team, great work",
        "rotate secrets quarterly is an action item",
        "tokens per second dropped to 30 during the incident",
        "p99 latency 2.4s, error rate 4.1%, 1,204 failed checkouts",
    ]

    @Test("every secret format is replaced with its kind, keeping the text around it", arguments: secrets)
    func redactsSecret(_ sample: (text: String, id: String, kept: String)) {
        let result = redactor.redact(sample.text)
        #expect(result.counts[sample.id] == 1, "\(sample.text) → \(result.text)")
        #expect(result.text.contains("[redacted:"))
        if !sample.kept.isEmpty { #expect(result.text.contains(sample.kept)) }
        // Nothing of the secret's distinctive body survives.
        for fragment in ["AbCdEfGhIjKlMn", "0123456789abcdef0123", "XXXXXXXXXXXXXXXX", "PZd", "u8jzPde0", "KLzdocJ2", "IBXuDL7D", "4Qwb8Dwk",
                         "jAIxNKu8", "IOSFODNN7", "G4ZDMEN2", "wJalrXUtn", "yEZDz+Tdd", "dXNlcjpw", "S3cretPassw0rd", "guest1234",
                         "MIIEowIB", "b3BlbnNz", "SflKxwRJ", "Tr0ub4dor", "AbCdEf123456", "9f8e7d6c5b", "MdgaKjIg", "8HxjSI6b"] {
            #expect(!result.text.contains(fragment), "\(fragment) survived in \(result.text)")
        }
    }

    @Test("ordinary incident chat passes through unchanged", arguments: clean)
    func leavesProseAlone(_ text: String) {
        let result = redactor.redact(text)
        #expect(result.text == text)
        #expect(result.isClean)
    }

    @Test("several secrets in one message are all counted; the published list has ids and descriptions")
    func manyAndPublished() {
        let result = redactor.redact("xoxb-1234567890-abcdefghij and xoxp-1234567890-abcdefghij and AKIAIOSFODNN7EXAMPLE")
        #expect(result.counts == ["slack-token": 2, "aws-access-key": 1])
        #expect(Set(RedactionPattern.all.map(\.id)).count == RedactionPattern.all.count)
        #expect(RedactionPattern.all.allSatisfy { !$0.description.isEmpty && !$0.triggers.isEmpty })
    }
}
