import Foundation

/// The fake's REST-side data, behind the fake's lock.
struct FakeMattermostState {
    var users: [String: FakeMattermostUser]
    var channels: [String: FakeJSON] = [:]
    var posts: [String: FakeMattermostPost] = [:]
    var postOrder: [String] = []
    var lastMillis: Int64 = 0
    var rateLimitNext = 0
    var retryAfter = 1
    var requests: [String] = []
    var dialogs: [FakeJSON] = []
    var ephemeral: [(userID: String, message: String)] = []
    var files: [String: Data] = [:]
    var pinned: Set<String> = []

    /// Milliseconds since 1970, strictly increasing so every post has its own time.
    mutating func nextMillis() -> Int64 {
        lastMillis = max(Int64(Date().timeIntervalSince1970 * 1000), lastMillis + 1)
        return lastMillis
    }

    mutating func insertPost(channelID: String, userID: String, message: String, rootID: String, type: String, fileIDs: [String]?) -> FakeMattermostPost {
        let now = nextMillis()
        let post = FakeMattermostPost(
            id: FakeMattermostID.make(), create_at: now, update_at: now, user_id: userID, channel_id: channelID,
            root_id: rootID, message: message, type: type, file_ids: fileIDs
        )
        posts[post.id] = post
        postOrder.append(post.id)
        return post
    }

    mutating func editPost(_ id: String, message: String?, props: FakeJSON?) -> FakeMattermostPost? {
        guard var post = posts[id] else { return nil }
        let now = nextMillis()
        if let message {
            post.message = message
            post.edit_at = now
        }
        if let props { post.props = props }  // props replace the whole map, as on the real server
        post.update_at = now
        posts[id] = post
        return post
    }

    mutating func deletePost(_ id: String) -> FakeMattermostPost? {
        guard var post = posts[id] else { return nil }
        let now = nextMillis()
        post.delete_at = now
        post.update_at = now
        posts[id] = post
        return post
    }

    /// `GET /channels/{id}/posts?since=`: posts modified after `since`, at most 1,000, newest first.
    func postList(channelID: String, since: Int64) -> FakeJSON {
        let modified = postOrder.compactMap { posts[$0] }
            .filter { $0.channel_id == channelID && $0.update_at > since }
            .sorted { $0.update_at < $1.update_at }
            .prefix(1000)
        let ordered = modified.sorted { $0.create_at > $1.create_at }
        var byID: [String: FakeJSON] = [:]
        for post in ordered {
            byID[post.id] = FakeJSON.parse((try? JSONEncoder().encode(post)) ?? Data()) ?? .null
        }
        return .object([
            "order": .array(ordered.map { .string($0.id) }), "posts": .object(byID),
            "next_post_id": .string(""), "prev_post_id": .string(""),
        ])
    }
}
