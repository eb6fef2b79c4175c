/// The slash command's shared secret, compared in constant time so its value cannot be guessed byte by byte.
struct CommandToken: Sendable {
    private let expected: [UInt8]

    init(_ token: String) {
        expected = Array(token.utf8)
    }

    /// True only for exactly the configured token; takes the same time whatever prefix matches.
    func matches(_ candidate: String) -> Bool {
        let given = Array(candidate.utf8)
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in 0..<expected.count {
            let other = index < given.count ? given[index] : 0
            difference |= expected[index] ^ other
        }
        return difference == 0 && !expected.isEmpty
    }
}
