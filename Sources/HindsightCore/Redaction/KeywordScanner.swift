/// Finds which patterns' keywords occur in a text in one pass over its UTF-8 bytes (an Aho–Corasick automaton over
/// ASCII-folded bytes), so that a message mentioning none of them runs no regular expression at all.
struct KeywordScanner: Sendable {
    private struct Keyword: Sendable {
        let pattern: Int
        /// The keyword as written, checked byte for byte after a folded match when the pattern is case-sensitive.
        let exact: [UInt8]?
        let length: Int
        /// It counts only where no ASCII letter or digit comes before it (see `RedactionPattern.wordStartKeywords`).
        let wordStart: Bool
    }

    /// Folded byte → column in `next`; 0 for bytes in no keyword (every state goes back to the root on those).
    private let column: [UInt8]
    private let columns: Int
    /// The complete transition table: `next[state * columns + column]`.
    private let next: [Int32]
    /// Keywords ending at each state (through failure links as well).
    private let output: [[Int32]]
    /// Whether `output[state]` is non-empty, flat so the per-byte loop touches no nested array.
    private let accepting: [Bool]
    private let keywords: [Keyword]
    private let patternCount: Int

    /// `keywords[i]` are the keywords of pattern `i`; `caseSensitive[i]` whether they must match exactly; those in
    /// `wordStart[i]` count only at the start of a word part.
    init(keywords patternKeywords: [[String]], caseSensitive: [Bool], wordStart: [Set<String>] = []) {
        patternCount = patternKeywords.count
        var keywords: [Keyword] = []
        var folded: [[UInt8]] = []
        for (pattern, words) in patternKeywords.enumerated() {
            for word in words where !word.isEmpty {
                let bytes = Array(word.utf8)
                keywords.append(Keyword(pattern: pattern, exact: caseSensitive[pattern] ? bytes : nil, length: bytes.count,
                                        wordStart: pattern < wordStart.count && wordStart[pattern].contains(word)))
                folded.append(bytes.map(Self.fold))
            }
        }
        self.keywords = keywords

        var column = [UInt8](repeating: 0, count: 256)
        var columns = 1
        for byte in Set(folded.joined()).sorted() {
            column[Int(byte)] = UInt8(columns)
            columns += 1
        }
        self.column = column
        self.columns = columns

        // The trie, then failure links breadth-first, filling in every missing transition.
        var next = [Int32](repeating: -1, count: columns)
        var output: [[Int32]] = [[]]
        for (index, word) in folded.enumerated() {
            var state = 0
            for byte in word {
                let slot = state * columns + Int(column[Int(byte)])
                if next[slot] < 0 {
                    next[slot] = Int32(output.count)
                    output.append([])
                    next.append(contentsOf: repeatElement(-1, count: columns))
                }
                state = Int(next[slot])
            }
            output[state].append(Int32(index))
        }
        var fail = [Int](repeating: 0, count: output.count)
        var queue: [Int] = []
        for c in 0..<columns {
            if next[c] < 0 { next[c] = 0 } else { queue.append(Int(next[c])) }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            output[state].append(contentsOf: output[fail[state]])
            for c in 0..<columns {
                let slot = state * columns + c
                let fallback = next[fail[state] * columns + c]
                if next[slot] < 0 {
                    next[slot] = fallback
                } else {
                    let child = Int(next[slot])
                    fail[child] = Int(fallback)
                    queue.append(child)
                }
            }
        }
        self.next = next
        self.output = output
        accepting = output.map { !$0.isEmpty }
    }

    /// Whether any keyword of pattern `i` occurs in `text`, for every `i`; nil when none does (the common case).
    func candidates(in text: String) -> [Bool]? {
        if let found = text.utf8.withContiguousStorageIfAvailable({ scan($0) }) { return found }
        return Array(text.utf8).withUnsafeBufferPointer { scan($0) }
    }

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [Bool]? {
        column.withUnsafeBufferPointer { column in
            next.withUnsafeBufferPointer { next in
                accepting.withUnsafeBufferPointer { accepting in
                    scan(bytes, column: column, next: next, accepting: accepting)
                }
            }
        }
    }

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, column: UnsafeBufferPointer<UInt8>, next: UnsafeBufferPointer<Int32>,
                      accepting: UnsafeBufferPointer<Bool>) -> [Bool]? {
        var hits: [Bool]?
        var state = 0
        for index in 0..<bytes.count {
            state = Int(next[state * columns + Int(column[Int(Self.fold(bytes[index]))])])
            guard accepting[state] else { continue }
            for k in output[state] {
                let keyword = keywords[Int(k)]
                let start = index + 1 - keyword.length
                if let exact = keyword.exact {
                    guard start >= 0, (0..<exact.count).allSatisfy({ bytes[start + $0] == exact[$0] }) else { continue }
                }
                if keyword.wordStart, start > 0, Self.isLetterOrDigit(bytes[start - 1]) { continue }
                if hits == nil { hits = [Bool](repeating: false, count: patternCount) }
                hits![keyword.pattern] = true
            }
        }
        return hits
    }

    @inline(__always)
    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        Self.fold(byte) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10
    }

    @inline(__always)
    private static func fold(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }
}
