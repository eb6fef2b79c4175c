import Foundation
import Testing
@testable import HindsightCore

@Suite("Blameless-language check")
struct BlamelessCheckTests {
    let check = Fixtures.desk().blameless
    /// People seen in the incident, as the desk passes them.
    let people = ["Alice Chen", "Alice", "Bob", "Carol", "Mark"]

    /// Sentences from real-sounding post-mortems that blame someone, and the kind of finding each must get.
    static let blaming: [(String, LintFinding.Kind)] = [
        ("@alice deployed the bad config to production.", .personAsCause),
        ("Bob broke prod by running the migration twice.", .personAsCause),
        ("The outage was caused by human error.", .humanError),
        ("Root cause: human error during the failover.", .humanError),
        ("Someone forgot to renew the TLS certificate.", .personAsCause),
        ("Carol misconfigured the load balancer health check.", .personAsCause),
        ("Alice accidentally deleted the production namespace.", .personAsCause),
        ("The on-call engineer ignored the disk space alert.", .personAsCause),
        ("@bob pushed an untested change on Friday evening.", .personAsCause),
        ("Mark skipped the canary stage.", .personAsCause),
        ("This was operator error.", .humanError),
        ("It was a careless mistake during the rollout.", .blameWord),
        ("The team was negligent about backups.", .blameWord),
        ("Whose fault was the expired token? Nobody checked.", .blameWord),
        ("We should not blame the database team for this.", .blameWord),
        ("Bob should have known the flag was still on.", .blameWord),
        ("The deploy was sloppy and rushed.", .blameWord),
        ("An engineer ran the wrong script against the primary.", .personAsCause),
        ("Alice failed to update the runbook after the migration.", .personAsCause),
        ("Bob didn't check the replica lag before promoting.", .personAsCause),
        ("The developer introduced a bug in the retry logic.", .personAsCause),
        ("Someone fat-fingered the IP range in the firewall rule.", .humanError),
        ("A user error in the admin console wiped the cache.", .humanError),
        ("Carol overlooked the warning in the CI output.", .personAsCause),
        ("@carol merged the PR without review.", .personAsCause),
        ("The intern dropped the wrong table.", .personAsCause),
        ("Bob mistakenly restarted the primary instead of the replica.", .personAsCause),
        ("The culprit was Alice's config change.", .blameWord),
        ("He missed the page because his phone was on silent.", .personAsCause),
        ("She forgot to drain the node before the upgrade.", .personAsCause),
        ("That was a stupid decision in hindsight.", .blameWord),
        ("Alice Chen misread the dashboard and scaled down the wrong pool.", .personAsCause),
        ("Bob neglected to rotate the keys.", .personAsCause),
        ("@dave shipped a faulty build to all regions at once.", .personAsCause),
        ("Somebody forgot the feature flag in the release checklist.", .personAsCause),
        ("Root cause was manual error while editing DNS.", .humanError),
        ("Carol never ran the smoke tests after the deploy.", .personAsCause),
        ("The operator typed the wrong hostname which broke replication.", .personAsCause),
        ("Bob was incompetent with the new tooling.", .blameWord),
        ("We dropped the ball on the certificate renewal.", .blameWord),
        ("Mark caused the outage by disabling the rate limiter.", .personAsCause),
        ("The developer approved a buggy migration.", .personAsCause),
    ]

    /// Ordinary post-mortem prose, including people named in neutral roles, that must pass without a finding.
    static let neutral: [String] = [
        "@alice acknowledged the page at 14:05.",
        "Bob rolled back the deployment and error rates recovered.",
        "The config change removed the health check timeout.",
        "Carol deployed the fix at 15:10 and latency returned to normal.",
        "The alert fired 12 minutes after the first failed request.",
        "Owner: @bob, due 2026-12-01.",
        "The runbook did not cover promoting a replica in another region.",
        "The deploy pipeline had no canary stage for this service.",
        "Retries from the mobile clients amplified the load on the API.",
        "Alice Chen coordinated the incident and kept stakeholders informed.",
        "Bob restarted the stuck workers, which drained the queue.",
        "The certificate expired because renewal depended on a manual step.",
        "Mark joined the call and confirmed the database was healthy.",
        "We were lucky that traffic was low on a Sunday morning.",
        "The migration locked the orders table for nine minutes.",
        "Monitoring did not alert on replica lag above 30 seconds.",
        "The feature flag was enabled for all users instead of 5%.",
        "Error budget consumed: 38% of the monthly budget.",
        "Customers in EU-West saw 502 errors for 23 minutes.",
        "The on-call engineer was paged at 02:14 and acknowledged at 02:19.",
        "Carol wrote the status page update.",
        "The disk filled up because log rotation was disabled on the new image.",
        "The load balancer kept routing to the unhealthy pool for two minutes.",
        "We had no dashboard showing queue depth per tenant.",
        "Alice ran the failover script from the runbook and it worked.",
        "The cache stampede started when the TTLs of all keys expired together.",
        "Bob merged the revert and the pipeline deployed it in six minutes.",
        "The rate limiter was disabled during the load test and not re-enabled.",
        "DNS propagation took longer than the runbook assumed.",
        "Good: the rollback procedure was documented and fast.",
        "Mark will review the alert thresholds with the SRE team.",
        "The token bucket refilled too slowly after the deploy.",
        "Payment retries were idempotent, so no customer was charged twice.",
        "The staging environment did not have production-like data volumes.",
        "Carol approved the change after the canary passed.",
        "The release was shipped behind a feature flag.",
        "The health check only tested the HTTP port, not the database connection.",
        "Traffic was shifted to us-east-2 at 14:32.",
        "The incident channel was opened within four minutes of the first alert.",
        "Bob changed the timeout from 30s to 5s as planned in the design review.",
        "The scheduler crashed when the config file was empty.",
        "Alice pushed the hotfix after the team reviewed it.",
        "No single component was at fault: the eviction and the cold start were each harmless alone.",
        "The readiness probe should have caught the broken config, but it only checked the port.",
    ]

    @Test("blaming sentences are flagged, each with a suggestion", arguments: blaming)
    func flagsBlame(_ sentence: String, _ kind: LintFinding.Kind) {
        let result = check.check(sentence, people: people)
        #expect(result.findings.contains { $0.kind == kind }, "\(sentence) → \(result.findings)")
        #expect(result.findings.allSatisfy { !$0.suggestion.isEmpty })
    }

    @Test("neutral prose passes, people in neutral roles included", arguments: neutral)
    func passesNeutral(_ sentence: String) {
        let result = check.check(sentence, people: people)
        #expect(result.findings.isEmpty, "\(sentence) → \(result.findings)")
        #expect(result.suggestedText == nil)
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(Self.blaming.count >= 40)
        #expect(Self.neutral.count >= 40)
    }

    @Test("a person as the cause is reworded into the passive, keeping the rest of the sentence")
    func passiveRewording() {
        #expect(check.check("@alice deployed the bad config to production.", people: people).suggestedText
                == "The bad config was deployed to production.")
        #expect(check.check("Carol misconfigured the load balancer health check.", people: people).suggestedText
                == "The load balancer health check was misconfigured.")
        #expect(check.check("Mark skipped the canary stages.", people: people).suggestedText == "The canary stages were skipped.")
        #expect(check.check("During the upgrade Bob broke prod.", people: people).suggestedText == "During the upgrade prod was broken.")
    }

    @Test("an omission becomes what did not happen and what did not check it")
    func omissionRewording() throws {
        let text = try #require(check.check("Someone forgot to renew the TLS certificate.", people: people).suggestedText)
        #expect(text.contains("renew the TLS certificate"))
        #expect(!text.lowercased().contains("someone"))
    }

    @Test("human error is replaced by the missing safeguard and answered with a question")
    func humanError() throws {
        let result = check.check("The outage was caused by human error.", people: people)
        let finding = try #require(result.findings.first { $0.kind == .humanError })
        #expect(finding.suggestion.contains("what allowed"))
        #expect(result.suggestedText?.lowercased().contains("human error") == false)
    }

    /// People as they appear in chat: lower-case handles, @mentions, roles and teams.
    static let roomBlaming: [String] = [
        "dana should have caught the lag an hour earlier", "li waited far too long to escalate",
        "The network team's sloppiness caused this outage.", "priya recklessly deleted the old replica.",
        "sam's laziness is why the backups were never tested.", "The on-call was useless during the first hour.",
        "kim ran the script without thinking.", "Someone must be held accountable for this.",
        "kim's flaky failover script is why the database stayed down.", "The SRE team was asleep at the wheel.",
        "omar blew it by not escalating.", "The reviewer waved it through.", "@jun didn't bother reading the runbook.",
    ]

    static let roomNeutral: [String] = [
        "We run fault injection experiments every two weeks.", "Work on fault tolerance is tracked separately.",
        "The switch logged a link fault on port 24.", "We used git blame to find the commit that set the timeout.",
        "@alice acknowledged the page at 02:14.", "dana rolled back the deploy at 14:05.",
        "The on-call handbook did not say who can approve an emergency change.",
        "Access required a hardware token that the responder did not have at home.",
    ]

    @Test("people as typed in the room: names, handles, roles and teams as the subject of a judgement", arguments: roomBlaming)
    func roomBlame(_ sentence: String) {
        #expect(!check.check(sentence, people: ["dana", "li", "priya", "sam", "kim", "omar", "jun"]).findings.isEmpty, "\(sentence)")
    }

    @Test("technical senses and neutral roles pass", arguments: roomNeutral)
    func roomNeutralPasses(_ sentence: String) {
        #expect(check.check(sentence, people: ["dana", "alice"]).findings.isEmpty, "\(sentence)")
    }

    @Test("a judgement just before the person, and teams named bare with a capital, blame", arguments: [
        ("Typical hugo, breaking things and disappearing.", true),
        ("Leave it to hugo to run a migration at peak traffic.", true),
        ("The outage is on the platform team, full stop.", true),
        ("The outage was entirely self-inflicted by the release engineer.", true),
        ("Ops failed to notice the disk filling up for three days.", true),
        ("Networking should have known about the change.", true),
        ("The QA environment missed the config change because it reads from a different bucket.", false),
        ("the ops dashboard failed to load during the incident.", false),
        ("The page was acknowledged by hugo at 02:14.", false),
        ("Thanks to the canary, only one region saw errors.", false),
        ("The warning was brushed off by hugo as noise.", true),
        ("The hotfix was pushed by hugo without review.", true),
        ("The fix was pushed by hugo at 14:05.", false),
        ("How did hugo not notice the disk was at 99% for a week?", true),
        ("Why did hugo's alert fire at 02:00?", false),
    ])
    func beforeAndTeams(_ sentence: String, _ blames: Bool) {
        #expect(check.check(sentence, people: ["hugo"]).findings.isEmpty != blames, "\(sentence)")
    }

    @Test("lower-case words that happen to be names are not people")
    func namesNeedCapitals() {
        #expect(check.check("We will mark the missed alerts in the dashboard.", people: people).findings.isEmpty)
    }
}
