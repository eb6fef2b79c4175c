import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import HindsightPrompts
import HindsightStore
import HindsightTesting
import HindsightTrackers
import Logging
import Synchronization
import Testing

@Suite("Action items filed in GitHub, GitLab and Jira")
struct TrackerTests {
    static let http = HTTPClient(logger: Logger(label: "test.trackers"))
    let issue = TrackerIssue(title: "AI-001: Alert at 80% pool saturation", body: "Action item AI-001.\nOwner: @alice", labels: ["post-mortem", "P1"],
                             assignee: "alice-gh", due: Date(timeIntervalSince1970: 1_796_515_200))

    @Test("each tracker receives the issue in its own shape and answers with the issue's web URL")
    func fileEach() async throws {
        let fake = FakeTrackers()
        try await fake.run { base in
            let github = GitHubTracker(apiURL: base, token: fake.githubToken, repository: fake.githubRepo, http: Self.http)
            let gitlab = GitLabTracker(baseURL: base, token: fake.gitlabToken, project: fake.gitlabProject, http: Self.http)
            let jira = JiraTracker(baseURL: base, email: fake.jiraEmail, token: fake.jiraToken, project: fake.jiraProject, http: Self.http)
            // (Typed throws do not go through #expect's expansion, hence the lets.)
            let githubURL = try await github.file(issue)
            let gitlabURL = try await gitlab.file(issue)
            let jiraURL = try await jira.file(issue)
            #expect(githubURL == "https://github.example/acme/payments/issues/1")
            #expect(gitlabURL == "https://gitlab.example/acme/payments/-/issues/1")
            #expect(jiraURL == "\(base)/browse/OPS-1")
        }
        let byTracker = Dictionary(uniqueKeysWithValues: fake.filed.map { ($0.tracker, $0) })
        #expect(byTracker["github"]?.assignee == "alice-gh")
        #expect(byTracker["github"]?.labels == ["post-mortem", "P1"])
        #expect(byTracker["gitlab"]?.due == "2026-12-06")
        #expect(byTracker["gitlab"]?.labels == ["post-mortem", "P1"])
        #expect(byTracker["jira"]?.due == "2026-12-06")
        #expect(byTracker["jira"]?.body == "Action item AI-001.\nOwner: @alice")
    }

    @Test("refusals become typed errors that say what to fix and never show the token")
    func errors() async throws {
        let fake = FakeTrackers()
        try await fake.run { base in
            let wrongToken = GitHubTracker(apiURL: base, token: "ghp_wrongwrongwrongwrongwrongwrongwrong00", repository: fake.githubRepo, http: Self.http)
            await #expect {
                try await wrongToken.file(issue)
            } throws: { error in
                let error = error as? TrackerError
                return error?.kind == .unauthorized && error?.description.contains("ghp_") == false && error?.description.contains("token") == true
            }
            let wrongRepo = GitHubTracker(apiURL: base, token: fake.githubToken, repository: "acme/nope", http: Self.http)
            await #expect { try await wrongRepo.file(issue) } throws: { ($0 as? TrackerError)?.kind == .notFound }
            let github = GitHubTracker(apiURL: base, token: fake.githubToken, repository: fake.githubRepo, http: Self.http)
            var unknown = issue
            unknown.assignee = "mallory"
            await #expect { try await github.file(unknown) } throws: { ($0 as? TrackerError)?.kind == .invalid }
            fake.fail("github", with: [429])
            await #expect { try await github.file(issue) } throws: { error in
                let error = error as? TrackerError
                return error?.kind == .rateLimited && error?.retryAfter == .seconds(7)
            }
            let jira = JiraTracker(baseURL: base, email: fake.jiraEmail, token: fake.jiraToken, project: "NOPE", http: Self.http)
            await #expect { try await jira.file(issue) } throws: { ($0 as? TrackerError)?.kind == .invalid }
        }
        #expect(fake.filed.isEmpty)
    }

    /// Commands typed by alice in the console channel, minutes after 2026-11-22 14:00 UTC.
    struct Session {
        let bot: Bot
        static let t0 = Date(timeIntervalSince1970: 1_795_356_000)

        func run(_ text: String, _ minute: Double) async -> String {
            await bot.handle(CommandInvocation(
                channel: ChannelKey(platform: .console, channelID: "console"), user: Person(id: "U1", name: "alice"), text: text,
                receivedAt: Self.t0.addingTimeInterval(minute * 60)
            )).map(\.text).joined(separator: "\n")
        }
    }

    func makeBot(_ dir: URL, filer: ActionItemFiler) throws -> Bot {
        let prompts = try PromptSet(directory: BotTests.prompts)
        return Bot(store: try Store(path: dir.appendingPathComponent("db.sqlite").path), desk: prompts.desk(zone: .gmt, redact: { $0 }),
                   logger: Logger(label: "test"), reportsDirectory: dir, filer: filer)
    }

    @Test("owners map to tracker accounts by @name, or for a Slack user picked in a form by user id or name")
    func assigneeMapping() {
        let filer = ActionItemFiler(trackers: [], assignees: ["@alice": "alice-gh", "U0BOB": "bob-gh", "@Carol": "carol-gh"])
        #expect(filer.assignee(for: "@alice") == "alice-gh")
        #expect(filer.assignee(for: "@ALICE") == "alice-gh")
        #expect(filer.assignee(for: "alice") == "alice-gh")
        #expect(filer.assignee(for: "<@U0BOB>") == "bob-gh")
        #expect(filer.assignee(for: "<@U0CAROL|carol>") == "carol-gh")
        #expect(filer.assignee(for: "<@U0DAVE>") == nil)
        #expect(filer.assignee(for: "<@>") == nil)
    }

    @Test("publish files every action once; a failure is reported and publishing again files only what is missing")
    func publishFilesOnce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-trackers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrackers()
        try await fake.run { base in
            let github = GitHubTracker(apiURL: base, token: fake.githubToken, repository: fake.githubRepo, http: Self.http)
            let bot = try makeBot(dir, filer: ActionItemFiler(trackers: [github], assignees: ["@alice": "alice-gh"]))
            let run = Session(bot: bot).run
            _ = await run("start Checkout returns 500 sev2", 0)
            _ = await run("action Alert at 80% DB pool saturation for checkout-api owner @alice due +7d priority P1", 1)
            _ = await run("action Publish service templates as a versioned package for all repos owner @bob due +14d priority P2", 1)
            _ = await run("action Ignored item that will not be done owner @bob due +14d priority P3", 1)
            _ = await run("action wontdo AI-003 superseded by AI-002", 1)
            fake.fail("github", with: [502])

            let first = await run("publish --force", 2)
            #expect(first.contains("could not be filed"))
            #expect(first.contains("Filed 1 action items"))
            #expect(fake.filed.count == 1)

            let second = await run("publish --force", 3)
            #expect(second.contains("Filed 1 action items"))
            #expect(!second.contains("could not be filed"))
            #expect(fake.filed.count == 2)
            #expect(Set(fake.filed.map(\.title)) == [
                "AI-001: Alert at 80% DB pool saturation for checkout-api",
                "AI-002: Publish service templates as a versioned package for all repos",
            ])
            #expect(fake.filed.first { $0.title.hasPrefix("AI-001") }?.assignee == "alice-gh")
            #expect(fake.filed.first { $0.title.hasPrefix("AI-002") }?.body.contains("no tracker account mapped") == true)

            let third = await run("publish --force", 4)
            #expect(!third.contains("Filed"))
            #expect(fake.filed.count == 2)
            let report = try String(contentsOf: dir.appendingPathComponent("docs/post-mortems/2026-11-22-checkout-returns-500.md"), encoding: .utf8)
            #expect(report.contains("[github](https://github.example/acme/payments/issues/1)"))
            #expect(report.contains("[github](https://github.example/acme/payments/issues/2)"))
        }
    }

    @Test("issues closed in each tracker mark their action items done, by command and on the scheduler's hourly sync")
    func syncClosed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-trackers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrackers()
        try await fake.run { base in
            let trackers: [any IssueTracker] = [
                GitHubTracker(apiURL: base, token: fake.githubToken, repository: fake.githubRepo, http: Self.http),
                GitLabTracker(baseURL: base, token: fake.gitlabToken, project: fake.gitlabProject, http: Self.http),
                JiraTracker(baseURL: base, email: fake.jiraEmail, token: fake.jiraToken, project: fake.jiraProject, http: Self.http),
            ]
            let bot = try makeBot(dir, filer: ActionItemFiler(trackers: trackers))
            let run = Session(bot: bot).run
            _ = await run("start Checkout returns 500 sev2", 0)
            _ = await run("action Alert at 80% DB pool saturation for checkout-api owner @alice due +7d priority P1", 1)
            _ = await run("action Publish service templates as a versioned package for all repos owner @bob due +14d priority P2", 1)
            _ = await run("publish --force", 2)
            #expect(fake.filed.count == 6)
            #expect(await run("actions sync", 3).contains("in sync"))

            fake.close("github", number: 1)
            let synced = await run("actions sync", 4)
            #expect(synced.contains("AI-001"))
            #expect(!synced.contains("AI-002"))

            // AI-002 closes in Jira; the scheduler's sync picks it up without anyone asking.
            fake.close("jira", number: 2)
            let delivered = Mutex<[DueReminder]>([])
            let scheduler = ReminderScheduler(bot: bot, logger: Logger(label: "test"), clock: { Session.t0.addingTimeInterval(600) }, sleep: { _ in },
                                              deliver: { reminder in delivered.withLock { $0.append(reminder) } })
            await scheduler.tick()
            #expect(delivered.withLock { $0.contains { $0.reply.text.contains("AI-002") } })
            let list = await run("actions", 11)
            #expect(list.contains("AI-001 [done]") && list.contains("AI-002 [done]"))
        }
    }
}
