import Foundation

/// `GET /users/{id}` and `/users/me`.
public struct MattermostUser: Codable, Sendable, Hashable {
    public var id: String
    public var username: String
    public var firstName: String?
    public var lastName: String?
    public var nickname: String?
    public var isBot: Bool?

    enum CodingKeys: String, CodingKey {
        case id, username, nickname
        case firstName = "first_name", lastName = "last_name", isBot = "is_bot"
    }

    public init(id: String, username: String, firstName: String? = nil, lastName: String? = nil, nickname: String? = nil, isBot: Bool? = nil) {
        self.id = id
        self.username = username
        self.firstName = firstName
        self.lastName = lastName
        self.nickname = nickname
        self.isBot = isBot
    }

    /// The name shown on the timeline: the full name when set, else the username.
    public var displayName: String {
        let full = [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        return full.isEmpty ? username : full
    }
}

/// `GET /channels/{id}`.
public struct MattermostChannel: Codable, Sendable, Hashable {
    public var id: String
    public var teamID: String?
    public var name: String
    public var displayName: String?
    public var type: String

    enum CodingKeys: String, CodingKey {
        case id, name, type
        case teamID = "team_id", displayName = "display_name"
    }
}

/// The JSON error body of every failed REST call.
public struct MattermostErrorBody: Codable, Sendable, Equatable {
    public var id: String
    public var message: String
    public var statusCode: Int?

    enum CodingKeys: String, CodingKey {
        case id, message
        case statusCode = "status_code"
    }
}

/// `POST /posts` body.
struct CreatePostRequest: Encodable {
    var channelID: String
    var message: String
    var rootID: String?
    var props: PostProps?
    var fileIDs: [String]?

    enum CodingKeys: String, CodingKey {
        case message, props
        case channelID = "channel_id", rootID = "root_id", fileIDs = "file_ids"
    }
}

/// `PUT /posts/{id}/patch` body: `props`, when sent, replaces the whole map.
struct PatchPostRequest: Encodable {
    var message: String?
    var props: PostProps?
}

/// The `props` Hindsight sets on its posts: Slack-compatible attachments with buttons.
public struct PostProps: Codable, Sendable, Hashable {
    public var attachments: [PostAttachment]?
}

/// A message attachment; buttons are `actions`.
public struct PostAttachment: Codable, Sendable, Hashable {
    public var fallback: String?
    public var text: String?
    public var actions: [PostAction]?
}

/// A button: clicking it POSTs the integration context to the integration URL.
public struct PostAction: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var integration: Integration

    public struct Integration: Codable, Sendable, Hashable {
        public var url: String
        public var context: ActionContext
    }
}

/// What a Hindsight button carries: the `/postmortem` text it runs.
public struct ActionContext: Codable, Sendable, Hashable {
    public var command: String
    /// The bot's signed callback token (`CallbackSigner`): Mattermost hides the context from clients and returns it
    /// verbatim, so a click that did not come from this button cannot carry it.
    public var token: String?
}

/// `POST /files` → uploaded file infos.
struct FileUploadResponse: Decodable {
    struct Info: Decodable { var id: String }
    var fileInfos: [Info]

    enum CodingKeys: String, CodingKey { case fileInfos = "file_infos" }
}

/// `POST /reactions` body.
struct ReactionRequest: Encodable {
    var userID: String
    var postID: String
    var emojiName: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", postID = "post_id", emojiName = "emoji_name"
    }
}

/// The forms of `GET /channels/{id}/posts`. Only the cursor forms page reliably: the server answers `since` with at most
/// 1,000 of the matching posts, picked by a `LIMIT` without `ORDER BY`, so a full answer may be any 1,000 of them.
public enum PostsQuery: Sendable, Hashable {
    /// Posts created, edited or deleted after this time (ms): deleted ones too, with `delete_at` set.
    case since(Int64)
    /// Live posts created after the post `id`'s creation time, ordered by creation time; `page` counts `perPage` blocks.
    case after(String, page: Int, perPage: Int)
    /// Live posts created before the post `id`'s creation time, newest first.
    case before(String, page: Int, perPage: Int)
    /// The channel's newest live posts, newest first.
    case latest(page: Int, perPage: Int)

    /// The most `per_page` the server honours.
    public static let maximumPerPage = 200

    var queryString: String {
        switch self {
        case .since(let ms): "since=\(ms)"
        case let .after(id, page, perPage): "after=\(id)&page=\(page)&per_page=\(perPage)"
        case let .before(id, page, perPage): "before=\(id)&page=\(page)&per_page=\(perPage)"
        case let .latest(page, perPage): "page=\(page)&per_page=\(perPage)"
        }
    }
}
