import Foundation
import HindsightCore
import HindsightEvaluation
import HindsightPrompts
import Testing

@Suite("Training the blameless check's model on the dev half")
struct BlameTrainingTests {
    static func sentence(_ text: String, _ kind: SentenceCase.Kind, _ split: Split) throws -> SentenceCase {
        let json = try JSONSerialization.data(withJSONObject: ["text": text, "people": ["dana", "kim"], "split": split.rawValue])
        var sentence = try JSONDecoder().decode(SentenceCase.self, from: json)
        sentence.kind = kind
        return sentence
    }

    @Test("the holdout half is never read, and cross-validation reports what the model adds at each threshold")
    func devOnly() throws {
        var sentences: [SentenceCase] = []
        for i in 0..<30 {
            sentences.append(try Self.sentence("dana never checks the queue number \(i), as usual", .blaming, .dev))
            sentences.append(try Self.sentence("the queue number \(i) had no alert on its depth", .neutral, .dev))
        }
        sentences.append(try Self.sentence("kim zorblatted the frobnicator", .blaming, .holdout))
        sentences.append(try Self.sentence("the frobnicator quuxed", .neutral, .holdout))
        let rules = CorpusRun.prompts.lint.blameless
        let settings = try #require(rules.model)
        let report = BlameTraining(rules: rules, settings: settings).run(sentences)
        #expect(report.examples == 60)
        #expect(!report.model.weights.keys.contains { $0.contains("frobnicator") || $0.contains("zorblatt") || $0.contains("quux") })
        #expect(report.model.weights["b:PERSON_never"].map { $0 > 0 } == true)
        // A higher threshold never catches more, nor flags more.
        for (lower, higher) in zip(report.rows, report.rows.dropFirst()) {
            #expect(higher.caught <= lower.caught && higher.falseFlags <= lower.falseFlags)
        }
        #expect(report.text.contains("5-fold cross-validation"))
    }
}

@Suite("Training the learned key-event model on the dev war rooms")
struct KeyEventTrainingTests {
    static func room(_ id: String, _ split: Split, lines: [(String, Bool)]) throws -> WarRoom {
        var messages: [[String: Any]] = [["id": "m0", "ts": "2024-01-01T10:00:00Z", "user": "ana", "text": "/postmortem start Checkout down sev2"]]
        var key: [String] = []
        for (index, (text, isKey)) in lines.enumerated() {
            let id = "m\(index + 1)"
            messages.append(["id": id, "ts": String(format: "2024-01-01T10:%02d:00Z", index + 1), "user": "bo", "text": text])
            if isKey { key.append(id) }
        }
        let json: [String: Any] = [
            "id": id, "title": "t", "split": split.rawValue, "channel": "C\(id)", "messages": messages, "milestones": [:] as [String: String],
            "key_events": key,
        ]
        return try WarRoom.decoding(json)
    }

    @Test("only dev rooms are read; rows that read alike are learned, and cross-validation is reported against the rules alone")
    func devOnly() async throws {
        var rooms: [WarRoom] = []
        for i in 0..<10 {
            rooms.append(try Self.room("dev\(i)", .dev, lines: [
                ("flipped the blorptank valve \(i)", true), ("coffee anyone", false), ("hmm \(i)", false), ("blorptank valve flipped back", true),
            ]))
        }
        rooms.append(try Self.room("held", .holdout, lines: [("zorblatt quux", true)]))
        var prompts = CorpusRun.prompts
        prompts.classifier.keyEventModel = nil
        let report = try await KeyEventTraining(desk: prompts.desk(zone: .gmt, redact: { $0 })).run(Corpus(warRooms: rooms, sentences: []))
        #expect(report.rooms == 10 && report.messages == 40 && report.published == 20)
        #expect(!report.model.weights.keys.contains { $0.contains("zorblatt") || $0.contains("quux") })
        #expect(report.model.weights["u:blorptank"].map { $0 > 0 } == true)
        #expect(report.model.weights["u:coffee"].map { $0 < 0 } ?? true)
        // A higher mark_at never marks more, whatever the veto and the rhythm's weights.
        let byVeto = Dictionary(grouping: report.rows) { "\($0.vetoBelow) \($0.gapBefore) \($0.gapAfter)" }
        #expect(Set(report.rows.map(\.gapAfter)).count > 1, "the rhythm's weights are tried too")
        for rows in byVeto.values {
            for (lower, higher) in zip(rows, rows.dropFirst()) where higher.markAt > lower.markAt { #expect(higher.marked <= lower.marked) }
        }
        #expect(report.text.contains("5-fold cross-validation") && report.text.contains("the rules alone") && report.text.contains("from the words alone"))
        let suggested = try #require(report.suggested)
        #expect(Double(suggested.marked) <= report.markedShare * Double(report.published), "the suggestion keeps to the share of marks")
        #expect(!report.rows.contains { Double($0.marked) <= report.markedShare * Double(report.published) && $0.found > suggested.found })

        // The examples file: one line per dev message, labelled as the room is, with the gaps of one minute around it.
        let lines = report.examplesTSV.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.count == 40 && lines.allSatisfy { $0.count == 6 } && !lines.contains { $0[0] == "held" })
        #expect(lines.filter { $0[3] == "1" }.count == 20)
        #expect(lines.first { $0[0] == "dev3" && $0[1] == "m4" }?[3] == "1" && lines.first { $0[0] == "dev3" && $0[1] == "m2" }?[3] == "0")
        #expect(lines.first { $0[0] == "dev3" && $0[1] == "m2" }.map { [$0[4], $0[5]] } == ["60.0", "60.0"])
        #expect(lines.first { $0[0] == "dev3" && $0[1] == "m4" }?[5] == "-1.0", "the room's last message has no gap after it")
    }
}
