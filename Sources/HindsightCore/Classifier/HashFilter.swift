/// A bit per key of a hash table, set from the key's 64-bit hash (by other bits of it than the table's slot): a clear
/// bit says the key is absent. Capture looks up most of a message's words and features in tables they are not in, and
/// the filter answers for them from a few kilobytes instead of the table behind it, which the database work between
/// messages pushes out of the cache. No false negatives; about 1 / `bitsPerKey` false positives.
struct HashFilter: Equatable, Sendable {
    private let words: [UInt64]
    private let shift: UInt64

    init(_ keys: some Collection<UInt64>, bitsPerKey: Int) {
        var bits = 6
        while 1 << bits < bitsPerKey * keys.count { bits += 1 }
        shift = UInt64(64 - bits)
        var words = [UInt64](repeating: 0, count: 1 << (bits - 6))
        for key in keys {
            let bit = Self.bit(key, shift)
            words[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.words = words
    }

    @inline(__always) func mayContain(_ key: UInt64) -> Bool {
        let bit = Self.bit(key, shift)
        return words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    private static func bit(_ hash: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: (hash &* 0xC2B2_AE3D_27D4_EB4F) >> shift) }
}
