/// The platform message ids stored in one channel, under any incident, as a Bloom filter: capture asks for every
/// message whether it is stored (the exactly-once key), and a live message almost never is. "No" from the filter is
/// certain, since every id stored is added to it; "maybe" (a stored id, or about one in a hundred others) asks the
/// unique index. Ids are only ever added, so a filter that also holds ids whose transaction rolled back still answers
/// "no" only for ids that are not stored.
struct MessageFilter: Sendable {
    private var words: [UInt64]
    private let bitCount: UInt64
    /// Ids it was sized for: past this, false "maybe"s grow, and the cache builds a larger one from the file.
    let capacity: Int
    private(set) var count = 0

    private static let bitsPerID = 10
    private static let hashes = 7

    init(capacity: Int) {
        self.capacity = max(capacity, 1_024)
        bitCount = UInt64(self.capacity * Self.bitsPerID)
        words = [UInt64](repeating: 0, count: Int((bitCount + 63) / 64))
    }

    var isFull: Bool { count >= capacity }

    mutating func insert(_ id: String) {
        let (h1, h2) = Self.hash(id)
        for i in 0..<UInt64(Self.hashes) {
            let bit = (h1 &+ i &* h2) % bitCount
            words[Int(bit / 64)] |= 1 << (bit % 64)
        }
        count += 1
    }

    func mayContain(_ id: String) -> Bool {
        let (h1, h2) = Self.hash(id)
        for i in 0..<UInt64(Self.hashes) {
            let bit = (h1 &+ i &* h2) % bitCount
            if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
        }
        return true
    }

    /// Two hashes of the id's UTF-8 bytes (FNV-1a, then mixed), combined as `h1 + i·h2` for the filter's positions.
    private static func hash(_ id: String) -> (UInt64, UInt64) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var m = h ^ (h >> 33)
        m = m &* 0xff51_afd7_ed55_8ccd
        m ^= m >> 33
        return (h, m | 1)
    }
}
