/// A forward-only reader over the bytes of one JSON document, for the few hot payloads whose fields are read by hand
/// rather than through `Codable` (a Socket Mode event frame: `JSONDecoder` cost more than the rest of capturing it).
///
/// It reads strictly: anything it is not sure of (a key with an escape, a number that is not a plain integer where one
/// is read, a lone surrogate, bytes after the document) throws `Unexpected`, and the caller decodes the document the
/// usual way instead. So it never accepts a document `JSONDecoder` would refuse, and where it answers, it answers the
/// same. Skipped values are checked against JSON's grammar as they are passed over.
public struct JSONReader {
    /// The document is not what the reader reads; decode it the usual way.
    public struct Unexpected: Error {
        public init() {}
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    /// A reader of `bytes`, which sit `depth` arrays or objects deep in the document they came from (a value
    /// `rawValue` handed over): the nesting limit counts from the document's top.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, depth: Int = 0) {
        self.bytes = bytes
        self.depth = depth
    }

    // MARK: Structure

    /// Reads an object: `body` gets each member's key (its raw bytes: keys with escapes are refused) and must read or
    /// skip its value.
    public mutating func members(_ body: (inout JSONReader, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try sequence(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { reader in
            guard try reader.next() == UInt8(ascii: "\"") else { throw Unexpected() }
            reader.position += 1
            let start = reader.position
            while reader.position < reader.bytes.count, reader.bytes[reader.position] != UInt8(ascii: "\"") {
                guard reader.bytes[reader.position] != UInt8(ascii: "\\"), reader.bytes[reader.position] >= 0x20 else { throw Unexpected() }
                reader.position += 1
            }
            guard reader.position < reader.bytes.count else { throw Unexpected() }
            let key = UnsafeBufferPointer(rebasing: reader.bytes[start..<reader.position])
            reader.position += 1
            try reader.expect(UInt8(ascii: ":"))
            try body(&reader, key)
        }
    }

    /// Reads an array: `body` must read or skip each element.
    public mutating func elements(_ body: (inout JSONReader) throws -> Void) throws {
        try sequence(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), body)
    }

    /// An object or an array: `open`, then items separated by commas (`each` reads one), then `close`.
    private mutating func sequence(open: UInt8, close: UInt8, _ each: (inout JSONReader) throws -> Void) throws {
        try expect(open)
        try nest()
        if try next() == close {
            position += 1
            depth -= 1
            return
        }
        while true {
            try each(&self)
            switch try next() {
            case UInt8(ascii: ","): position += 1
            case close:
                position += 1
                depth -= 1
                return
            default: throw Unexpected()
            }
        }
    }

    /// Consumes `null` and answers true, or leaves anything else for the caller and answers false.
    public mutating func null() throws -> Bool {
        guard try next() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Checks that nothing but whitespace follows the document.
    public mutating func end() throws {
        skipWhitespace()
        guard position == bytes.count else { throw Unexpected() }
    }

    // MARK: Values

    public mutating func string() throws -> String {
        try scanString(keeping: true) ?? ""  // never nil when keeping
    }

    /// A plain integer (`-?digits`, no fraction or exponent) that fits in an `Int`.
    public mutating func int() throws -> Int {
        _ = try next()
        let start = position
        try number()
        var value = 0
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        while index < position {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw Unexpected() }
            let digit = Int(byte - UInt8(ascii: "0"))
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { throw Unexpected() }
            value = sum
            index += 1
        }
        return value
    }

    public mutating func bool() throws -> Bool {
        switch try next() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw Unexpected()
        }
    }

    /// A string, or nil for `null` (what `decodeIfPresent` answers; a value of another type is refused).
    public mutating func optionalString() throws -> String? { try null() ? nil : string() }
    public mutating func optionalInt() throws -> Int? { try null() ? nil : int() }
    public mutating func optionalBool() throws -> Bool? { try null() ? nil : bool() }

    /// Passes over any value, checking it is well-formed JSON.
    public mutating func skip() throws {
        switch try next() {
        case UInt8(ascii: "{"): try members { reader, _ in try reader.skip() }
        case UInt8(ascii: "["): try elements { try $0.skip() }
        case UInt8(ascii: "\""): _ = try scanString(keeping: false)  // checked as `string` checks it, not built
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    /// The bytes of the next value, passed over (checked as `skip` checks them).
    public mutating func rawValue() throws -> UnsafeBufferPointer<UInt8> {
        _ = try next()
        let start = position
        try skip()
        return UnsafeBufferPointer(rebasing: bytes[start..<position])
    }

    // MARK: Bytes

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next byte that is not whitespace, not consumed.
    private mutating func next() throws -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw Unexpected() }
        return bytes[position]
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try next() == byte else { throw Unexpected() }
        position += 1
    }

    private mutating func nest() throws {
        depth += 1
        guard depth <= SafeJSON.maximumDepth else { throw Unexpected() }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw Unexpected() }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] { throw Unexpected() }
        position += count
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws {
        func digits() throws {
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") { position += 1 }
            guard position > start else { throw Unexpected() }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw Unexpected() }
        if bytes[position] == UInt8(ascii: "0") { position += 1 } else { try digits() }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            try digits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
    }

    /// Reads a string, checked as JSON requires (no control characters, known escapes, surrogates in pairs): its
    /// value when `keeping`, else nil. Bytes are copied only once an escape shows they must be.
    private mutating func scanString(keeping: Bool) throws -> String? {
        try expect(UInt8(ascii: "\""))
        let start = position
        var decoded: [UInt8]?
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                defer { position += 1 }
                guard keeping else { return nil }
                if let decoded { return String(decoding: decoded, as: UTF8.self) }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            case UInt8(ascii: "\\"):
                if keeping, decoded == nil { decoded = Array(bytes[start..<position]) }
                position += 1
                try escape(into: &decoded)
            case 0..<0x20:
                throw Unexpected()
            default:
                decoded?.append(byte)
                position += 1
            }
        }
        throw Unexpected()
    }

    /// Reads the escape after a backslash, appending what it stands for to `out` when there is one.
    private mutating func escape(into out: inout [UInt8]?) throws {
        guard position < bytes.count else { throw Unexpected() }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out?.append(escape)
        case UInt8(ascii: "b"): out?.append(0x08)
        case UInt8(ascii: "f"): out?.append(0x0C)
        case UInt8(ascii: "n"): out?.append(0x0A)
        case UInt8(ascii: "r"): out?.append(0x0D)
        case UInt8(ascii: "t"): out?.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else { throw Unexpected() }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw Unexpected() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw Unexpected()
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Unexpected() }
            out?.append(contentsOf: UTF8.encode(unicode)!)
        default: throw Unexpected()
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw Unexpected() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Unexpected()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes spell `name` (a JSON key as `JSONReader.members` hands it over).
    @inlinable
    public func spells(_ name: StaticString) -> Bool {
        guard count == name.utf8CodeUnitCount else { return false }
        for index in 0..<count where self[index] != name.utf8Start[index] { return false }
        return true
    }
}

/// One field of `Value` as it is read from a JSON object: its key, and how its value is read into it.
public struct JSONField<Value>: Sendable {
    public let name: StaticString
    /// A key that must be there (`Decodable`'s non-optional properties).
    public let required: Bool
    public let read: @Sendable (inout JSONReader, inout Value) throws -> Void

    @inlinable
    public init(_ name: StaticString, required: Bool = false, read: @escaping @Sendable (inout JSONReader, inout Value) throws -> Void) {
        self.name = name
        self.required = required
        self.read = read
    }

    /// An optional string: nil when absent or `null`.
    @inlinable
    public static func string(_ name: StaticString, _ field: WritableKeyPath<Value, String?> & Sendable) -> JSONField {
        JSONField(name) { reader, value in value[keyPath: field] = try reader.optionalString() }
    }

    @inlinable
    public static func int(_ name: StaticString, _ field: WritableKeyPath<Value, Int?> & Sendable) -> JSONField {
        JSONField(name) { reader, value in value[keyPath: field] = try reader.optionalInt() }
    }

    @inlinable
    public static func bool(_ name: StaticString, _ field: WritableKeyPath<Value, Bool?> & Sendable) -> JSONField {
        JSONField(name) { reader, value in value[keyPath: field] = try reader.optionalBool() }
    }
}

extension JSONReader {
    /// Reads an object into `value`, field by field: each key of `fields` by its reader, any other key skipped. A key
    /// twice, or a required one missing, refuses the object. At most 64 fields.
    @inlinable  // specialised where it is called: generic across the module boundary it cost twice as much
    public mutating func read<Value>(_ value: inout Value, _ fields: [JSONField<Value>]) throws {
        var seen = JSONFieldsSeen()
        try members { reader, key in
            guard let index = fields.firstIndex(where: { key.spells($0.name) }) else { return try reader.skip() }
            try seen.first(index)
            try fields[index].read(&reader, &value)
        }
        for (index, field) in fields.enumerated() where field.required && !seen.contains(index) { throw Unexpected() }
    }

    /// An object read into `empty` through `fields` (`read`), or nil for `null`.
    @inlinable
    public mutating func optional<Value>(_ empty: Value, _ fields: [JSONField<Value>]) throws -> Value? {
        guard try !null() else { return nil }
        var value = empty
        try read(&value, fields)
        return value
    }
}

/// The fields of one object read so far: a field named twice is refused (which of the two `JSONDecoder` keeps is not
/// the reader's to guess).
public struct JSONFieldsSeen {
    @usableFromInline var bits: UInt64 = 0

    public init() {}

    /// Marks field number `index` (below 64) as read; throws if it was already.
    @inlinable
    public mutating func first(_ index: Int) throws {
        let bit: UInt64 = 1 << UInt64(index)
        guard bits & bit == 0 else { throw JSONReader.Unexpected() }
        bits |= bit
    }

    @inlinable
    public func contains(_ index: Int) -> Bool { bits & (1 << UInt64(index)) != 0 }
}
