import Foundation
import HindsightMattermost
import Testing

/// The paging decisions alone, on hand-made pages: which request comes next, when the channel is exhausted, what is
/// captured and what is checked for deletions.
@Suite("BackfillPager: a gap that cannot be skipped")
struct BackfillPagerTests {
    static let channel = "ch4nch4nch4nch4nch4nch4nch"

    static func post(_ id: String, _ createAt: Int64, editAt: Int64 = 0, deleteAt: Int64 = 0) -> MattermostPost {
        MattermostPost(id: id, createAt: createAt, updateAt: max(createAt, editAt, deleteAt), editAt: editAt, deleteAt: deleteAt,
                       userID: "us3r", channelID: channel, message: "m \(id)")
    }

    /// A list as the server sends it: `order` newest first.
    static func list(_ posts: [MattermostPost], next: String = "", prev: String = "") -> MattermostPostList {
        let newestFirst = posts.sorted { $0.createAt > $1.createAt }
        return MattermostPostList(order: newestFirst.map(\.id), posts: Dictionary(uniqueKeysWithValues: posts.map { ($0.id, $0) }),
                                  nextPostID: next, prevPostID: prev)
    }

    static func posts(_ range: Range<Int>, at time: (Int) -> Int64 = { Int64(1000 + $0) }) -> [MattermostPost] {
        range.map { post("p\($0)", time($0)) }
    }

    static let anchor = BackfillPager.Anchor(postID: "anchor", createAt: 1000)

    @Test("a since answer under 1,000 is complete: new posts captured oldest first, older ones only revised")
    func shortSince() {
        var pager = BackfillPager(since: 0, anchor: Self.anchor, incidentStart: 0)
        #expect(pager.start() == [.fetch(.since(0))])
        let edited = Self.post("old", 900, editAt: 1500)
        let new = Self.posts(1..<4)
        let actions = pager.handle(Self.list(new + [edited]))
        #expect(actions == [.revise([edited]), .capture(new), .finished(.init(truncated: false, requests: 1, posts: 3, listedOnly: 0))])
        #expect(pager.phase == .done)
    }

    @Test("a full since answer is not trusted: backward from the anchor to the incident's start, then forward")
    func fullSinceThenCursors() {
        var pager = BackfillPager(since: 0, anchor: Self.anchor, incidentStart: 500, perPage: 3)
        _ = pager.start()
        let since = Self.posts(1..<1001)
        #expect(pager.handle(Self.list(since)) == [.fetch(.before("anchor", page: 0, perPage: 3))])
        // Below the anchor: 999, 998, 997 (997 edited) → step back over 997's millisecond: the next page starts at 998.
        let edited = Self.post("q997", 997, editAt: 1200)
        let back = [Self.post("q999", 999), Self.post("q998", 998), edited]
        #expect(pager.handle(Self.list(back, next: "anchor", prev: "q996")) == [.revise([edited]), .fetch(.before("q998", page: 0, perPage: 3))])
        // A page reaching below the incident's start ends the backward part; forward starts below the anchor.
        let below = [Self.post("q997", 997), Self.post("q600", 600), Self.post("q400", 400)]
        #expect(pager.handle(Self.list(below, next: "q998", prev: "q399")) == [.fetch(.after("q999", page: 0, perPage: 3))])
        #expect(pager.missing.contains("q999"))
    }

    @Test("forward pages overlap by the posts of their last millisecond; a page all in one millisecond goes by offset")
    func forwardStepBack() {
        var pager = BackfillPager(since: 0, anchor: nil, incidentStart: 0, perPage: 4)
        _ = pager.start()
        #expect(pager.handle(Self.list(Self.posts(0..<1000))) == [.fetch(.latest(page: 0, perPage: 4))])
        // No post on the head page is older than `since`: look further back.
        let head = [Self.post("h4", 2004), Self.post("h3", 2003), Self.post("h2", 2002), Self.post("h1", 2001)]
        #expect(pager.handle(Self.list(head, prev: "z")) == [.fetch(.before("h2", page: 0, perPage: 4))])
        let older = [Self.post("g1", 6), Self.post("g0", 5)]
        // The channel's start: begin with its oldest post and walk forward from it.
        let start = pager.handle(Self.list(older, next: "h2", prev: ""))
        #expect(start.first == .capture([Self.post("g0", 5)]))
        #expect(start.last == .fetch(.after("g0", page: 0, perPage: 4)))
        // The last two share a millisecond: the next page starts after the post before them.
        let tied = [Self.post("a", 10), Self.post("b", 11), Self.post("c", 12), Self.post("d", 12)]
        #expect(pager.handle(Self.list(tied, next: "e")).last == .fetch(.after("b", page: 0, perPage: 4)))
        // A page all in one millisecond has no post to step back to: same cursor, next page.
        let flat = [Self.post("c", 12), Self.post("d", 12), Self.post("e", 12), Self.post("f", 12)]
        #expect(pager.handle(Self.list(flat, next: "g")).last == .fetch(.after("b", page: 1, perPage: 4)))
        let last = pager.handle(Self.list([Self.post("g", 12), Self.post("h", 13)]))
        // What since listed and no page showed comes last, so nothing it knew of is dropped.
        let summary = BackfillPager.Summary(truncated: true, requests: 6, posts: 1011, listedOnly: 1000)
        #expect(last.last == .finished(summary))
    }

    @Test("posts only since listed (deleted in the gap) are merged by creation time; stored posts missing are checked")
    func listedOnlyAndDeletions() {
        var pager = BackfillPager(since: 0, anchor: Self.anchor, incidentStart: 990, perPage: 3)
        _ = pager.start()
        let deletedInGap = Self.post("gone", 1003, deleteAt: 1600)
        let since = Self.posts(1..<1000, at: { Int64(1000 + $0 * 2) }) + [deletedInGap]
        _ = pager.handle(Self.list(since))
        // Backward: the channel starts right below the anchor.
        #expect(pager.handle(Self.list([Self.post("s999", 999)], next: "anchor", prev: "")) == [.fetch(.after("s999", page: 0, perPage: 3))])
        let page = [Self.post("anchor", 1000), Self.post("p1", 1002), Self.post("p2", 1004)]
        let actions = pager.handle(Self.list(page, next: "p3"))
        #expect(actions.first == .capture(page.prefix(2) + [deletedInGap] + [page[2]]))
        // The last page: everything since listed and not seen is merged, then stored posts not seen are checked.
        let end = pager.handle(Self.list(Self.posts(2..<1000, at: { Int64(1000 + $0 * 2) })))
        guard case let .markDeleted(present, range, deletedAt)? = end.dropLast().last else {
            Issue.record("no deletion check: \(end.suffix(2))")
            return
        }
        #expect(range == Int64.min...1000, "the backward pages reached the channel's start, and the anchor was re-read")
        #expect(present.contains("anchor") && present.contains("s999"))
        #expect(deletedAt["gone"] == 1600)
    }

    @Test("a stored anchor the server no longer has: the start is found from the channel's newest posts")
    func anchorGone() {
        var pager = BackfillPager(since: 900, anchor: Self.anchor, incidentStart: 0, perPage: 3)
        _ = pager.start()
        _ = pager.handle(Self.list(Self.posts(1..<1001)))
        #expect(pager.handle(Self.list([])) == [.fetch(.after("anchor", page: 0, perPage: 3))])
        #expect(pager.handle(Self.list([])) == [.fetch(.latest(page: 0, perPage: 3))])
        let head = [Self.post("p3", 1003), Self.post("p2", 1002), Self.post("x", 899)]
        #expect(pager.handle(Self.list(head, prev: "w")) == [.fetch(.after("x", page: 0, perPage: 3))])
    }
}
