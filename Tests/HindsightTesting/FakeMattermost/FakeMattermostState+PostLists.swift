import Foundation

extension FakeMattermost {
    /// Which 1,000 posts the fake's `since` answer holds when more match. The real server's query is a `LIMIT 1000`
    /// without `ORDER BY`, so any of these is what a client may get.
    public enum SinceSelection: Sendable, Equatable {
        /// The 1,000 created first.
        case oldest
        /// The 1,000 created last.
        case newest
        /// Any 1,000 (from a seeded generator, so a failure reproduces).
        case random(seed: UInt64)
    }
}

/// `GET /channels/{id}/posts` as the server answers it (`GetPostsSince`, `getPostsAround`, `GetPostsPage` and
/// `AddCursorIdsForPostList` in mattermost/server): `order` newest first, `posts` with the thread roots of listed
/// replies, and `next_post_id` / `prev_post_id`.
extension FakeMattermostState {
    /// The server caps `per_page` at 200; 60 without it.
    static let maximumPerPage = 200

    /// The answer's JSON body.
    struct PostList: Encodable {
        var order: [String]
        var posts: [String: FakeMattermostPost]
        var next_post_id: String
        var prev_post_id: String
    }

    /// Answers a query string; nil when it mixes `since` with the cursor parameters (the server refuses that).
    mutating func postList(channelID: String, query: [String: String]) -> PostList? {
        let perPage = min(query["per_page"].flatMap(Int.init) ?? 60, Self.maximumPerPage)
        let page = max(query["page"].flatMap(Int.init) ?? 0, 0)
        let since = query["since"].flatMap(Int64.init) ?? 0
        if since > 0 {
            guard query["after"] == nil, query["before"] == nil else { return nil }
            return render(postsSince(since, channelID: channelID), next: "", prev: "")
        }
        let live = channelPosts(channelID).filter { $0.delete_at == 0 }  // ascending by creation
        if let after = query["after"], !after.isEmpty {
            // `CreateAt > (SELECT CreateAt FROM Posts WHERE Id = ?)`: an unknown id matches nothing.
            let listed = posts[after].map { cursor in Array(live.filter { $0.create_at > cursor.create_at }.dropFirst(page * perPage).prefix(perPage)) } ?? []
            let order = Array(listed.reversed())
            let next = order.count < perPage ? "" : nextPostID(after: order.first, in: live)
            let prev = page == 0 ? after : prevPostID(before: order.last, in: live)
            return render(order, next: next, prev: prev)
        }
        if let before = query["before"], !before.isEmpty {
            let listed = posts[before].map { cursor in Array(live.filter { $0.create_at < cursor.create_at }.reversed().dropFirst(page * perPage).prefix(perPage)) } ?? []
            let next = page == 0 ? before : nextPostID(after: listed.first, in: live)
            let prev = listed.count < perPage ? "" : prevPostID(before: listed.last, in: live)
            return render(listed, next: next, prev: prev)
        }
        let order = Array(live.reversed().dropFirst(page * perPage).prefix(perPage))
        return render(order, next: nextPostID(after: order.first, in: live), prev: prevPostID(before: order.last, in: live))
    }

    /// Posts of a channel, oldest first (insertion order is creation order: the fake's clock never goes back).
    private func channelPosts(_ channelID: String) -> [FakeMattermostPost] {
        postOrder.compactMap { posts[$0] }.filter { $0.channel_id == channelID }
    }

    /// Posts modified after `since`, deleted ones included; at most 1,000, picked by `sinceSelection`, newest first.
    private mutating func postsSince(_ since: Int64, channelID: String) -> [FakeMattermostPost] {
        var matching = channelPosts(channelID).filter { $0.update_at > since }
        if matching.count > 1000 {
            switch sinceSelection {
            case .oldest: matching = Array(matching.prefix(1000))
            case .newest: matching = Array(matching.suffix(1000))
            case .random: matching = Array(matching.shuffled(using: &sinceRandom).prefix(1000))
            }
        }
        return matching.sorted { $0.create_at > $1.create_at }
    }

    /// `GetPostIdAfterTime`: the oldest live post created after `post`.
    private func nextPostID(after post: FakeMattermostPost?, in live: [FakeMattermostPost]) -> String {
        guard let post else { return "" }
        return live.first { $0.create_at > post.create_at }?.id ?? ""
    }

    /// `GetPostIdBeforeTime`: the newest live post created before `post`.
    private func prevPostID(before post: FakeMattermostPost?, in live: [FakeMattermostPost]) -> String {
        guard let post else { return "" }
        return live.last { $0.create_at < post.create_at }?.id ?? ""
    }

    private func render(_ order: [FakeMattermostPost], next: String, prev: String) -> PostList {
        var byID: [String: FakeMattermostPost] = [:]
        for post in order {
            byID[post.id] = post
            // Thread roots come along in `posts` (not in `order`), even when outside the range.
            if !post.root_id.isEmpty, byID[post.root_id] == nil, let root = posts[post.root_id] { byID[root.id] = root }
        }
        return PostList(order: order.map(\.id), posts: byID, next_post_id: next, prev_post_id: prev)
    }
}
