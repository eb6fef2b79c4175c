/// The phrases of `Prompts/classifier.yaml` as capture looks them up for every word of every message.
///
/// Each phrase is found by its first word, in one of three flat tables keyed by the FNV-1a hash the scanner already
/// computed: whole words, prefixes (`restor*`) and endings (`*ing`). A lookup is a multiply and an array read, where a
/// `Dictionary` hashed the hash again; a word is probed at each prefix length the phrases use, its hash grown byte by
/// byte rather than computed again for each length. The phrases sit in one array and their words in another, both in
/// the order of their first words, so checking every phrase that starts with a common word ("we", "is") reads a few
/// neighbouring cache lines and retains nothing.
struct PhraseIndex: Sendable {
    struct Word: Sendable {
        var hash: UInt64
        /// 0 for a whole word; the prefix length in bytes for `prefix*`.
        var prefix: Int
        /// 0 unless written `*ending`: the ending's length in bytes. It matches words at least two bytes longer than it.
        var suffix = 0
    }

    /// A word of a message as the scanner gives it: where its lower-cased bytes are and their hash.
    struct Token {
        var start: Int
        var length: Int
        var hash: UInt64
        /// Starts with a letter or digit (not one of the punctuation words).
        var isWord: Bool
        /// The first word of the message or of a sentence in it (after `.`, `!`, `?` or `;` and a space, or a new
        /// line), for phrases written `^…`.
        var startsSentence = false
        /// Which sentence of the message the word is in (0, 1, …).
        var clause = 0
        /// The sentence ends with `?` right after this word.
        var endsQuestion = false
    }

    private struct Entry: Sendable {
        /// The phrase's position in the list it was built from.
        var id: Int
        var feature: Int
        var words: Range<Int>
        var anchored: Bool
    }

    /// Grouped by first word; `features` by id.
    private let entries: [Entry]
    private let words: [Word]
    private let features: [Int]
    /// Each phrase's number of words, by id.
    private let lengths: [Int]
    private let byWord: FirstWordTable
    private let byPrefix: FirstWordTable
    private let byEnding: FirstWordTable
    /// The prefix and ending lengths the phrases use, shortest first.
    private let prefixLengths: [Int]
    private let endingLengths: [Int]

    /// `phrases` in order, each a feature index, its words and whether it is anchored at a sentence start; a phrase's
    /// position in this list is its id in `match`.
    init(_ phrases: [(feature: Int, words: [Word], anchored: Bool)]) {
        var byWord: [UInt64: [Int]] = [:], byPrefix: [UInt64: [Int]] = [:], byEnding: [UInt64: [Int]] = [:]
        var prefixLengths = Set<Int>(), endingLengths = Set<Int>()
        for (id, phrase) in phrases.enumerated() {
            guard let first = phrase.words.first else { continue }
            if first.suffix > 0 {
                byEnding[first.hash, default: []].append(id)
                endingLengths.insert(first.suffix)
            } else if first.prefix > 0 {
                byPrefix[first.hash, default: []].append(id)
                prefixLengths.insert(first.prefix)
            } else {
                byWord[first.hash, default: []].append(id)
            }
        }
        var entries: [Entry] = []
        var words: [Word] = []
        // Each group's phrases side by side, and the table's slot holding where they are.
        func laidOut(_ groups: [UInt64: [Int]]) -> FirstWordTable {
            var ranges: [UInt64: Range<Int32>] = [:]
            for (key, ids) in groups.sorted(by: { $0.key < $1.key }) {
                let start = Int32(entries.count)
                for id in ids {
                    entries.append(Entry(id: id, feature: phrases[id].feature, words: words.count..<words.count + phrases[id].words.count, anchored: phrases[id].anchored))
                    words += phrases[id].words
                }
                ranges[key] = start..<Int32(entries.count)
            }
            return FirstWordTable(ranges)
        }
        self.byWord = laidOut(byWord)
        self.byPrefix = laidOut(byPrefix)
        self.byEnding = laidOut(byEnding)
        self.entries = entries
        self.words = words
        features = phrases.map(\.feature)
        lengths = phrases.map(\.words.count)
        self.prefixLengths = prefixLengths.sorted()
        self.endingLengths = endingLengths.sorted()
    }

    func feature(of phrase: Int) -> Int { features[phrase] }

    func length(of phrase: Int) -> Int { lengths[phrase] }

    /// Calls `found` with every phrase that occurs in the tokens (a phrase may be reported more than once), in no
    /// particular order.
    func match(_ lowered: UnsafeBufferPointer<UInt8>, _ tokens: UnsafeBufferPointer<Token>, found: (_ phrase: Int, _ position: Int) -> Void) {
        func wordMatches(_ word: Word, _ token: Token) -> Bool {
            if word.suffix > 0 {
                guard token.isWord, token.length >= word.suffix + 2 else { return false }
                return FNV.hash(lowered, token.start + token.length - word.suffix, word.suffix) == word.hash
            }
            if word.prefix == 0 { return token.hash == word.hash }
            guard token.length >= word.prefix else { return false }
            return FNV.hash(lowered, token.start, word.prefix) == word.hash
        }
        func check(_ index: Int, at position: Int) {
            let entry = entries[index]
            guard position + entry.words.count <= tokens.count, !entry.anchored || tokens[position].startsSentence else { return }
            for offset in 1..<max(entry.words.count, 1) where !wordMatches(words[entry.words.lowerBound + offset], tokens[position + offset]) { return }
            found(entry.id, position)
        }
        for position in tokens.indices {
            let token = tokens[position]
            byWord.forEach(token.hash) { check($0, at: position) }
            if let shortest = prefixLengths.first, token.length >= shortest {
                var hash = FNV.offset
                var length = 0
                for prefix in prefixLengths {
                    guard prefix <= token.length else { break }
                    while length < prefix {
                        hash = FNV.add(lowered[token.start + length], to: hash)
                        length += 1
                    }
                    byPrefix.forEach(hash) { check($0, at: position) }
                }
            }
            guard token.isWord else { continue }
            for ending in endingLengths where token.length >= ending + 2 {
                byEnding.forEach(FNV.hash(lowered, token.start + token.length - ending, ending)) { check($0, at: position) }
            }
        }
    }
}

/// Where the phrases of a first word are (a range of `PhraseIndex.entries`), by the full 64-bit hash of the word,
/// open-addressed in one array at most half full, behind a `HashFilter` of 16 bits a word: most words of a message
/// start no phrase, and for them the answer is one bit of a couple of kilobytes.
private struct FirstWordTable: Sendable {
    private struct Slot: Sendable {
        var key: UInt64 = 0
        /// Empty for an empty slot.
        var entries: Range<Int32> = 0..<0
    }

    private let slots: [Slot]
    private let shift: UInt64
    private let filter: HashFilter

    init(_ groups: [UInt64: Range<Int32>]) {
        var bits = 3
        while 1 << bits < 2 * groups.count { bits += 1 }
        shift = UInt64(64 - bits)
        var slots = [Slot](repeating: Slot(), count: 1 << bits)
        for (key, entries) in groups where !entries.isEmpty {
            var slot = Self.slot(key, shift)
            while !slots[slot].entries.isEmpty { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = Slot(key: key, entries: entries)
        }
        self.slots = slots
        filter = HashFilter(groups.keys, bitsPerKey: 16)
    }

    @inline(__always) func forEach(_ key: UInt64, _ body: (Int) -> Void) {
        guard filter.mayContain(key) else { return }
        var slot = Self.slot(key, shift)
        while true {
            let found = slots[slot]
            if found.entries.isEmpty { return }
            if found.key == key {
                for index in found.entries { body(Int(index)) }
                return
            }
            slot = (slot + 1) & (slots.count - 1)
        }
    }

    private static func slot(_ hash: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift) }
}
