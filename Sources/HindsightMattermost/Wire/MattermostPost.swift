import Foundation

/// A post as the REST API and the `posted`/`post_edited`/`post_deleted` events carry it (times in ms since 1970, UTC).
public struct MattermostPost: Codable, Sendable, Hashable {
    public var id: String
    public var createAt: Int64
    public var updateAt: Int64
    public var editAt: Int64
    public var deleteAt: Int64
    public var userID: String
    public var channelID: String
    /// Non-empty for a thread reply: the root post's id.
    public var rootID: String
    public var message: String
    /// Non-empty for system messages (`system_join_channel`…).
    public var type: String
    public var fileIDs: [String]
    /// Whether an integration posted it: `props.from_webhook` or `props.from_bot` is `"true"` (incoming webhooks,
    /// alerting and status-page bots).
    public var fromIntegration: Bool

    enum CodingKeys: String, CodingKey {
        case id, message, type, props
        case createAt = "create_at", updateAt = "update_at", editAt = "edit_at", deleteAt = "delete_at"
        case userID = "user_id", channelID = "channel_id", rootID = "root_id", fileIDs = "file_ids"
    }

    public init(
        id: String, createAt: Int64, updateAt: Int64? = nil, editAt: Int64 = 0, deleteAt: Int64 = 0, userID: String,
        channelID: String, rootID: String = "", message: String, type: String = "", fileIDs: [String] = [],
        fromIntegration: Bool = false
    ) {
        self.id = id
        self.createAt = createAt
        self.updateAt = updateAt ?? createAt
        self.editAt = editAt
        self.deleteAt = deleteAt
        self.userID = userID
        self.channelID = channelID
        self.rootID = rootID
        self.message = message
        self.type = type
        self.fileIDs = fileIDs
        self.fromIntegration = fromIntegration
    }

    // Mattermost omits empty fields in some versions: every field but the id has a default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        createAt = try c.decodeIfPresent(Int64.self, forKey: .createAt) ?? 0
        updateAt = try c.decodeIfPresent(Int64.self, forKey: .updateAt) ?? createAt
        editAt = try c.decodeIfPresent(Int64.self, forKey: .editAt) ?? 0
        deleteAt = try c.decodeIfPresent(Int64.self, forKey: .deleteAt) ?? 0
        userID = try c.decodeIfPresent(String.self, forKey: .userID) ?? ""
        channelID = try c.decodeIfPresent(String.self, forKey: .channelID) ?? ""
        rootID = try c.decodeIfPresent(String.self, forKey: .rootID) ?? ""
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        fileIDs = try c.decodeIfPresent([String].self, forKey: .fileIDs) ?? []
        let props = try? c.decodeIfPresent(IntegrationProps.self, forKey: .props)
        fromIntegration = props?.fromWebhook == true || props?.fromBot == true
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(createAt, forKey: .createAt)
        try c.encode(updateAt, forKey: .updateAt)
        try c.encode(editAt, forKey: .editAt)
        try c.encode(deleteAt, forKey: .deleteAt)
        try c.encode(userID, forKey: .userID)
        try c.encode(channelID, forKey: .channelID)
        try c.encode(rootID, forKey: .rootID)
        try c.encode(message, forKey: .message)
        try c.encode(type, forKey: .type)
        try c.encode(fileIDs, forKey: .fileIDs)
        if fromIntegration { try c.encode(IntegrationProps(fromWebhook: true, fromBot: nil), forKey: .props) }
    }

    /// The two `props` flags Mattermost sets on integration posts; servers send them as the string `"true"`.
    struct IntegrationProps: Codable, Hashable {
        var fromWebhook: Bool?
        var fromBot: Bool?

        enum CodingKeys: String, CodingKey {
            case fromWebhook = "from_webhook", fromBot = "from_bot"
        }

        init(fromWebhook: Bool?, fromBot: Bool?) {
            self.fromWebhook = fromWebhook
            self.fromBot = fromBot
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fromWebhook = Self.flag(c, .fromWebhook)
            fromBot = Self.flag(c, .fromBot)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if fromWebhook == true { try c.encode("true", forKey: .fromWebhook) }
            if fromBot == true { try c.encode("true", forKey: .fromBot) }
        }

        private static func flag(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> Bool? {
            if let text = try? c.decodeIfPresent(String.self, forKey: key) { return text == "true" }
            return try? c.decodeIfPresent(Bool.self, forKey: key)
        }
    }
}

/// A reaction as carried (JSON-encoded) in `reaction_added` / `reaction_removed`.
public struct MattermostReaction: Codable, Sendable, Hashable {
    public var userID: String
    public var postID: String
    public var emojiName: String
    public var createAt: Int64
    /// Present in recent servers; older ones only name the channel in the broadcast.
    public var channelID: String?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", postID = "post_id", emojiName = "emoji_name", createAt = "create_at", channelID = "channel_id"
    }

    public init(userID: String, postID: String, emojiName: String, createAt: Int64, channelID: String? = nil) {
        self.userID = userID
        self.postID = postID
        self.emojiName = emojiName
        self.createAt = createAt
        self.channelID = channelID
    }
}

/// `GET /channels/{id}/posts` → posts by id plus their order (newest first). `posts` may also hold the thread roots of
/// listed replies that are outside the range: only `order` is the answer. The cursor ids are empty for `since`; for
/// `after=`/`before=`, an empty `next_post_id` / `prev_post_id` means nothing newer / older is left.
public struct MattermostPostList: Codable, Sendable, Equatable {
    public var order: [String]
    public var posts: [String: MattermostPost]
    public var nextPostID: String
    public var prevPostID: String

    enum CodingKeys: String, CodingKey {
        case order, posts
        case nextPostID = "next_post_id", prevPostID = "prev_post_id"
    }

    public init(order: [String], posts: [String: MattermostPost], nextPostID: String = "", prevPostID: String = "") {
        self.order = order
        self.posts = posts
        self.nextPostID = nextPostID
        self.prevPostID = prevPostID
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        order = try c.decodeIfPresent([String].self, forKey: .order) ?? []
        posts = try c.decodeIfPresent([String: MattermostPost].self, forKey: .posts) ?? [:]
        nextPostID = try c.decodeIfPresent(String.self, forKey: .nextPostID) ?? ""
        prevPostID = try c.decodeIfPresent(String.self, forKey: .prevPostID) ?? ""
    }

    /// The listed posts (those in `order`), newest first as the server lists them.
    public var listed: [MattermostPost] { order.compactMap { posts[$0] } }
}
