/// A shared secret compared in constant time (slash-command tokens, webhook bearer tokens), so the time an answer
/// takes says nothing about how much of a guess was right.
public struct SharedSecret: Sendable {
    private let expected: [UInt8]

    public init(_ secret: String) {
        expected = Array(secret.utf8)
    }

    /// True only for exactly the configured secret (never for an empty one).
    public func matches(_ candidate: String) -> Bool {
        Self.equal(Array(candidate.utf8), expected) && !expected.isEmpty
    }

    /// Constant-time equality of two byte strings (the time depends only on the expected length).
    public static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in 0..<expected.count {
            let other = index < given.count ? given[index] : 0
            difference |= expected[index] ^ other
        }
        return difference == 0
    }
}
