import Foundation

/// How the learned key-event model is used, from `key_event_model:` in `Prompts/classifier.yaml`.
public struct KeyEventModelSettings: Decodable, Equatable, Sendable {
    /// The Prompts file holding the weights (`hindsight eval --train-key-events` writes it).
    public var weights: String
    /// A message no rule makes key is key at or above this score: it reads like the rows of published timelines.
    public var markAt: Double
    /// A message a key-event rule makes key is not key below this score (a milestone suggestion always is).
    public var vetoBelow: Double
    /// The rhythm of the room, added to the words' score: this weight times ln(1 + minutes of quiet before the
    /// message), and `gapAfter` times ln(1 + minutes until the next message), each gap counted up to `gapCapMinutes`.
    /// The news that sets a room talking comes after a lull and is answered at once.
    public var gapBefore: Double
    public var gapAfter: Double
    public var gapCapMinutes: Double

    public init(weights: String, markAt: Double, vetoBelow: Double, gapBefore: Double = 0, gapAfter: Double = 0, gapCapMinutes: Double = 30) {
        self.weights = weights
        self.markAt = markAt
        self.vetoBelow = vetoBelow
        self.gapBefore = gapBefore
        self.gapAfter = gapAfter
        self.gapCapMinutes = gapCapMinutes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            weights: try c.decode(String.self, forKey: .weights), markAt: try c.decode(Double.self, forKey: .markAt),
            vetoBelow: try c.decode(Double.self, forKey: .vetoBelow), gapBefore: try c.decodeIfPresent(Double.self, forKey: .gapBefore) ?? 0,
            gapAfter: try c.decodeIfPresent(Double.self, forKey: .gapAfter) ?? 0,
            gapCapMinutes: try c.decodeIfPresent(Double.self, forKey: .gapCapMinutes) ?? 30)
    }

    enum CodingKeys: String, CodingKey {
        case weights, markAt = "mark_at", vetoBelow = "veto_below", gapBefore = "gap_before", gapAfter = "gap_after"
        case gapCapMinutes = "gap_cap_minutes"
    }

    /// Whether the score depends on the gaps around a message, so a message is scored again when the next one comes.
    public var readsRhythm: Bool { gapBefore != 0 || gapAfter != 0 }

    /// What the gaps around a message add to its score. No message before it (`before` is `nil`) is as quiet as the
    /// cap; a message nobody has answered yet (`after` is `nil`) is scored as if answered at once, and settles when the
    /// next one comes (`KeyEventModel.settle`).
    public func rhythm(before: TimeInterval?, after: TimeInterval?) -> Double {
        func scale(_ gap: TimeInterval) -> Double { log1p(min(max(gap, 0) / 60, gapCapMinutes)) }
        return gapBefore * scale(before ?? .infinity) + gapAfter * scale(after ?? 0)
    }
}

/// The words of a chat message as the key-event model reads them: each word (`u:`), each pair of neighbouring words
/// (`b:`), the first two words (`s:`), and what kind of message it is: from an integration (`BOT`), a thread reply
/// (`REPLY`), with a figure (`NUM`), a question (`Q`), and its length in words on a log scale (`len:`). Words are runs
/// of ASCII letters, digits and apostrophes, lower-cased; `[ ] # % ! ? :` are words of their own, so "[FIRING:12]"
/// reads as `[`, `firing`, `:`, `12`, `]`.
public enum KeyEventFeatures {
    /// The features by name, for training and for the weights file.
    public static func names(of text: String, fromIntegration: Bool, isReply: Bool) -> [String] {
        var names = Set<String>()
        var text = text
        text.withUTF8 { bytes in
            visit(bytes, fromIntegration: fromIntegration, isReply: isReply) { prefix, first, second in
                var name = prefix.description
                if let first { name += lowered(bytes, first) }
                if let second { name += "_" + lowered(bytes, second) }
                names.insert(name)
            }
        }
        return names.sorted()
    }

    /// Calls `body` with the hash of each feature, each once, in no particular order; nothing is allocated but buffers
    /// on the stack.
    static func withHashes<R>(of text: String, fromIntegration: Bool, isReply: Bool, _ body: (UnsafeBufferPointer<UInt64>) -> R) -> R {
        var text = text
        return text.withUTF8 { bytes in
            // At most one word per byte, so at most 3 features per byte (word, pair, start) and 5 of the message.
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * bytes.count + 8) { hashes in
                var count = 0
                visit(bytes, fromIntegration: fromIntegration, isReply: isReply) { prefix, first, second in
                    var hash = FNV.add(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount), to: FNV.offset)
                    if let first { hash = FNV.add(UnsafeBufferPointer(rebasing: bytes[first]), to: hash) }
                    if let second {
                        hash = FNV.add(UInt8(ascii: "_"), to: hash)
                        hash = FNV.add(UnsafeBufferPointer(rebasing: bytes[second]), to: hash)
                    }
                    hashes[count] = hash
                    count += 1
                }
                // Each once, moved to the front: a set open-addressed on the stack, at most half full (0 marks an
                // empty slot).
                var bits = 4
                while 1 << bits < 2 * count { bits += 1 }
                let unique = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 1 << bits) { seen in
                    seen.initialize(repeating: 0)
                    var sawZero = false
                    var unique = 0
                    for index in 0..<count {
                        let hash = hashes[index]
                        if hash == 0 {
                            guard !sawZero else { continue }
                            sawZero = true
                        } else {
                            var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
                            while seen[slot] != 0 && seen[slot] != hash { slot = (slot + 1) & (seen.count - 1) }
                            guard seen[slot] == 0 else { continue }
                            seen[slot] = hash
                        }
                        hashes[unique] = hash
                        unique += 1
                    }
                    return unique
                }
                return body(UnsafeBufferPointer(rebasing: hashes[0..<unique]))
            }
        }
    }

    /// The hash of a feature's name, as `withHashes` computes it from the parts.
    static func hash(ofName name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { FNV.add($0, to: FNV.offset) }
    }

    private static func lowered(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: bytes[range].map(FNV.lowered), as: UTF8.self)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "'"): true
        default: false
        }
    }

    private static let lengths: [StaticString] = ["len:0", "len:1", "len:2", "len:3", "len:4", "len:5"]

    /// Calls `emit` with each feature as a name prefix and up to two words of `bytes` (a pair is joined by `_`); a
    /// feature may come more than once.
    private static func visit(
        _ bytes: UnsafeBufferPointer<UInt8>, fromIntegration: Bool, isReply: Bool,
        _ emit: (_ prefix: StaticString, _ first: Range<Int>?, _ second: Range<Int>?) -> Void
    ) {
        var hasDigit = false, hasQuestion = false
        withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: bytes.count + 1) { tokens in
            var count = 0
            var start: Int?
            for index in bytes.indices {
                let byte = bytes[index]
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { hasDigit = true }
                if isWordByte(byte) {
                    if start == nil { start = index }
                    continue
                }
                if let begun = start {
                    tokens[count] = begun..<index
                    count += 1
                    start = nil
                }
                switch byte {
                case UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "!"), UInt8(ascii: ":"):
                    if byte == UInt8(ascii: "?") { hasQuestion = true }
                    tokens[count] = index..<index + 1
                    count += 1
                default:
                    break
                }
            }
            if let begun = start {
                tokens[count] = begun..<bytes.count
                count += 1
            }
            for index in 0..<count {
                emit("u:", tokens[index], nil)
                if index > 0 { emit("b:", tokens[index - 1], tokens[index]) }
                if index < 2 { emit("s:", tokens[index], nil) }
            }
            var length = 0
            while length < 5, (count + 1) >> (length + 1) > 0 { length += 1 }  // ⌊log2(words + 1)⌋, at most 5
            emit(lengths[length], nil, nil)
        }
        if fromIntegration { emit("BOT", nil, nil) }
        if isReply { emit("REPLY", nil, nil) }
        if hasDigit { emit("NUM", nil, nil) }
        if hasQuestion { emit("Q", nil, nil) }
    }
}

/// A learned second opinion on key events (a `LinearModel` over `KeyEventFeatures`, trained on the published timelines
/// of the `dev` war rooms by `hindsight eval --train-key-events`): it marks the messages that read like the rows of
/// published timelines but pass no rule, and unmarks the ones a rule marks that read nothing like them. Scoring a
/// message is one pass over its bytes and a lookup per feature hash.
public struct KeyEventModel: Equatable, Sendable {
    public var settings: KeyEventModelSettings
    private let bias: Double
    private let weights: HashedWeights

    public init(_ model: LinearModel, settings: KeyEventModelSettings) {
        self.settings = settings
        bias = model.bias
        var weights: [UInt64: Double] = [:]
        weights.reserveCapacity(model.weights.count)
        for (name, weight) in model.weights { weights[KeyEventFeatures.hash(ofName: name), default: 0] += weight }
        self.weights = HashedWeights(weights)
    }

    public func score(_ text: String, fromIntegration: Bool, isReply: Bool) -> Double {
        bias + KeyEventFeatures.withHashes(of: text, fromIntegration: fromIntegration, isReply: isReply) { weights.sum($0) }
    }

    /// The key reasons once the model has had its say: a message with no reason but a high score gets `learned`, one
    /// whose only reasons are the rules' (no milestone suggestion) loses them on a low score. `score` is the words'
    /// score plus the rhythm's (`KeyEventModelSettings.rhythm`).
    public func adjust(_ reasons: Set<KeyReason>, score: Double) -> Set<KeyReason> {
        if reasons.isEmpty { return score >= settings.markAt ? [.learned] : [] }
        if score < settings.vetoBelow, !reasons.contains(.candidate) { return [] }
        return reasons
    }

    /// The reasons of a message the model let through, once the next message has come and its score is final (it
    /// can only have gone down): `learned` goes below `markAt`, the rules' reasons below `vetoBelow` unless a
    /// milestone was suggested there; whatever responders gave it since stays.
    public func settle(_ reasons: Set<KeyReason>, score: Double) -> Set<KeyReason> {
        var settled = reasons
        if score < settings.markAt { settled.remove(.learned) }
        if score < settings.vetoBelow, !reasons.contains(.candidate) { settled.subtract(KeyReason.fromRules) }
        return settled
    }
}

/// Weights by feature hash in an open-addressed table (linear probing, at most 70% full): a lookup is a multiply, a
/// shift and a probe or a few neighbours in the same cache line, where a `Dictionary` would hash the hash again. Each
/// slot is 8 bytes, the upper half of the hash and the weight as a `Float`, side by side: capture scores a message
/// between database writes that push the table out of the cache, and each lookup then costs one miss, not two. Two
/// features whose hashes share their upper 32 bits and their slot would share a weight, which for thousands of
/// features in 2^32 is a chance in about a million per message.
struct HashedWeights: Equatable, Sendable {
    private struct Slot: Equatable, Sendable {
        /// 0 marks an empty slot; a feature whose fingerprint is 0 is stored and looked up as 1.
        var key: UInt32 = 0
        var weight: Float = 0
    }

    private let slots: [Slot]
    private let shift: UInt64
    /// About half the features of a message have no weight: for most of them this says so from 8 KB rather than the
    /// table's 64.
    private let filter: HashFilter

    init(_ weights: [UInt64: Double]) {
        var bits = 4
        while Double(1 << bits) * 0.7 < Double(weights.count) { bits += 1 }
        shift = UInt64(64 - bits)
        var slots = [Slot](repeating: Slot(), count: 1 << bits)
        for (hash, weight) in weights {
            let key = Self.fingerprint(hash)
            var slot = Self.slot(hash, shift)
            while slots[slot].key != 0 && slots[slot].key != key { slot = (slot + 1) & (slots.count - 1) }
            slots[slot].key = key
            slots[slot].weight += Float(weight)
        }
        self.slots = slots
        filter = HashFilter(weights.keys, bitsPerKey: 8)
    }

    subscript(hash: UInt64) -> Double {
        let slot = Self.slot(hash, shift)
        return lookUp(hash, from: slot, first: slots[slot])
    }

    /// The sum of the weights of `hashes`. Their first slots are read first, with no branch between the loads, so
    /// the cache misses of a table pushed out since the last message overlap rather than come one after another;
    /// features the filter knows are absent are not looked up.
    func sum(_ hashes: UnsafeBufferPointer<UInt64>) -> Double {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: hashes.count) { passed in
            // The features the filter lets through (about half of a message's), then their first slots read ahead.
            var count = 0
            for hash in hashes where filter.mayContain(hash) {
                passed[count] = hash
                count += 1
            }
            return withUnsafeTemporaryAllocation(of: Slot.self, capacity: count) { first in
                for index in 0..<count { first.initializeElement(at: index, to: slots[Self.slot(passed[index], shift)]) }
                var total = 0.0
                for index in 0..<count { total += lookUp(passed[index], from: Self.slot(passed[index], shift), first: first[index]) }
                return total
            }
        }
    }

    /// The weight of `hash`, whose first slot `from` holds `first`.
    private func lookUp(_ hash: UInt64, from start: Int, first: Slot) -> Double {
        let key = Self.fingerprint(hash)
        var found = first, slot = start
        while true {
            if found.key == key { return Double(found.weight) }
            if found.key == 0 { return 0 }
            slot = (slot + 1) & (slots.count - 1)
            found = slots[slot]
        }
    }

    private static func fingerprint(_ hash: UInt64) -> UInt32 { max(UInt32(truncatingIfNeeded: hash >> 32), 1) }

    private static func slot(_ hash: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift) }
}
