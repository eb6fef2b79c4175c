extension HTTPClient {
    /// An ordered list of HTTP header fields with case-insensitive lookup by name.
    ///
    /// Printing a `Headers` value shows only the names: values often carry tokens.
    public struct Headers: Sendable, Sequence, ExpressibleByDictionaryLiteral, Equatable {
        /// One header field as sent or received on the wire.
        public typealias Field = (name: String, value: String)

        private var fields: [Field]

        /// Creates headers from ordered name/value pairs; repeated names are kept.
        public init(_ fields: [(String, String)] = []) {
            self.fields = fields.map { (name: $0.0, value: $0.1) }
        }

        /// Creates headers from a literal, keeping the literal's order.
        public init(dictionaryLiteral elements: (String, String)...) {
            self.init(elements)
        }

        /// The first value for `name` (case-insensitive); setting replaces every field with that name.
        public subscript(name: String) -> String? {
            get { fields.first { Self.matches($0.name, name) }?.value }
            set {
                guard let newValue else {
                    remove(name)
                    return
                }
                if let index = fields.firstIndex(where: { Self.matches($0.name, name) }) {
                    fields[index].value = newValue
                    fields.removeAll(where: { Self.matches($0.name, name) }, after: index)
                } else {
                    fields.append((name: name, value: newValue))
                }
            }
        }

        /// Every value for `name` (case-insensitive), in wire order.
        public func values(for name: String) -> [String] {
            fields.filter { Self.matches($0.name, name) }.map(\.value)
        }

        /// Whether a field named `name` (case-insensitive) is present.
        public func contains(_ name: String) -> Bool {
            fields.contains { Self.matches($0.name, name) }
        }

        /// Appends a field, keeping any existing fields with the same name.
        public mutating func add(name: String, value: String) {
            fields.append((name: name, value: value))
        }

        /// Removes every field named `name` (case-insensitive).
        public mutating func remove(_ name: String) {
            fields.removeAll { Self.matches($0.name, name) }
        }

        /// The number of fields, counting repeated names separately.
        public var count: Int { fields.count }

        /// Iterates the fields in wire order.
        public func makeIterator() -> IndexingIterator<[Field]> {
            fields.makeIterator()
        }

        /// Two header lists are equal when they hold the same fields in the same order (names compared case-insensitively).
        public static func == (lhs: Headers, rhs: Headers) -> Bool {
            lhs.fields.count == rhs.fields.count
                && zip(lhs.fields, rhs.fields).allSatisfy { matches($0.name, $1.name) && $0.value == $1.value }
        }

        /// Continues the last field's value (an obsolete folded header line).
        mutating func appendToLastValue(_ continuation: String) {
            guard !fields.isEmpty else { return }
            fields[fields.count - 1].value += continuation
        }

        static func matches(_ lhs: String, _ rhs: String) -> Bool {
            lhs.utf8.count == rhs.utf8.count && lhs.lowercased() == rhs.lowercased()
        }
    }
}

extension HTTPClient.Headers: CustomStringConvertible, CustomDebugStringConvertible {
    /// The field names only, so headers can be logged or printed without leaking credentials.
    public var description: String {
        "Headers(\(fields.map(\.name).joined(separator: ", ")))"
    }

    /// Same as `description`: values are never printed.
    public var debugDescription: String { description }
}

extension Array {
    fileprivate mutating func removeAll(where predicate: (Element) -> Bool, after index: Int) {
        var kept = Array(self[...index])
        kept.append(contentsOf: self[(index + 1)...].filter { !predicate($0) })
        self = kept
    }
}
