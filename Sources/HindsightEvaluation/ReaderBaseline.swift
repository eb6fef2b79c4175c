import Foundation

/// What a person picked in a war room from the chat alone, without the published post-mortem: the yardstick for the
/// bot's milestones and key events (`hindsight eval --readers DIR`). One file per room, `DIR/<room id>.json`.
public struct ReaderAnswer: Decodable, Sendable {
    /// Message ids, the one the reader is surest is a row of the published timeline first: twice as many as the
    /// timeline has rows, so the first half is the reader's timeline and the whole is what the bot may mark.
    public var rankedRows: [String]
    /// The message at which each milestone happened, by kind (`detected`, `acknowledged`, `mitigated`, `resolved`).
    public var milestones: [String: String]

    enum CodingKeys: String, CodingKey {
        case rankedRows = "ranked_rows", milestones
    }

    public init(rankedRows: [String], milestones: [String: String]) {
        self.rankedRows = rankedRows
        self.milestones = milestones
    }

    /// Reads every `*.json` in `directory` as the answer for the room of that name.
    public static func load(from directory: URL) throws(CorpusError) -> [String: ReaderAnswer] {
        Dictionary(uniqueKeysWithValues: try Corpus.decodeEach(ReaderAnswer.self, in: directory))
    }
}

/// A reader's answers scored the way `Evaluator` scores the bot: a milestone counts when the message picked for it is
/// within `tolerance` of the published time (any other pick is a wrong one), and the published rows found among the
/// reader's first N picks (N = the published count) and among all 2N.
public struct ReaderScore: Sendable {
    public struct Room: Sendable {
        public var room: String
        public var milestones: Tally
        public var wrong: Int
        /// Published rows among the first N picks and among all of them (at most 2N).
        public var rowsAtOnce: Tally
        public var rowsAtTwice: Tally
        public var picked: Int
    }

    public var rooms: [Room]

    public init(corpus: Corpus, answers: [String: ReaderAnswer], tolerance: TimeInterval = 600) {
        rooms = corpus.warRooms.compactMap { room -> Room? in
            guard let answer = answers[room.id] else { return nil }
            let published = room.judgedMilestones
            let times = Dictionary(room.messages.map { ($0.id, $0.ts) }, uniquingKeysWith: { first, _ in first })
            var hits = 0, wrong = 0
            for (kind, id) in answer.milestones {
                guard let at = published[kind] else { continue }  // a kind the post-mortem does not date is not judged
                if let ts = times[id], abs(ts.timeIntervalSince(at)) <= tolerance { hits += 1 } else { wrong += 1 }
            }
            let rows = Set(room.keyEvents)
            let picks = Array(answer.rankedRows.prefix(2 * rows.count))
            return Room(
                room: room.id, milestones: Tally(hits: hits, total: published.count), wrong: wrong,
                rowsAtOnce: Tally(hits: picks.prefix(rows.count).filter(rows.contains).count, total: rows.count),
                rowsAtTwice: Tally(hits: picks.filter(rows.contains).count, total: rows.count), picked: picks.count)
        }
    }

    public var milestones: Tally { rooms.reduce(Tally()) { $0 + $1.milestones } }
    public var wrong: Int { rooms.reduce(0) { $0 + $1.wrong } }
    public var rowsAtOnce: Tally { rooms.reduce(Tally()) { $0 + $1.rowsAtOnce } }
    public var rowsAtTwice: Tally { rooms.reduce(Tally()) { $0 + $1.rowsAtTwice } }
    public var picked: Int { rooms.reduce(0) { $0 + $1.picked } }

    /// One row per room, then the totals.
    public var text: String {
        let width = max(24, rooms.map(\.room.count).max() ?? 0)
        var out = ["War rooms".padding(toLength: width, withPad: " ", startingAt: 0) + "  milestones  wrong  rows (N picks)  rows (2N picks)"]
        for room in rooms {
            out.append(room.room.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                       + "\(room.milestones.hits)/\(room.milestones.total)".padding(toLength: 12, withPad: " ", startingAt: 0)
                       + "\(room.wrong)".padding(toLength: 7, withPad: " ", startingAt: 0)
                       + "\(room.rowsAtOnce.hits)/\(room.rowsAtOnce.total)".padding(toLength: 15, withPad: " ", startingAt: 0)
                       + "\(room.rowsAtTwice.hits)/\(room.rowsAtTwice.total)")
        }
        let rows = rowsAtTwice.total
        out.append("")
        out.append("the reader (\(rooms.count) war rooms, from the chat alone)")
        out.append("  milestones within 10 min   \(milestones.text), \(wrong) wrong (\(String(format: "%.2f", Double(wrong) / Double(max(1, rooms.count)))) per incident)")
        out.append("  published rows             \(rowsAtOnce.text) among the first N picks, \(rowsAtTwice.text) among \(picked) (\(String(format: "%.2f", Double(picked) / Double(max(1, rows))))× published)")
        return out.joined(separator: "\n") + "\n"
    }
}
