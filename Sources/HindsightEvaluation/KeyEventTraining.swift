import Foundation
import HindsightCore

/// Fits the learned key-event model on the `dev` war rooms (each message labelled by whether the published timeline
/// has it as a row) and measures, by cross-validation over whole rooms, what it does together with the rules at each
/// pair of thresholds and weights of the room's rhythm: the rules' marks come from replaying the rooms through the real
/// desk without the model, and a room's messages are scored by a model fitted on the other rooms only. The `holdout`
/// rooms are never read.
public struct KeyEventTraining: Sendable {
    /// The rules and the model together at one pair of thresholds and one pair of gap weights, in cross-validation.
    public struct Row: Sendable {
        public var markAt: Double
        public var vetoBelow: Double
        public var gapBefore: Double
        public var gapAfter: Double
        /// Published rows marked.
        public var found: Int
        /// Messages marked.
        public var marked: Int
    }

    /// One dev chat message as the fit saw it: whether the rules mark it, whether the published timeline has it, and the
    /// gaps to the captured messages around it (nil at either end of the room).
    public struct Example: Sendable {
        public var room: String
        public var message: String
        public var byRules: Bool
        public var published: Bool
        public var before: TimeInterval?
        public var after: TimeInterval?
    }

    public struct Report: Sendable {
        public var model: LinearModel
        /// Every example, room by room in the corpus's order (`hindsight eval --train-key-events --examples`).
        public var examples: [Example]
        public var rooms: Int
        public var messages: Int
        public var published: Int
        /// What the rules alone find and mark.
        public var rulesFound: Int
        public var rulesMarked: Int
        public var folds: Int
        public var rows: [Row]
        /// The most marks per published row the suggestion allows (`KeyEventTraining.markedShare`).
        public var markedShare: Double
        /// The row that finds the most published rows while marking at most `markedShare` times as many messages as
        /// there are published rows.
        public var suggested: Row?
    }

    /// The desk as `hindsight run` builds it, but with no learned key-event model: the rules' marks.
    public var desk: IncidentDesk
    public var folds = 5
    /// The fit's learning rate and L2 penalty (`LinearModel.train`): a slow rate over 30 passes keeps the weights of
    /// words seen in a single room small. Chosen by this cross-validation on 2026-12-05 (rates 0.005–0.1, penalties
    /// 0.001–0.02): at the rules' own count of marks, 0.01 and 0.003 found the most.
    public var rate = 0.01
    public var l2 = 0.003
    /// Weights smaller than this are left out of the file: at 0.15 a fifth of them remain (4,767 of 24,109 on
    /// 2026-12-05) for 79.7% against 80.1% of the published rows in cross-validation, and the table the bot keeps in
    /// memory and probes for every message is that much smaller.
    public var keep = 0.15
    public var markAts: [Double] = Array(stride(from: -4.0, through: 0.5, by: 0.25))
    public var vetoBelows: [Double] = [-.infinity] + Array(stride(from: -8.0, through: -2.0, by: 0.5))
    /// The rhythm's weights tried (`KeyEventModelSettings.gapBefore`, `gapAfter`), with `gapCapMinutes`.
    public var gapBefores: [Double] = (0...8).map { Double($0) / 5 }
    public var gapAfters: [Double] = (-10...0).map { Double($0) / 5 }
    public var gapCapMinutes = 30.0
    /// The suggested row marks at most this many messages per published row in cross-validation. The target is at
    /// most twice the published count; war rooms in a style the dev rooms lack mark more (two batches written blind
    /// on 2026-12-05 read 2.6× and 3.1× at thresholds that marked 2.2× on the dev rooms), so the suggestion keeps a
    /// margin below it.
    public var markedShare = 1.9

    public init(desk: IncidentDesk) {
        self.desk = desk
    }

    public func run(_ corpus: Corpus, seed: UInt64 = 1) async throws -> Report {
        let rooms = corpus.warRooms.filter { $0.split == .dev }
        let replayer = Replayer(desk: desk)
        // One example per chat message of each room, with whether the rules mark it and the gaps around it (between the
        // messages the incident captured, as capture sees them).
        var examples: [[(example: LinearModel.Example, row: Example)]] = []
        for room in rooms {
            let outcome = try await replayer.replay(room)
            let keyByRules = Dictionary(outcome.events.compactMap { event in event.messageID.map { ($0, event.isKey) } }, uniquingKeysWith: { $0 || $1 })
            var gaps: [String: (before: TimeInterval?, after: TimeInterval?)] = [:]
            let captured = outcome.events.filter { $0.messageID != nil }
            for (index, event) in captured.enumerated() {
                guard let id = event.messageID else { continue }
                gaps[id] = (index > 0 ? event.occurredAt.timeIntervalSince(captured[index - 1].occurredAt) : nil,
                            index + 1 < captured.count ? captured[index + 1].occurredAt.timeIntervalSince(event.occurredAt) : nil)
            }
            let published = Set(room.keyEvents)
            examples.append(room.messages.filter { !$0.text.hasPrefix("/postmortem") }.map { message in
                let features = KeyEventFeatures.names(of: message.text, fromIntegration: message.bot ?? false, isReply: message.thread != nil)
                let gap = gaps[message.id]
                let positive = published.contains(message.id)
                return (LinearModel.Example(features: features, positive: positive),
                        Example(room: room.id, message: message.id, byRules: keyByRules[message.id] ?? false, published: positive, before: gap?.before, after: gap?.after))
            })
        }

        // Each room is scored by a model fitted on the rooms of the other folds.
        var heldOut: [[Double]] = examples.map { Array(repeating: 0, count: $0.count) }
        for held in CrossValidation.folds(of: rooms.count, into: folds, seed: seed) {
            let training = examples.indices.filter { !held.contains($0) }.flatMap { examples[$0].map(\.example) }
            let model = LinearModel.train(training, rate: rate, l2: l2, keep: keep, seed: seed)
            for room in held {
                heldOut[room] = examples[room].map { model.score($0.example.features).value }
            }
        }
        let all = zip(examples.joined(), heldOut.joined()).map { example, score in
            (positive: example.row.published, byRules: example.row.byRules, score: score, before: example.row.before, after: example.row.after)
        }
        var rows: [Row] = []
        for gapBefore in gapBefores {
            for gapAfter in gapAfters {
                let rhythm = KeyEventModelSettings(weights: "", markAt: 0, vetoBelow: 0, gapBefore: gapBefore, gapAfter: gapAfter, gapCapMinutes: gapCapMinutes)
                let scored = all.map { (positive: $0.positive, byRules: $0.byRules, score: $0.score + rhythm.rhythm(before: $0.before, after: $0.after)) }
                for markAt in markAts {
                    for vetoBelow in vetoBelows {
                        var found = 0, marked = 0
                        for example in scored where example.byRules ? example.score >= vetoBelow : example.score >= markAt {
                            marked += 1
                            if example.positive { found += 1 }
                        }
                        rows.append(Row(markAt: markAt, vetoBelow: vetoBelow, gapBefore: gapBefore, gapAfter: gapAfter, found: found, marked: marked))
                    }
                }
            }
        }
        let rulesMarked = all.filter(\.byRules).count
        let published = all.filter(\.positive).count
        let suggested = Self.mostFound(in: rows, published: published, share: markedShare)
        return Report(
            model: LinearModel.train(examples.flatMap { $0.map(\.example) }, rate: rate, l2: l2, keep: keep, seed: seed),
            examples: examples.joined().map(\.row),
            rooms: rooms.count, messages: all.count,
            published: published, rulesFound: all.filter { $0.byRules && $0.positive }.count, rulesMarked: rulesMarked,
            folds: folds, rows: rows, markedShare: markedShare, suggested: suggested)
    }
}

extension KeyEventTraining {
    /// The row that finds the most published rows while marking at most `share` times as many messages as there are
    /// published rows (the fewer marks among equals).
    static func mostFound(in rows: some Sequence<Row>, published: Int, share: Double) -> Row? {
        rows.filter { Double($0.marked) <= share * Double(published) }.max { ($0.found, -$0.marked) < ($1.found, -$1.marked) }
    }
}

extension KeyEventTraining.Report {
    /// The examples as tab-separated lines, one per message: room, message id, marked by the rules (1/0), published
    /// (1/0), seconds since the previous captured message and until the next (-1 where there is none). What
    /// `scripts/research/key-event-ceiling.py` reads to try other models on the same cross-validation.
    public var examplesTSV: String {
        examples.map { example in
            [example.room, example.message, example.byRules ? "1" : "0", example.published ? "1" : "0",
             String(format: "%.1f", example.before ?? -1), String(format: "%.1f", example.after ?? -1)].joined(separator: "\t") + "\n"
        }.joined()
    }

    /// The report `hindsight eval --train-key-events` prints: the rules alone, then the best thresholds and gap weights.
    public var text: String {
        func line(_ label: String, found: Int, marked: Int) -> String {
            label + String(format: " %d/%d published rows (%.1f%%), %d marked (%.2f× the published count)",
                   found, published, 100 * Double(found) / Double(max(1, published)), marked, Double(marked) / Double(max(1, published)))
        }
        var lines = [
            "trained on the dev half: \(messages) messages of \(rooms) war rooms, \(published) of them published rows, \(model.weights.count) weights kept",
            line("the rules alone:", found: rulesFound, marked: rulesMarked),
            "with the model, in \(folds)-fold cross-validation over the dev rooms (mark_at, veto_below, gap_before, gap_after):",
        ]
        // For each number of marks, only the row that finds most: the frontier, thinned to a readable table.
        var best: [Int: KeyEventTraining.Row] = [:]
        for row in rows {
            let bucket = Int((Double(row.marked) / Double(max(1, published)) * 10).rounded())
            if best[bucket].map({ $0.found < row.found }) ?? true { best[bucket] = row }
        }
        for (_, row) in best.sorted(by: { $0.key < $1.key }) {
            let veto = row.vetoBelow == -.infinity ? "none" : String(format: "%.1f", row.vetoBelow)
            lines.append(line(String(format: "  %5.2f, ", row.markAt) + veto.padding(toLength: 5, withPad: " ", startingAt: 0)
                              + String(format: ", %.1f, %.1f ", row.gapBefore, row.gapAfter), found: row.found, marked: row.marked))
        }
        if let suggested {
            let veto = suggested.vetoBelow == -.infinity ? "none" : String(format: "%.1f", suggested.vetoBelow)
            lines.append(line(String(format: "most found marking at most %.1f× the published count: mark_at %.2f, veto_below ", markedShare, suggested.markAt) + veto
                              + String(format: ", gap_before %.1f, gap_after %.1f:", suggested.gapBefore, suggested.gapAfter),
                              found: suggested.found, marked: suggested.marked))
        }
        if let words = KeyEventTraining.mostFound(in: rows.lazy.filter { $0.gapBefore == 0 && $0.gapAfter == 0 }, published: published, share: markedShare) {
            lines.append(line("the same from the words alone (gap_before 0, gap_after 0):", found: words.found, marked: words.marked))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
