/// 64-bit FNV-1a over bytes with ASCII letters lower-cased, the one hash the classifier's words and the learned model's
/// features share: the same whether the bytes were lowered first (the scanner's words) or a name is hashed whole or in
/// parts (`KeyEventFeatures.hash(ofName:)`).
enum FNV {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    @inline(__always) static func add(_ byte: UInt8, to hash: UInt64) -> UInt64 { (hash ^ UInt64(lowered(byte))) &* prime }

    static func add(_ bytes: some Collection<UInt8>, to hash: UInt64) -> UInt64 {
        var hash = hash
        for byte in bytes { hash = add(byte, to: hash) }
        return hash
    }

    /// The hash of `bytes`.
    static func hash(_ bytes: some Collection<UInt8>) -> UInt64 { add(bytes, to: offset) }

    /// The hash of `length` bytes from `start`.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> UInt64 {
        add(UnsafeBufferPointer(rebasing: bytes[start..<(start + length)]), to: offset)
    }
}
