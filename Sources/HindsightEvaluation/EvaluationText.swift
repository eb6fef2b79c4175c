import Foundation

extension EvaluationResult {
    /// The evaluation as text: one row per war room, the checks per split, and closing lines with the holdout figures.
    public func text(splits: [Split], verbose: Bool = false) -> String {
        var out: [String] = []
        let width = max(24, incidents.map(\.room.count).max() ?? 0)
        out.append("War rooms".padding(toLength: width, withPad: " ", startingAt: 0) + "  split    milestones  wrong  key events  marked     dated")
        for score in incidents {
            let ratio = score.keyEvents.total == 0 ? 0 : Double(score.marked) / Double(score.keyEvents.total)
            var row = score.room.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            row += score.split.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            row += "\(score.milestones.hits)/\(score.milestones.total)".padding(toLength: 12, withPad: " ", startingAt: 0)
            row += "\(score.wrongProposals)".padding(toLength: 7, withPad: " ", startingAt: 0)
            row += "\(score.keyEvents.hits)/\(score.keyEvents.total)".padding(toLength: 12, withPad: " ", startingAt: 0)
            row += "\(score.marked) (\(String(format: "%.1f", ratio))×)".padding(toLength: 11, withPad: " ", startingAt: 0)
            row += score.spansDays ? (score.dated ? "yes" : "NO") : "-"
            out.append(row)
            if verbose { out += score.notes.map { "    " + $0 } }
        }
        if verbose {
            for sentence in sentences where !sentence.correct {
                let what = switch sentence.kind {
                case .blaming: "blame not flagged"
                case .neutral: "neutral flagged"
                case .vague: "vague passed"
                case .concrete: "concrete flagged"
                }
                out.append("  [\(sentence.split.rawValue)] \(what): \(sentence.text)")
            }
        }
        for split in splits {
            let s = summary(split)
            out.append("")
            out.append("\(split.rawValue) (\(s.incidents) war rooms)")
            out.append("  milestones within 10 min   recall \(s.milestones.text), precision \(s.milestonePrecision.text), \(s.wrongProposals) wrong (\(String(format: "%.2f", s.wrongPerIncident)) per incident), \(s.unjudgedProposals) for milestones not published")
            out.append("  key events                 recall \(s.keyEvents.text), precision \(s.keyPrecision.text), marked \(String(format: "%.2f", s.markedRatio))× published")
            out.append("  multi-day timelines dated  \(s.multiDay.text)")
            out.append("  blame                      recall \(s.blame.text), precision \(s.blamePrecision.text), false flags \(s.neutralFlagged.text) of neutral")
            out.append("  vague actions              recall \(s.vague.text), precision \(s.vaguePrecision.text), concrete passing \(s.concretePassed.text)")
        }
        if splits.contains(.holdout) {
            let h = summary(.holdout)
            out.append("")
            out.append("Holdout: milestones \(h.milestones.percent) within 10 min, \(String(format: "%.2f", h.wrongPerIncident)) wrong per incident; key events \(h.keyEvents.percent) recall at \(String(format: "%.2f", h.markedRatio))× published; multi-day dated \(h.multiDay.hits)/\(h.multiDay.total)")
            out.append("Holdout: blame \(h.blame.percent) recall, \(h.neutralFlagged.percent) false flags; vague actions \(h.vague.percent) flagged, concrete \(h.concretePassed.percent) passing")
        }
        return out.joined(separator: "\n") + "\n"
    }

}
