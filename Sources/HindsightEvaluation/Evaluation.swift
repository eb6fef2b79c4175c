import Foundation
import HindsightCore

/// A count of hits out of a total, shown as `hits/total (pct%)`.
public struct Tally: Sendable, Hashable {
    public var hits = 0
    public var total = 0

    public init(hits: Int = 0, total: Int = 0) {
        self.hits = hits
        self.total = total
    }

    /// The share of hits, 1 when there is nothing to count.
    public var rate: Double { total == 0 ? 1 : Double(hits) / Double(total) }

    public static func + (a: Tally, b: Tally) -> Tally { Tally(hits: a.hits + b.hits, total: a.total + b.total) }

    public var text: String { "\(hits)/\(total) (\(percent))" }

    /// The rate to a tenth of a percent: rounded to whole percents, 80 of 89 would read as a target of 90% met.
    var percent: String { total == 0 ? "n/a" : String(format: "%.1f%%", rate * 100) }
}

/// How the bot did on one war room.
public struct IncidentScore: Sendable {
    public var room: String
    public var split: Split
    /// Published milestones with a proposal within the tolerance (the simulated responder confirmed it).
    public var milestones: Tally
    /// Proposals further than the tolerance from the published time.
    public var wrongProposals: Int
    /// Proposals for milestones the post-mortem does not give.
    public var unjudgedProposals: Int
    /// Published key events the bot marked.
    public var keyEvents: Tally
    /// Messages the bot marked as key events (published or not).
    public var marked: Int
    public var spansDays: Bool
    /// Every timeline row (report rows, Mermaid entries) carries its date.
    public var dated: Bool
    /// What went wrong, one line each, for `--verbose`.
    public var notes: [String]
}

/// How a check did on one labelled sentence.
public struct SentenceScore: Sendable {
    public var kind: SentenceCase.Kind
    public var split: Split
    public var text: String
    public var flagged: Bool
    /// For the check's own kind: a blaming or vague sentence flagged, a neutral or concrete one passed.
    public var correct: Bool { kind == .blaming || kind == .vague ? flagged : !flagged }
}

/// The figures for one split (or all), per check.
public struct EvaluationSummary: Sendable {
    public var incidents = 0
    public var milestones = Tally()
    public var wrongProposals = 0
    public var unjudgedProposals = 0
    public var keyEvents = Tally()
    public var marked = 0
    public var multiDay = Tally()
    public var blame = Tally()
    public var neutralFlagged = Tally()
    public var vague = Tally()
    public var concretePassed = Tally()

    /// Confirmed proposals out of all judged proposals.
    public var milestonePrecision: Tally { Tally(hits: milestones.hits, total: milestones.hits + wrongProposals) }
    public var wrongPerIncident: Double { incidents == 0 ? 0 : Double(wrongProposals) / Double(incidents) }
    /// Marked key events out of published ones.
    public var markedRatio: Double { keyEvents.total == 0 ? 0 : Double(marked) / Double(keyEvents.total) }
    public var keyPrecision: Tally { Tally(hits: keyEvents.hits, total: marked) }
    public var blamePrecision: Tally { Tally(hits: blame.hits, total: blame.hits + neutralFlagged.hits) }
    public var vaguePrecision: Tally { Tally(hits: vague.hits, total: vague.hits + (concretePassed.total - concretePassed.hits)) }
}

/// The whole evaluation: per war room and per sentence, summarised per split.
public struct EvaluationResult: Sendable {
    public var incidents: [IncidentScore]
    public var sentences: [SentenceScore]

    public func summary(_ split: Split?) -> EvaluationSummary {
        var s = EvaluationSummary()
        for score in incidents where split == nil || score.split == split {
            s.incidents += 1
            s.milestones = s.milestones + score.milestones
            s.wrongProposals += score.wrongProposals
            s.unjudgedProposals += score.unjudgedProposals
            s.keyEvents = s.keyEvents + score.keyEvents
            s.marked += score.marked
            if score.spansDays { s.multiDay = s.multiDay + Tally(hits: score.dated ? 1 : 0, total: 1) }
        }
        for sentence in sentences where split == nil || sentence.split == split {
            let one = Tally(hits: sentence.correct ? 1 : 0, total: 1)
            switch sentence.kind {
            case .blaming: s.blame = s.blame + one
            case .neutral: s.neutralFlagged = s.neutralFlagged + Tally(hits: sentence.flagged ? 1 : 0, total: 1)
            case .vague: s.vague = s.vague + one
            case .concrete: s.concretePassed = s.concretePassed + one
            }
        }
        return s
    }
}

/// Runs the corpus through the bot and the checks and scores them.
public struct Evaluator: Sendable {
    public var desk: IncidentDesk
    public var tolerance: TimeInterval

    public init(desk: IncidentDesk, tolerance: TimeInterval = 600) {
        self.desk = desk
        self.tolerance = tolerance
    }

    public func evaluate(_ corpus: Corpus, splits: Set<Split> = Set(Split.allCases)) async throws -> EvaluationResult {
        var incidents: [IncidentScore] = []
        let replayer = Replayer(desk: desk, tolerance: tolerance)
        for room in corpus.warRooms where splits.contains(room.split) {
            incidents.append(score(try await replayer.replay(room)))
        }
        let sentences = corpus.sentences.filter { splits.contains($0.split) }.map(score)
        return EvaluationResult(incidents: incidents, sentences: sentences)
    }

    func score(_ outcome: ReplayOutcome) -> IncidentScore {
        let room = outcome.room
        var notes: [String] = []
        var hits = 0
        let published = room.judgedMilestones
        for (kind, at) in published.sorted(by: { $0.value < $1.value }) {
            if outcome.proposals.contains(where: { $0.milestone.rawValue == kind && $0.verdict == .confirmed }) {
                hits += 1
            } else {
                notes.append("missed \(kind) at \(UTCFormat.dateTime(at))")
            }
        }
        for proposal in outcome.proposals where proposal.verdict != .confirmed {
            notes.append("\(proposal.verdict == .wrong ? "wrong" : "unjudged") \(proposal.milestone.rawValue) at \(UTCFormat.dateTime(proposal.at)): \(proposal.text)")
        }
        let keyIDs = Set(room.keyEvents)
        let markedIDs = Set(outcome.events.filter { $0.messageID != nil && $0.isKey && !$0.isDeleted }.compactMap(\.messageID))
        for id in room.keyEvents where !markedIDs.contains(id) {
            notes.append("key event not marked: \(room.messages.first { $0.id == id }?.text ?? id)")
        }
        for event in outcome.events where event.isKey && !event.isDeleted && event.milestone == nil {
            guard let id = event.messageID, !keyIDs.contains(id) else { continue }
            let reasons = event.keyReasons.map(\.rawValue).sorted().joined(separator: ",")
            notes.append("marked, not published (\(reasons)): \(event.text)")
        }
        let days = Set(outcome.events.map { UTCFormat.day($0.occurredAt) })
        let spansDays = days.count > 1
        let dated = outcome.report.timeline.allSatisfy { $0.time.count > 10 && $0.time.prefix(4).allSatisfy(\.isNumber) }
            && outcome.report.mermaid.allSatisfy { $0.name.contains("-") }
        if spansDays, !dated { notes.append("the timeline spans several days but its rows are not all dated") }
        return IncidentScore(
            room: room.id, split: room.split, milestones: Tally(hits: hits, total: published.count),
            wrongProposals: outcome.proposals.filter { $0.verdict == .wrong }.count,
            unjudgedProposals: outcome.proposals.filter { $0.verdict == .unjudged }.count,
            keyEvents: Tally(hits: keyIDs.intersection(markedIDs).count, total: keyIDs.count), marked: markedIDs.count,
            spansDays: spansDays, dated: dated, notes: notes)
    }

    func score(_ sentence: SentenceCase) -> SentenceScore {
        let flagged: Bool = switch sentence.kind {
        case .neutral, .blaming: !desk.blameless.check(sentence.text, people: sentence.people).findings.isEmpty
        case .concrete, .vague:
            // As `/postmortem action …` takes it: trailing fields are fields, the rest is the item. A refused line
            // counts against the check either way (a concrete item not accepted, a vague one not flagged as vague).
            if case let .success(.postmortem(.action(draft))) = desk.parser.parse("action \(sentence.text)", now: Date(timeIntervalSince1970: 1_767_225_600)) {
                desk.actionCheck.vagueness(draft.text) != nil
            } else {
                sentence.kind == .concrete
            }
        }
        return SentenceScore(kind: sentence.kind, split: sentence.split, text: sentence.text, flagged: flagged)
    }
}
