import Foundation
import HindsightCore

/// The fake's REST-side data, behind the fake's lock.
struct FakeMattermostState {
    var users: [String: FakeMattermostUser]
    var channels: [String: FakeJSON] = [:]
    /// Members added with `POST /channels/{id}/members`, by channel (the creator included).
    var members: [String: [String]] = [:]
    /// Groups (`@name` → member ids), as `GET /groups` and `/groups/{id}/members` answer.
    var groups: [(id: String, name: String, members: [String])] = []
    /// Channels the bot created with `POST /channels`, in order.
    var createdChannels: [String] = []
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
    /// Which of the matching posts a `since` answer holds when more than 1,000 match.
    var sinceSelection: FakeMattermost.SinceSelection = .oldest
    var sinceRandom = SeededRandom(seed: 17)
    /// While true, new posts share the previous post's millisecond (as a busy server's posts can).
    var sameMillisecond = false
    /// The next `failNext` requests whose line contains `failMatching` get a 500.
    var failNext = 0
    var failMatching = ""

    /// Milliseconds since 1970, strictly increasing so every post has its own time.
    mutating func nextMillis() -> Int64 {
        lastMillis = max(Int64(Date().timeIntervalSince1970 * 1000), lastMillis + 1)
        return lastMillis
    }

    mutating func insertPost(channelID: String, userID: String, message: String, rootID: String, type: String, fileIDs: [String]?) -> FakeMattermostPost {
        let now = sameMillisecond && lastMillis > 0 ? lastMillis : nextMillis()
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

}
