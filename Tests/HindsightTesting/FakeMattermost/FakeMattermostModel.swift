import Foundation

/// A post as the fake stores it; encodes with Mattermost's field names.
public struct FakeMattermostPost: Codable, Sendable, Equatable {
    public var id: String
    public var create_at: Int64
    public var update_at: Int64
    public var edit_at: Int64 = 0
    public var delete_at: Int64 = 0
    public var user_id: String
    public var channel_id: String
    public var root_id: String = ""
    public var message: String
    public var type: String = ""
    public var props: FakeJSON = .object([:])
    public var hashtags: String = ""
    public var file_ids: [String]?
}

/// A user as `GET /users/{id}` returns it.
public struct FakeMattermostUser: Codable, Sendable, Equatable {
    public var id: String
    public var username: String
    public var first_name: String = ""
    public var last_name: String = ""
    public var nickname: String = ""
    public var is_bot: Bool = false

    public init(id: String, username: String, firstName: String = "", lastName: String = "", isBot: Bool = false) {
        self.id = id
        self.username = username
        first_name = firstName
        last_name = lastName
        is_bot = isBot
    }
}

/// Any JSON value, so the fake can keep props, dialogs and requests exactly as sent.
public indirect enum FakeJSON: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([FakeJSON]), object([String: FakeJSON])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([FakeJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: FakeJSON].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): if n.rounded() == n, abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> FakeJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The string value, if this is a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [FakeJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Decodes JSON text.
    public static func parse(_ data: Data) -> FakeJSON? { try? JSONDecoder().decode(FakeJSON.self, from: data) }

    /// Encodes to JSON text (`FakeJSON+Text.swift`), as `JSONEncoder` would but without its reflection, so the fakes'
    /// load paths are not what a benchmark measures.
    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Mattermost-style 26-character lowercase ids.
public enum FakeMattermostID {
    /// A fresh random id.
    public static func make() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<26).map { _ in alphabet.randomElement()! })
    }
}
