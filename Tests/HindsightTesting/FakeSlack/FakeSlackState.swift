import Foundation

/// Everything the Web API side keeps, behind the fake's lock: the workspace plus what the bot asked for.
struct FakeSlackState {
    struct Trigger {
        var issuedAt: ContinuousClock.Instant
        var used = false
        /// Set by `FakeSlack.expireTriggers()`, so tests need not wait out the lifetime.
        var expired = false
    }

    struct PendingUpload {
        var filename: String
        var length: Int
        var contents: Data?
    }

    struct UploadedFile {
        var id: String
        var name: String
        var contents: Data
        var channel: String?
        var initialComment: String?
    }

    /// Where a `response_url` posts: the channel, and the message a button sat on (for `replace_original`).
    struct ResponseURL {
        var channel: String
        var user: String
        var messageTS: String?
        var uses = 0
    }

    struct Ephemeral {
        var channel: String
        var user: String
        var text: String
        var ts: String
        var blocks: FakeJSON?
        /// The thread it was shown in (`thread_ts`), if any.
        var threadTS: String? = nil
    }

    var workspace: FakeSlackWorkspace
    var calls: [FakeSlackCall] = []
    var rateLimits: [String: (remaining: Int, retryAfter: Int)] = [:]
    var failures: [String: (remaining: Int, status: Int)] = [:]
    var tickets: Set<String> = []
    var linkDisabled = false
    var triggers: [String: Trigger] = [:]
    /// Open views by id, latest version.
    var views: [String: FakeJSON] = [:]
    var openedViews: [FakeJSON] = []
    /// User groups (`@handle` → members), as `usergroups.list` lists them.
    var userGroups: [(id: String, handle: String, users: [String])] = []
    /// Channels the bot created with `conversations.create`, in order.
    var createdChannels: [String] = []
    var uploads: [String: PendingUpload] = [:]
    var uploadedFiles: [UploadedFile] = []
    var responseURLs: [String: ResponseURL] = [:]
    var responseURLPosts: [FakeJSON] = []
    var ephemeral: [Ephemeral] = []
    var bookmarks: [FakeJSON] = []

    init(identity: FakeSlackIdentity) {
        workspace = FakeSlackWorkspace(identity: identity)
    }

    /// A single-use trigger id in Slack's `12345.98765.abcd…` shape.
    mutating func issueTrigger() -> String {
        let id = "\(Int.random(in: 10_000...99_999)).\(Int.random(in: 10_000...99_999)).\(FakeSlackID.uuid().replacingOccurrences(of: "-", with: "").prefix(32))"
        triggers[id] = Trigger(issuedAt: .now)
        return id
    }

    /// Exchanges a trigger for one `views.open`: valid for `lifetime` after it was issued, and only once.
    mutating func exchangeTrigger(_ id: String?, lifetime: Duration) throws(FakeSlackAPIFailure) {
        guard let id, let trigger = triggers[id] else { throw FakeSlackAPIFailure("invalid_trigger_id") }
        guard !trigger.used else { throw FakeSlackAPIFailure("exchanged_trigger_id") }
        guard !trigger.expired, ContinuousClock.now - trigger.issuedAt <= lifetime else { throw FakeSlackAPIFailure("expired_trigger_id") }
        triggers[id]?.used = true
    }
}
