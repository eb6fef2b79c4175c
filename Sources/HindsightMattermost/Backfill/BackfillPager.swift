/// Decides, without HTTP, how one channel is backfilled after an outage so that nothing can be skipped.
///
/// It asks `since` first: fewer than 1,000 answers are complete (new posts, edits and deletions). A full answer may be
/// any 1,000 of the matching posts, so then it pages with the cursor forms, which the server orders by creation time:
/// backward from the newest stored post down to the incident's start (edits of posts already stored; the stored posts
/// that are missing from the pages were deleted), then forward from there until the channel is exhausted (every new
/// post, thread replies included, oldest first). What `since` listed but the pages did not show (posts deleted during
/// the outage) is merged in by creation time, so the timeline stays in order.
///
/// Pages overlap: the next cursor steps back over the posts sharing the page's last creation time, because the
/// cursor forms compare creation times strictly and would skip posts in the same millisecond as the cursor.
public struct BackfillPager: Sendable {
    /// Where the pager is.
    public enum Phase: Sendable, Equatable {
        /// Waiting for the `since` answer.
        case since
        /// Backward from the newest stored post (`before=`) over the incident's stored part.
        case reconciling(cursor: String, page: Int)
        /// Backward from the channel's newest post, looking for the last post before the gap (no usable anchor).
        case locating(cursor: String?, page: Int)
        /// Forward (`after=`) until the channel is exhausted.
        case walking(cursor: String, page: Int)
        case done
    }

    /// What the transport must do, in order.
    public enum Action: Sendable, Equatable {
        /// Fetch this page and feed it to `handle(_:)`.
        case fetch(PostsQuery)
        /// Capture these posts, oldest first, each with its edit or deletion.
        case capture([MattermostPost])
        /// Apply these posts' edits and deletions to what is stored; they are not new messages.
        case revise([MattermostPost])
        /// The stored chat posts created within `range` (ms) whose ids are not in `present` were deleted while the bot
        /// was away; `deletedAt` has the deletion time of those `since` reported.
        case markDeleted(present: Set<String>, range: ClosedRange<Int64>, deletedAt: [String: Int64])
        /// Nothing is missing any more.
        case finished(Summary)
    }

    /// What a finished backfill did, for the log.
    public struct Summary: Sendable, Equatable {
        /// Whether `since` answered with a possibly truncated list (so the cursor pages were read).
        public var truncated: Bool
        /// Requests made, `since` included.
        public var requests: Int
        /// Posts handed over for capture (the overlaps between pages included).
        public var posts: Int
        /// Posts `since` listed that the cursor pages did not (deleted during the outage), merged in.
        public var listedOnly: Int

        public init(truncated: Bool, requests: Int, posts: Int, listedOnly: Int) {
            self.truncated = truncated
            self.requests = requests
            self.posts = posts
            self.listedOnly = listedOnly
        }
    }

    /// The newest post the bot has stored.
    public struct Anchor: Sendable, Equatable {
        public var postID: String
        public var createAt: Int64

        public init(postID: String, createAt: Int64) {
            self.postID = postID
            self.createAt = createAt
        }
    }

    /// `since` answers this long or longer may be truncated.
    public static let sinceLimit = 1000

    public private(set) var phase: Phase = .since
    /// The creation time of the newest post handed over for capture (for the gap gauge).
    public private(set) var newestCaptured: Int64?

    private let since: Int64
    private let anchor: Anchor?
    private let incidentStart: Int64
    private let perPage: Int
    private var truncated = false
    private var requests = 0
    private var posts = 0
    /// New posts `since` listed, not yet seen on a cursor page, by id.
    private var listed: [String: MattermostPost] = [:]
    private var listedOnly = 0
    private var deletedAt: [String: Int64] = [:]
    /// Ids seen on the cursor pages, and the oldest creation time the backward pages reached.
    private var present: Set<String> = []
    private var reachedBack: Int64?
    private var exhaustedBack = false
    /// The newest post before the anchor: where the forward walk starts, so posts in the anchor's millisecond are read.
    private var startCursor: String?
    private var relocated = false

    /// - Parameters:
    ///   - since: ask for posts modified after this time (ms); the caller includes an overlap before the watermark.
    ///   - anchor: the newest stored post, if any (a backfill before anything was captured has none).
    ///   - incidentStart: how far back stored posts are checked for edits and deletions (ms).
    public init(since: Int64, anchor: Anchor?, incidentStart: Int64, perPage: Int = PostsQuery.maximumPerPage) {
        self.since = since
        self.anchor = anchor
        self.incidentStart = incidentStart
        self.perPage = max(2, min(perPage, PostsQuery.maximumPerPage))
    }

    /// The first action.
    public mutating func start() -> [Action] {
        phase = .since
        return [fetch(.since(since))]
    }

    /// The request to repeat after a failed one (the pager's position does not move until a page arrives).
    public var pendingRequest: PostsQuery? {
        switch phase {
        case .since: .since(since)
        case let .reconciling(cursor, page): .before(cursor, page: page, perPage: perPage)
        case let .locating(cursor?, page): .before(cursor, page: page, perPage: perPage)
        case let .locating(nil, page): .latest(page: page, perPage: perPage)
        case let .walking(cursor, page): .after(cursor, page: page, perPage: perPage)
        case .done: nil
        }
    }

    /// What is still missing, for a log line when a page cannot be fetched.
    public var missing: String {
        switch phase {
        case .since: "every post changed after \(since) ms"
        case .reconciling(let cursor, _): "edits and deletions of stored posts before \(cursor), and every post after the anchor"
        case .locating: "every post created after \(since) ms (looking for where the gap starts)"
        case .walking(let cursor, _): "every post created after \(cursor)"
        case .done: "nothing"
        }
    }

    /// Advances on the answer to the last `fetch`.
    public mutating func handle(_ list: MattermostPostList) -> [Action] {
        let page = list.listed  // newest first
        switch phase {
        case .since:
            return sinceAnswered(page.reversed())
        case let .reconciling(cursor, number):
            return reconciled(page, list: list, cursor: cursor, page: number)
        case let .locating(cursor, number):
            return located(page, list: list, cursor: cursor, page: number)
        case let .walking(cursor, number):
            return walked(page.reversed(), list: list, cursor: cursor, page: number)
        case .done:
            return []
        }
    }

    // MARK: Phases

    private mutating func sinceAnswered(_ answer: [MattermostPost]) -> [Action] {
        // Posts created before the anchor are stored already, and those before the incident are not its messages:
        // only their edits and deletions matter.
        let boundary = anchor?.createAt ?? incidentStart
        let old = answer.filter { $0.createAt < boundary }
        let new = answer.filter { $0.createAt >= boundary }
        var actions: [Action] = old.isEmpty ? [] : [.revise(old)]
        guard answer.count >= Self.sinceLimit else {
            if !new.isEmpty { actions.append(capture(new)) }
            return actions + [finish()]
        }
        truncated = true
        for post in answer where post.deleteAt > 0 { deletedAt[post.id] = post.deleteAt }
        for post in new { listed[post.id] = post }
        if let anchor {
            phase = .reconciling(cursor: anchor.postID, page: 0)
        } else {
            phase = .locating(cursor: nil, page: 0)
        }
        return actions + [fetch(pendingRequest!)]
    }

    /// A backward page below the anchor: edits of stored posts; stop below the incident's start.
    private mutating func reconciled(_ page: [MattermostPost], list: MattermostPostList, cursor: String, page number: Int) -> [Action] {
        var actions: [Action] = []
        let edited = page.filter { $0.editAt > 0 }
        if !edited.isEmpty { actions.append(.revise(edited)) }
        for post in page { present.insert(post.id) }
        if startCursor == nil, let newest = page.first { startCursor = newest.id }
        if let oldest = page.last { reachedBack = min(reachedBack ?? oldest.createAt, oldest.createAt) }
        let exhausted = page.count < perPage || list.prevPostID.isEmpty
        if exhausted || (page.last?.createAt ?? .min) < incidentStart {
            exhaustedBack = exhausted
            guard let start = startCursor ?? anchor?.postID else { return actions + locate() }
            phase = .walking(cursor: start, page: 0)
        } else {
            let step = Self.stepBack(page, from: cursor)
            phase = .reconciling(cursor: step.id ?? cursor, page: step.page(number))
        }
        return actions + [fetch(pendingRequest!)]
    }

    /// A backward page from the channel's head: the first post at or before `since` is where the forward walk starts.
    private mutating func located(_ page: [MattermostPost], list: MattermostPostList, cursor: String?, page number: Int) -> [Action] {
        if let before = page.first(where: { $0.createAt <= since }) {
            phase = .walking(cursor: before.id, page: 0)
            return [fetch(pendingRequest!)]
        }
        let exhausted = page.count < perPage || list.prevPostID.isEmpty
        if exhausted {
            // Every post in the channel is newer than `since`: start with the oldest one.
            guard let oldest = page.last else { return flushListed() + [finish()] }
            phase = .walking(cursor: oldest.id, page: 0)
            return [capture([oldest]), fetch(pendingRequest!)]
        }
        let step = Self.stepBack(page, from: cursor)
        if let id = step.id {
            phase = .locating(cursor: id, page: 0)
        } else {
            phase = .locating(cursor: cursor, page: number + 1)
        }
        return [fetch(pendingRequest!)]
    }

    /// A forward page: capture it, with what `since` listed before its last post; stop when the channel is exhausted.
    private mutating func walked(_ ascending: [MattermostPost], list: MattermostPostList, cursor: String, page number: Int) -> [Action] {
        if ascending.isEmpty, number == 0, !relocated, !listed.isEmpty, present.isEmpty {
            // The cursor post may be gone for good (the server then matches nothing): find the start from the head.
            return locate()
        }
        for post in ascending {
            present.insert(post.id)
            listed[post.id] = nil
        }
        let exhausted = ascending.count < perPage || list.nextPostID.isEmpty
        let last = ascending.last?.createAt ?? .min
        var batch = ascending
        let merged = listed.values.filter { exhausted || $0.createAt < last }
        for post in merged { listed[post.id] = nil }
        listedOnly += merged.count
        batch += merged
        var actions: [Action] = batch.isEmpty ? [] : [capture(batch)]
        if exhausted {
            if let range = checkedRange() {
                actions.append(.markDeleted(present: present, range: range, deletedAt: deletedAt))
            }
            return actions + [finish()]
        }
        let step = Self.stepBack(ascending, from: cursor)
        phase = .walking(cursor: step.id ?? cursor, page: step.page(number))
        return actions + [fetch(pendingRequest!)]
    }

    // MARK: Helpers

    /// The creation times (ms) over which every live post was on a page, so a stored post missing there was deleted;
    /// nil when the pages cannot tell (nothing was below the anchor, or no backward pages were read).
    private func checkedRange() -> ClosedRange<Int64>? {
        guard let anchor, truncated, let reachedBack, !relocated else { return nil }
        // The oldest millisecond reached may continue on the page not read; the anchor's own millisecond was read
        // only when the forward walk started below it.
        let low = exhaustedBack ? Int64.min : reachedBack + 1
        let high = startCursor != nil ? anchor.createAt : anchor.createAt - 1
        return low <= high ? low...high : nil
    }

    private mutating func locate() -> [Action] {
        relocated = true
        phase = .locating(cursor: nil, page: 0)
        return [fetch(pendingRequest!)]
    }

    private mutating func flushListed() -> [Action] {
        let rest = Array(listed.values)
        listed = [:]
        listedOnly += rest.count
        return rest.isEmpty ? [] : [capture(rest)]
    }

    private mutating func fetch(_ query: PostsQuery) -> Action {
        requests += 1
        return .fetch(query)
    }

    private mutating func capture(_ batch: [MattermostPost]) -> Action {
        let sorted = batch.sorted { ($0.createAt, $0.id) < ($1.createAt, $1.id) }
        posts += sorted.count
        if let newest = sorted.last?.createAt { newestCaptured = max(newestCaptured ?? newest, newest) }
        return .capture(sorted)
    }

    private mutating func finish() -> Action {
        phase = .done
        return .finished(Summary(truncated: truncated, requests: requests, posts: posts, listedOnly: listedOnly))
    }

    /// The next cursor for a page in walking direction (`page` ordered as walked, newest first when going back): the
    /// last post whose creation time differs from the page's final one, so the next page re-reads that millisecond.
    /// When the whole page shares one millisecond there is no such post: keep the cursor and take the next page (also
    /// when that post is the cursor itself, so a server that ignores the cursor cannot hold the pager in place).
    struct Step {
        var id: String?
        func page(_ current: Int) -> Int { id == nil ? current + 1 : 0 }
    }

    static func stepBack(_ walked: [MattermostPost], from cursor: String?) -> Step {
        guard let final = walked.last?.createAt, let id = walked.last(where: { $0.createAt != final })?.id, id != cursor else {
            return Step(id: nil)
        }
        return Step(id: id)
    }
}
