import Foundation

/// One kind of secret the redactor removes: what it is, how it is found, and what stays visible.
public struct RedactionPattern: Sendable {
    /// Short id shown in place of the secret: `[redacted:<id>]`.
    public var id: String
    public var description: String
    /// The regular expression (ICU syntax, case-sensitive unless `caseInsensitive`).
    public var regex: String
    /// The replacement template; `$1`… keep non-secret context such as a header name or a URL's host.
    public var template: String
    public var caseInsensitive: Bool
    /// Lower-case substrings one of which must occur for the regex to be worth running.
    public var triggers: [String]

    public init(id: String, description: String, regex: String, template: String, caseInsensitive: Bool = false, triggers: [String]) {
        self.id = id
        self.description = description
        self.regex = regex
        self.template = template
        self.caseInsensitive = caseInsensitive
        self.triggers = triggers
    }

    /// The published list, in the order applied. README-redaction in Prompts/ shows it as a table.
    public static let all: [RedactionPattern] = [
        RedactionPattern(id: "private-key", description: "PEM private key blocks (RSA, EC, OpenSSH, PKCS#8)",
                         regex: #"-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#,
                         template: "[redacted:private-key]", triggers: ["private key"]),
        RedactionPattern(id: "slack-webhook", description: "Slack incoming-webhook and workflow URLs",
                         regex: #"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"#,
                         template: "[redacted:slack-webhook]", triggers: ["hooks.slack.com"]),
        RedactionPattern(id: "slack-token", description: "Slack tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xapp-",
                         regex: #"\b(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{10,}"#, template: "[redacted:slack-token]", triggers: ["xox", "xapp-"]),
        RedactionPattern(id: "github-token", description: "GitHub tokens: ghp_, gho_, ghu_, ghs_, ghr_, github_pat_",
                         regex: #"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"#,
                         template: "[redacted:github-token]", triggers: ["gh", "github_pat_"]),
        RedactionPattern(id: "gitlab-token", description: "GitLab personal, project and group access tokens (glpat-)",
                         regex: #"\bglpat-[A-Za-z0-9_-]{20,}"#, template: "[redacted:gitlab-token]", triggers: ["glpat-"]),
        RedactionPattern(id: "aws-access-key", description: "AWS access key ids (AKIA…, ASIA…)",
                         regex: #"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"#, template: "[redacted:aws-access-key]", triggers: ["akia", "asia"]),
        RedactionPattern(id: "aws-secret-key", description: "AWS secret access keys written as assignments",
                         regex: #"\b(aws_secret_access_key|aws_secret_key|secretaccesskey)(\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}"#,
                         template: "$1$2[redacted:aws-secret-key]", caseInsensitive: true, triggers: ["secret"]),
        RedactionPattern(id: "stripe-key", description: "Stripe secret and restricted keys (sk_live_, rk_test_…)",
                         regex: #"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b"#, template: "[redacted:stripe-key]", triggers: ["k_live_", "k_test_"]),
        RedactionPattern(id: "google-api-key", description: "Google API keys (AIza…)",
                         regex: #"\bAIza[0-9A-Za-z_-]{35}\b"#, template: "[redacted:google-api-key]", triggers: ["aiza"]),
        RedactionPattern(id: "jwt", description: "JSON Web Tokens (three base64url parts starting eyJ)",
                         regex: #"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"#, template: "[redacted:jwt]", triggers: ["eyj"]),
        RedactionPattern(id: "authorization-header", description: "Authorization header values (the header name and scheme stay)",
                         regex: #"\b((?:proxy-)?authorization\s*[:=]\s*(?:bearer|basic|token|bot|digest)?\s*)[^\s"',;]{6,}"#,
                         template: "$1[redacted:authorization]", caseInsensitive: true, triggers: ["authorization"]),
        RedactionPattern(id: "url-password", description: "Passwords in URLs (user and host stay: scheme://user:[redacted]@host)",
                         regex: #"\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(@)"#, template: "$1[redacted:password]$2",
                         caseInsensitive: true, triggers: ["://"]),
        RedactionPattern(id: "secret-assignment", description: "password=, secret=, api_key=, token=… assignments with a value of 6+ characters",
                         regex: #"\b((?:password|passwd|pwd|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token)\s*[:=]\s*["']?)(?!\[redacted)[^\s"',;&]{6,}"#,
                         template: "$1[redacted:secret]", caseInsensitive: true, triggers: ["pass", "pwd", "secret", "key", "token"]),
    ]
}
