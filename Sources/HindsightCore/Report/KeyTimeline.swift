import Foundation

/// The timeline a post-mortem shows: milestones and key events, one row each. A confirmed milestone suggestion is
/// recorded twice (the message that said it, marked `milestone`, and the milestone's own event at the same time);
/// the two become one row with the message's words and the milestone.
public enum KeyTimeline {
    public struct Entry: Hashable, Sendable {
        public var event: TimelineEvent
        public var milestone: MilestoneKind?
        public var reasons: Set<KeyReason>
    }

    /// The key events of `events` (visible ones, in timeline order), milestones folded into their messages.
    public static func merge(_ events: some Sequence<TimelineEvent>) -> [Entry] {
        var entries: [Entry] = []
        var messageAt: [Date: Int] = [:]
        for event in events where event.isKey {
            if let kind = event.milestone, kind != .started, event.source == .command, let index = messageAt[event.occurredAt],
               entries[index].milestone == nil {
                entries[index].milestone = kind
                continue
            }
            if event.keyReasons.contains(.milestone), event.messageID != nil { messageAt[event.occurredAt] = entries.count }
            entries.append(Entry(event: event, milestone: event.milestone, reasons: event.keyReasons))
        }
        return entries
    }
}

extension IncidentDesk {
    /// Why an event is key, as responders read it (`Prompts/classifier.yaml`, `key_reason_labels`), in a fixed
    /// order; `milestone` is left out (the marker says it), and so is `candidate` once the milestone is confirmed.
    public func keyReasonText(_ reasons: Set<KeyReason>, confirmed: Bool = false) -> String {
        guard !reasons.isEmpty else { return "" }  // most rows of a long transcript
        let confirmed = confirmed || reasons.contains(.milestone)
        return KeyReason.allCases.filter { reasons.contains($0) && $0 != .milestone && !(confirmed && $0 == .candidate) }
            .map { classifier.rules.keyReasonLabels[$0.rawValue] ?? $0.rawValue }
            .joined(separator: ", ")
    }
}
