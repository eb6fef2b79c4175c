import Foundation

/// JSON decoding for input from outside (socket frames, webhooks, API answers) that first refuses absurd nesting:
/// Foundation's scanner traps, taking the whole process down, on input nested a few hundred levels deep (found by the
/// Mattermost fuzz test). Real payloads nest a handful of levels.
public enum SafeJSON {
    /// Deeper than any payload Hindsight reads (Alertmanager's is 4, Mattermost's 3).
    public static let maximumDepth = 64

    /// Refused before parsing.
    public struct TooDeep: Error, CustomStringConvertible {
        public var description: String { "JSON nested deeper than \(SafeJSON.maximumDepth) levels" }
    }

    /// True when arrays and objects in `data` nest deeper than `limit` (brackets inside strings do not count).
    public static func tooDeep(_ data: Data, limit: Int = maximumDepth) -> Bool {
        // Over the raw bytes: Data's element iterator costs several times more per byte, on every frame.
        data.withUnsafeBytes { bytes in
            var depth = 0
            var inString = false
            var escaped = false
            for byte in bytes {
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    if depth > limit { return true }
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                default: break
                }
            }
            return false
        }
    }

    /// `JSONDecoder().decode`, after the nesting check.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if tooDeep(data) { throw TooDeep() }
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// `JSONSerialization.jsonObject`, after the nesting check.
    public static func object(from data: Data) throws -> Any {
        if tooDeep(data) { throw TooDeep() }
        return try JSONSerialization.jsonObject(with: data)
    }
}
