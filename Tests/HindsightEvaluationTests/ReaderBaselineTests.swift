import Foundation
import HindsightEvaluation
import Testing

@Suite("Scoring a reader's picks against the published labels")
struct ReaderBaselineTests {
    /// A room of ten messages a minute apart (m1 at 10:01 … m10 at 10:10), m2/m5/m8 published rows, detection at
    /// 10:02 and mitigation at 10:30.
    static func room() throws -> WarRoom {
        var messages: [[String: Any]] = []
        for index in 1...10 {
            messages.append(["id": "m\(index)", "ts": String(format: "2024-01-01T10:%02d:00Z", index), "user": "bo", "text": "line \(index)"])
        }
        let json: [String: Any] = [
            "id": "r", "title": "t", "split": "dev", "channel": "C", "messages": messages,
            "milestones": ["started": "2024-01-01T10:00:00Z", "detected": "2024-01-01T10:02:00Z", "mitigated": "2024-01-01T10:30:00Z"],
            "key_events": ["m2", "m5", "m8"],
        ]
        return try WarRoom.decoding(json)
    }

    @Test("rows count among the first N picks and among 2N; a milestone counts within 10 minutes, any other pick is wrong")
    func scoring() throws {
        let corpus = Corpus(warRooms: [try Self.room()], sentences: [])
        let answer = ReaderAnswer(
            rankedRows: ["m2", "m3", "m4", "m5", "m9", "m10", "m8", "m1"],  // 8 picks: only the first 2N = 6 count
            milestones: ["detected": "m3", "mitigated": "m10", "resolved": "m10"])  // resolved is not published: not judged
        let score = ReaderScore(corpus: corpus, answers: ["r": answer])
        let room = try #require(score.rooms.first)
        #expect(room.rowsAtOnce == Tally(hits: 1, total: 3), "m2 among m2, m3, m4")
        #expect(room.rowsAtTwice == Tally(hits: 2, total: 3), "m2 and m5; m8 is the 7th pick")
        #expect(room.picked == 6)
        #expect(room.milestones == Tally(hits: 1, total: 2), "m3 is a minute after the detection; m10 is 20 minutes before the mitigation")
        #expect(room.wrong == 1)
        #expect(score.text.contains("1/2 (50.0%), 1 wrong"))
    }

    @Test("a room without an answer is left out, and a file that does not parse is named")
    func loading() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"ranked_rows": ["m2"], "milestones": {}}"#.utf8).write(to: directory.appendingPathComponent("r.json"))
        let answers = try ReaderAnswer.load(from: directory)
        #expect(answers["r"]?.rankedRows == ["m2"])
        #expect(ReaderScore(corpus: Corpus(warRooms: [try Self.room()], sentences: []), answers: [:]).rooms.isEmpty)
        try Data("{".utf8).write(to: directory.appendingPathComponent("broken.json"))
        #expect(throws: CorpusError.self) { try ReaderAnswer.load(from: directory) }
    }
}
