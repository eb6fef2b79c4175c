import Foundation
import Testing
import HindsightCore
@testable import HindsightPrompts

@Suite("Secret redaction before anything is stored")
struct RedactionTests {
    let redactor = Fixtures.prompts.redactor

    /// Values next to a secret's name: removed only when they look random (gitleaks' entropy test).
    static let assignments: [(template: String, removed: Bool)] = [
        ("token=aaaaaaaaaaaaaaaa", false),
        ("key=value", false),
        ("api_key=value", false),
        ("SECRET=placeholder-value", false),
        ("AUTH_TOKEN=0000000000000000", false),
        ("password=aaaaaaa1", false),
        ("token=abab1212abab1212", false),
        ("BUILD_KEY=release-2026-12", false),
        ("password=ab12ab12", false),
        ("password=${DB_PASSWORD}", false),
        ("token=<your token here>", false),
        ("token={alnum:32}", true),
        ("SERVICE_KEY={hex:32}", true),
        ("password=hunter22x", true),
        ("password={alpha:14}", true),
        ("password: Required", false),
        ("password: \"{pass:12}\"", true),
        ("the api key is {alnum:32}", true),
        ("the api key is {uuid}", false),
    ]

    @Test("a value next to a secret name is removed only when it looks random", arguments: assignments.indices)
    func entropyDecides(_ index: Int) {
        let sample = Self.assignments[index]
        let fake = FakeSecret(sample.template, seed: UInt64(1000 + index))
        let result = redactor.redact(fake.text)
        #expect((result.text != fake.text) == sample.removed, "\(fake.text) → \(result.text)")
        #expect(result.isClean == !sample.removed)
    }

    @Test("a message naming no secret runs no pattern at all")
    func noKeywordNoRegex() {
        for text in ["status update 12: error rate 3%, rolled back checkout-api to 2.4.1", "p99 at 4s", "latency probe 17",
                     "who is incident commander?", "the task queue is draining, disk at 91%", "asia-east1 is degraded"] {
            #expect(redactor.candidates(in: text).isEmpty, "\(text) woke \(redactor.candidates(in: text))")
        }
    }

    @Test("a name or token prefix inside a word wakes no pattern; at the start of a word part it does, and the secret still goes")
    func keywordsInsideWords() {
        // `lob` (an assignment's name) in "global", `ico-` (a token regex's `\bico-`) in "calico-node".
        for text in ["decision: global waf kill. rui do it", "restarting calico-node on a couple nodes", "rollback the ruleset: global kill"] {
            #expect(redactor.candidates(in: text).isEmpty, "\(text) woke \(redactor.candidates(in: text))")
        }
        #expect(redactor.candidates(in: "export LOB_API_KEY=1").contains("lob-key"))
        #expect(redactor.candidates(in: "config.lob.key: 1").contains("lob-key"))
        #expect(redactor.candidates(in: "set ico-123 on calico-node").contains("infracost-token"))
        let lob = "lob_key=live_" + String(repeating: "3f9a1c7e", count: 4)
        #expect(redactor.redact("global fix: \(lob)").text == "global fix: lob_key=[redacted:lob-key]")
        let ico = "ico-" + String(repeating: "Ab3dE9", count: 5) + "Zq"
        #expect(redactor.redact("calico-node token (\(ico))").text == "calico-node token ([redacted:infracost-token])")
    }

    @Test("keywords match exactly for case-sensitive patterns and ignoring case for the others")
    func keywordCase() {
        #expect(!redactor.candidates(in: "ask the desk about the risk").contains("twilio-api-key"))
        #expect(redactor.candidates(in: "SKU lookups fail").contains("twilio-api-key"))
        #expect(redactor.candidates(in: "export DATADOG_API_KEY=1").contains("datadog-key"))
        #expect(redactor.candidates(in: "export datadog_api_key=1").contains("datadog-key"))
        #expect(!redactor.candidates(in: "akia in lower case").contains("aws-access-key"))
    }

    @Test("several secrets in one message are all removed and counted")
    func many() {
        let fake = FakeSecret("xoxb-{digits:10}-{alnum:12} and xoxp-{digits:10}-{alnum:12} and AKIA{UPPER:16}, DD_API_KEY={hex:32}", seed: 7)
        let result = redactor.redact(fake.text)
        #expect(result.counts == ["slack-token": 2, "aws-access-key": 1, "datadog-key": 1])
        #expect(result.text == "[redacted:slack-token] and [redacted:slack-token] and [redacted:aws-access-key], DD_API_KEY=[redacted:datadog-key]")
    }

    @Test("entropy is Shannon's, in bits per character")
    func entropy() {
        #expect(Redactor.entropy("") == 0)
        #expect(Redactor.entropy("aaaaaaaa") == 0)
        #expect(Redactor.entropy("abab") == 1)
        #expect(Redactor.entropy("0123456789abcdef") == 4)
    }

    @Test("the shipped list is Prompts/redaction.yaml, specific formats before the generic ones")
    func shippedList() {
        let ids = redactor.patternIDs
        #expect(ids.count >= 150)
        #expect(ids.first == "private-key")
        #expect(ids.suffix(3) == ["password", "secret", "secret-value"])
    }

    @Test("an unusable pattern is refused with its id and what is wrong")
    func invalidPatterns() {
        func reason(_ patterns: [RedactionPattern]) -> InvalidRedactionPattern? {
            do { _ = try Redactor(patterns: patterns); return nil } catch { return error }
        }
        let good = RedactionPattern(id: "demo", description: "d", form: .token(regex: "demo_[a-z]{8}", secretGroup: 0), keywords: ["demo_"])
        #expect(reason([good]) == nil)
        var broken = good
        broken.form = .token(regex: "demo_[a-z{8}", secretGroup: 0)
        #expect(reason([broken])?.id == "demo")
        #expect(reason([broken])?.reason.contains("not a valid ICU regular expression") == true)
        #expect(reason([good, good])?.reason.contains("earlier pattern") == true)
        var keywordless = good
        keywordless.keywords = []
        #expect(reason([keywordless])?.reason.contains("keyword") == true)
        var group = good
        group.form = .token(regex: "demo_([a-z]{8})", secretGroup: 2)
        #expect(reason([group])?.reason.contains("secret_group 2") == true)
        var allow = good
        allow.allow = ["(unclosed"]
        #expect(reason([allow])?.reason.contains("allow") == true)
        var upper = good
        upper.id = "Demo"
        #expect(reason([upper])?.reason.contains("lower-case") == true)
        var assignment = good
        assignment.form = .assignment(name: "demo(", value: "[a-z]{8}")
        #expect(reason([assignment])?.id == "demo")
    }

    @Test("a redaction.yaml with a bad regex stops start-up with the file, the line, the pattern id and the reason")
    func badFileAtStart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["messages.yaml", "classifier.yaml", "postmortem.yaml", "lint.yaml", "report.mustache"] {
            try FileManager.default.copyItem(at: Fixtures.promptsDirectory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let file = dir.appendingPathComponent("redaction.yaml")
        try """
        patterns:
          - id: fine
            description: a good one
            regex: 'fine_[a-z]{8}'
            keywords: [fine_]
          - id: team-token
            description: our internal tokens
            regex: 'tt_[A-Z{20}'
            keywords: [tt_]
        """.write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            guard let error = error as? PromptsError else { return false }
            return error.file.hasSuffix("redaction.yaml") && error.line == 6 && error.reason.contains("pattern 'team-token'")
                && error.reason.contains("tt_[A-Z{20}")
        }
        // The redactor is built on another thread while the other files load; a problem in a file read before it is
        // still the one reported.
        let messages = dir.appendingPathComponent("messages.yaml")
        let shippedMessages = try Data(contentsOf: messages)
        try "help_header: [unclosed\n".write(to: messages, atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            "\(error)".contains("messages.yaml") && !"\(error)".contains("redaction.yaml")
        }
        try shippedMessages.write(to: messages)
        try "patterns:\n  - id: half\n    description: no regex\n    keywords: [x]\n".write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            "\(error)".contains("redaction.yaml") && "\(error)".contains("pattern 'half' needs either `regex`")
        }
        // Without an override the built-in patterns apply.
        try FileManager.default.removeItem(at: file)
        #expect(try PromptSet(directory: dir).redactor.patternIDs == PromptSet(sources: PromptSources(overrides: nil)).redactor.patternIDs)
    }

    @Test("an assignment's name and separator stay, only the value goes")
    func assignmentKeepsName() {
        let fake = FakeSecret("config has api_key: \"{alnum:24}\" and more", seed: 3)
        #expect(redactor.redact(fake.text).text == "config has api_key: \"[redacted:secret]\" and more")
        let url = FakeSecret("broker amqp://svc:{alnum:12}@rabbit.prod:5672 is down", seed: 4)
        #expect(redactor.redact(url.text).text == "broker amqp://svc:[redacted:url-password]@rabbit.prod:5672 is down")
    }
}
