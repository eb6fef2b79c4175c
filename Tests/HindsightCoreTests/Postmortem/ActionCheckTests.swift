import Foundation
import Testing
@testable import HindsightCore

@Suite("Action-item check")
struct ActionCheckTests {
    let check = Fixtures.desk().actionCheck
    let today = Fixtures.t0

    static let vague = [
        "Improve monitoring", "Be more careful", "Add tests", "Add more tests", "Better alerting", "Look into the outage",
        "Investigate the database", "Review the deploy process", "Ensure it doesn't happen again", "Make sure backups work",
        "Document the fix", "Be more careful when deploying to production on Fridays", "Communicate better during incidents",
        "Pay more attention to alerts in the channel", "Monitor latency", "Revisit the timeouts", "Follow up with the vendor",
        "Double-check the config", "Remember to drain nodes before upgrades in the future",
    ]

    static let specific = [
        "Add an alert on replica lag above 30s for orders-db, paging the DB on-call",
        "Add an integration test for checkout-api retries on HTTP 503 to the CI suite",
        "Make the migration tool refuse to run on a primary without --confirm-primary",
        "Set log rotation to 7 days in the base image and verify on staging",
        "Automate TLS renewal for api.example.com with cert-manager and alert 14 days before expiry",
        "Add queue depth per tenant to the payments dashboard with a 10k threshold alert",
        "Write a runbook section on promoting a replica in eu-west-1, tested in a game day",
        "Cap mobile client retries at 3 with jittered backoff in app release 5.2",
        "Move the rate limiter setting into the deploy pipeline so load tests cannot disable it",
        "Improve the health check to query the database connection pool, not only the HTTP port",
    ]

    @Test("vague items are flagged with the what/where/how-measured question", arguments: vague)
    func flagsVague(_ text: String) throws {
        let finding = try #require(check.vagueness(text), "\(text) should be vague")
        #expect(finding.kind == .vagueAction)
        #expect(finding.suggestion.contains("specific"))
    }

    @Test("a score that lands exactly on the threshold passes, whatever order the weights are added in")
    func thresholdIsExact() {
        var rules = check.rules
        rules.features = ["a": ["alpha"], "b": ["beta"], "c": ["gamma"]]
        rules.alwaysVague = []
        // 1.0 on paper; in floating point 0.7 + 0.2 + 0.1 is 0.9999999999999999, while 0.1 + 0.2 + 0.7 is 1.0.
        rules.weights = ["a": 0.7, "b": 0.2, "c": 0.1, "short": 0]
        rules.threshold = 1.0
        let exact = ActionCheck(rules: rules)
        #expect(exact.specificity("alpha beta gamma") == 1.0)
        #expect(exact.vagueness("alpha beta gamma") == nil)
    }

    @Test("specific items pass", arguments: specific)
    func passesSpecific(_ text: String) {
        #expect(check.vagueness(text) == nil, "\(text)")
    }

    @Test("a vague goal followed by a specific how is judged on the how; an empty how or a label is not")
    func goalThenHow() {
        #expect(check.vagueness("Improve alerting on the order queue: page when the oldest message is over 10 minutes old") == nil)
        #expect(check.vagueness("Make checkout more resilient by queuing captures in SQS and retrying them for up to 24 hours") == nil)
        #expect(check.vagueness("Be more careful with deploys: the deploy tool now requires a second approver for payments-db") == nil)
        #expect(check.vagueness("Improve monitoring: better dashboards") != nil)
        #expect(check.vagueness("Be more careful by paying more attention") != nil)
        #expect(check.vagueness("Make the platform more resilient by improving things") != nil)
        #expect(check.vagueness("Owner: infra. Improve resilience.") != nil, "a label before the colon is not a goal")
    }

    @Test("a ticket reference, an owner, a due date or a priority does not make a goal specific", arguments: [
        ("[SRE-99] Improve reliability", "[SRE-99] Add an alert on replica lag above 30s for orders-db"),
        ("OPS-5120: Reduce change-related risk across teams", "OPS-5120: Cap config pushes at 5% of hosts per stage"),
        ("MOB-12 | priority P1 | owner @lena | Make the app more stable", "MOB-12 | priority P1 | owner @lena | Add a crash-rate alert above 2% per build"),
        ("Reduce toil for on-call (owner @tom, due 2025-06-01)", "Alert when a build host disk passes 85% full (owner @tom, due 2025-06-01)"),
    ])
    func labelsAreNotSpecifics(_ vague: String, _ specific: String) {
        #expect(check.vagueness(vague) != nil, "\(vague)")
        #expect(check.vagueness(specific) == nil, "\(specific)")
    }

    func item(owner: String? = "@alice", due: Date? = Fixtures.t0.addingTimeInterval(7 * 86_400), priority: ActionItem.Priority? = .p2) -> ActionItem {
        ActionItem(number: 1, text: "Add an alert on replica lag above 30s for orders-db", owner: owner, due: due, priority: priority,
                   kind: .detect, status: .open, author: Fixtures.alice, addedAt: today, statusNote: nil, findings: [])
    }

    @Test("a complete item has no findings")
    func complete() {
        #expect(check.check(item(), today: today).isEmpty)
    }

    @Test("missing owner, due date and priority are each flagged")
    func missing() {
        let kinds = check.check(item(owner: nil, due: nil, priority: nil), today: today).map(\.kind)
        #expect(kinds == [.missingOwner, .missingDue, .missingPriority])
    }

    @Test("a due date before today is past due while the item is open, not once it is done")
    func pastDue() {
        var late = item(due: today.addingTimeInterval(-2 * 86_400))
        #expect(check.check(late, today: today).map(\.kind) == [.pastDue])
        late.status = .done
        #expect(check.check(late, today: today).isEmpty)
        #expect(check.check(item(due: Calendar.utc.startOfDay(for: today)), today: today).isEmpty, "due today is not past")
    }
}
