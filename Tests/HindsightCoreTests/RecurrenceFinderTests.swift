import Foundation
import Testing
import HindsightCore

@Suite("Recurring incident patterns")
struct RecurrenceFinderTests {
    /// 22 incidents written like real post-mortem analysis: four recurring groups and eight one-offs.
    static let fixture: [(group: String?, title: String, analysis: String, tags: Set<String>)] = [
        ("pool", "Checkout 500s", "Database connection pool exhausted on checkout-api; connections leaked by a retry loop that never released them. Pool size too small for peak traffic.", ["checkout-api", "postgres"]),
        ("pool", "Orders API timeouts", "The orders service ran out of database connections: the connection pool was exhausted after a slow query held connections open.", ["orders-api", "postgres"]),
        ("pool", "Login failures", "Auth service connection pool exhaustion against postgres; pool max of 20 reached during the marketing spike, requests queued and timed out.", ["auth", "postgres"]),
        ("pool", "Payments degraded", "Connections to the payments database were not returned to the pool after errors, exhausting the connection pool within minutes.", ["payments", "postgres"]),
        ("cert", "API TLS errors", "The TLS certificate for api.example.com expired; renewal automation had been failing silently since the DNS challenge changed.", ["edge", "tls"]),
        ("cert", "Mobile clients cannot connect", "Expired certificate on the mobile gateway: the cert renewal job failed and no alert watched certificate expiry dates.", ["mobile-gateway", "tls"]),
        ("cert", "Internal mTLS outage", "Service mesh certificates expired because the renewal cron was disabled during the migration; nothing monitored expiry.", ["mesh", "tls"]),
        ("flag", "Search returns nothing", "A feature flag config push disabled the search index for all tenants; the flag change was not reviewed or canaried.", ["search", "feature-flags"]),
        ("flag", "Pricing wrong in EU", "Bad feature flag configuration pushed globally set prices to the test table; flag changes skip review and canary.", ["pricing", "feature-flags"]),
        ("flag", "Recommendations blank", "Feature flag rollout config pushed to 100% instead of 1%: no canary stage or review for flag configuration changes.", ["recs", "feature-flags"]),
        ("disk", "Logging pipeline stalled", "The log volume disk filled up on the aggregator; debug logging left enabled doubled the log volume and no disk usage alert fired.", ["logging"]),
        ("disk", "Kafka broker down", "Broker disk full: retention was misconfigured and log segments filled the disk; disk usage alerting threshold was missing.", ["kafka", "logging"]),
        ("disk", "Metrics gaps", "Prometheus disk filled with high-cardinality series until the volume was full; no alert on disk usage.", ["prometheus", "logging"]),
        (nil, "DNS resolution failures", "An upstream DNS provider outage made resolution fail for internal names; resolvers had no secondary provider.", ["dns"]),
        (nil, "Worker memory leak", "A memory leak in the image worker after the library upgrade caused OOM kills every hour.", ["image-worker"]),
        (nil, "Vendor SMS outage", "Third-party SMS vendor outage; two-factor codes were not delivered and we had no fallback vendor.", ["sms"]),
        (nil, "Nightly jobs overlap", "Two cron jobs overlapped after the schedule change and both rewrote the export table, corrupting the nightly report.", ["exports"]),
        (nil, "Migration locked table", "A schema migration took an exclusive lock on the users table for eleven minutes during business hours.", ["users", "migrations"]),
        (nil, "Cache stampede", "Cache keys all expired together after the deploy; the stampede of recomputation overloaded the recommendation backend.", ["cache"]),
        (nil, "Vendor rate limit", "Shipping vendor API rate limited us after a batch job sent every label request at once without backoff.", ["shipping"]),
        (nil, "Clock skew", "NTP stopped on two hosts; clock skew broke token validation for sessions issued by those hosts.", ["auth-hosts"]),
        (nil, "Load balancer misroute", "A load balancer health check path was renamed so healthy backends were marked down and traffic drained to one zone.", ["lb"]),
    ]

    static func profiles() -> [IncidentProfile] {
        fixture.enumerated().map { i, item in
            let start = Fixtures.t0.addingTimeInterval(Double(i - 30) * 7 * 86_400)
            return IncidentProfile(id: IncidentID(day: start, number: 1), title: item.title, startedAt: start, analysis: item.analysis, tags: item.tags)
        }
    }

    @Test("every member of a recurring group finds exactly its siblings; one-offs find nothing")
    func groupsAreRecovered() {
        let profiles = Self.profiles()
        let finder = RecurrenceFinder(profiles: profiles)
        for (index, item) in Self.fixture.enumerated() {
            let found = Set(finder.similar(to: profiles[index].id).map(\.id))
            let expected = Set(Self.fixture.indices.filter { $0 != index && item.group != nil && Self.fixture[$0].group == item.group }.map { profiles[$0].id })
            let foundIndices = found.compactMap { id in profiles.firstIndex { $0.id == id } }.sorted()
            #expect(found == expected, "\(item.title): found \(foundIndices)")
        }
    }

    @Test("results are ranked and explain themselves with shared terms and tags")
    func explanation() throws {
        let profiles = Self.profiles()
        let similar = RecurrenceFinder(profiles: profiles).similar(to: profiles[0].id)
        let top = try #require(similar.first)
        #expect(similar.map(\.score) == similar.map(\.score).sorted(by: >))
        #expect(top.sharedTerms.contains("pool"))
        #expect(top.sharedTerms.contains("exhaust"))
        #expect(top.sharedTags == ["postgres"])
    }

    @Test("stemming folds plurals, -ing, -ed, -ion and -y forms")
    func stemming() {
        #expect(RecurrenceFinder.terms("Connections leaking; connection leaked") == ["connect", "leak", "connect", "leak"])
        #expect(Set(RecurrenceFinder.terms("exhausted exhaustion")).count == 1)
        #expect(Set(RecurrenceFinder.terms("expired expiry expiration")).count == 1)
        #expect(Set(RecurrenceFinder.terms("certificates certificate")).count == 1)
        #expect(RecurrenceFinder.terms("queries pass") == ["quer", "pass"])
    }
}
