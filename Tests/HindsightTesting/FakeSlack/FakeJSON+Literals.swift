import Foundation

// Literal syntax and typed accessors for `FakeJSON`, so the fakes can write wire shapes the way the protocol
// documents print them (`["type": "message", "ts": .string(ts)]`) and read tolerant client input.

extension FakeJSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: FakeJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, FakeJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension FakeJSON {
    /// A number from an `Int`.
    public static func int(_ value: Int) -> FakeJSON { .number(Double(value)) }

    /// `.string(value)`, or `.null` when `value` is nil.
    public static func optional(_ value: String?) -> FakeJSON { value.map(FakeJSON.string) ?? .null }

    /// The members, if this is an object.
    public var object: [String: FakeJSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, if this is an array.
    public var array: [FakeJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The boolean value; also accepts the strings and numbers form-encoded clients send (`"true"`, `"1"`).
    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .string(let s):
            switch s.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The integer value of a number, or of a string holding one (form-encoded arguments are strings).
    public var int: Int? {
        switch self {
        case .number(let n): return n.isFinite && n.rounded() == n && abs(n) < 1e15 ? Int(n) : nil
        case .string(let s): return Int(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// The element at `index` of an array.
    public subscript(index: Int) -> FakeJSON? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }

    /// A JSON-valued argument: form-encoded clients send arrays and objects (`blocks`, `view`, `files`) as JSON text.
    var decodingEmbeddedJSON: FakeJSON {
        guard case .string(let text) = self else { return self }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("[") || trimmed.hasPrefix("{") else { return self }
        return FakeJSON.parse(Data(trimmed.utf8)) ?? self
    }

    /// This object with `key` set to `value` (`.null` values are kept); non-objects are returned unchanged.
    func setting(_ key: String, _ value: FakeJSON) -> FakeJSON {
        guard case .object(var o) = self else { return self }
        o[key] = value
        return .object(o)
    }

    /// This object with the members of `other` added or replaced.
    func merging(_ other: [String: FakeJSON]) -> FakeJSON {
        guard case .object(var o) = self else { return self }
        o.merge(other) { _, new in new }
        return .object(o)
    }
}
