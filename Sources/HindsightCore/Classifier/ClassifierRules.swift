import Foundation

/// What the bot notices in a war room, as data (`Prompts/classifier.yaml`): named phrase sets ("features"), and for
/// each milestone and each kind of key event the weights of those features and the score a message needs. The engine
/// stays generic: features → weighted sum → threshold.
public struct ClassifierRules: Sendable, Decodable, Equatable {
    /// The weights and threshold that make a message a candidate for one milestone.
    public struct MilestoneRule: Sendable, Decodable, Equatable {
        /// What a later candidate does to an unanswered suggestion of the same kind.
        public enum Replace: String, Sendable, Decodable, Equatable {
            /// The first suggestion stands (the first alert is the detection).
            case never
            /// A later candidate with a higher score moves the suggestion to itself, in place.
            case stronger
        }

        public var milestone: MilestoneKind
        public var threshold: Double
        /// Features that must all be present (e.g. `known_detected` before an acknowledgement counts). An entry
        /// `a|b` is present when either is (`known_detected|declare_incident`: after a detection, or when someone
        /// declares the incident).
        public var requires: [String]

        /// `requires` read: one list per entry, of the features any one of which meets it.
        var requiredGroups: [[String]] { requires.map { $0.split(separator: "|").map(String.init) } }
        /// The features `requires` names, alternatives included.
        var requiredNames: [String] { requiredGroups.flatMap { $0 } }
        public var replace: Replace
        public var weights: [String: Double]
        /// Overrides the file's `sentence_scoped` for this rule (an empty list: every negative weighs message-wide).
        public var sentenceScoped: [String]?

        public init(
            milestone: MilestoneKind, threshold: Double, requires: [String] = [], replace: Replace = .never, weights: [String: Double],
            sentenceScoped: [String]? = nil
        ) {
            self.milestone = milestone
            self.threshold = threshold
            self.requires = requires
            self.replace = replace
            self.weights = weights
            self.sentenceScoped = sentenceScoped
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            milestone = try c.decode(MilestoneKind.self, forKey: .milestone)
            threshold = try c.decode(Double.self, forKey: .threshold)
            requires = try c.decodeIfPresent([String].self, forKey: .requires) ?? []
            replace = try c.decodeIfPresent(Replace.self, forKey: .replace) ?? .never
            weights = try c.decode([String: Double].self, forKey: .weights)
            sentenceScoped = try c.decodeIfPresent([String].self, forKey: .sentenceScoped)
        }

        enum CodingKeys: String, CodingKey { case milestone, threshold, requires, replace, weights, sentenceScoped = "sentence_scoped" }
    }

    /// The weights and threshold that make a message a key event for one reason.
    public struct KeyRule: Sendable, Decodable, Equatable {
        public var reason: KeyReason
        public var threshold: Double
        public var weights: [String: Double]

        public init(reason: KeyReason, threshold: Double, weights: [String: Double]) {
            self.reason = reason
            self.threshold = threshold
            self.weights = weights
        }
    }

    /// When a message that falls short of every key-event rule still becomes one: in a quiet stretch of the timeline
    /// (few key events among the last messages), the message with some evidence for a reason is the best row there
    /// is. Rooms whose phrasing the vocabulary misses still get a timeline of about the published density.
    public struct QuietStretch: Sendable, Decodable, Equatable {
        /// How many earlier messages are looked at.
        public var window: Int
        /// Promote only while fewer than this many of them are key events.
        public var fewerThan: Int
        /// The share of a rule's threshold a message must reach (0.5: half of it).
        public var floor: Double

        public init(window: Int, fewerThan: Int, floor: Double) {
            self.window = window
            self.fewerThan = fewerThan
            self.floor = floor
        }

        enum CodingKeys: String, CodingKey { case window, fewerThan = "fewer_than", floor }
    }

    /// Where key events are already dense, a message must clear a higher bar: a published timeline has a row for a
    /// stretch of the incident, not for every line of it.
    public struct BusyStretch: Sendable, Decodable, Equatable {
        /// How many earlier messages are looked at.
        public var window: Int
        /// The bar is raised once at least this many of them are key events.
        public var atLeast: Int
        /// Each key-event rule's threshold is multiplied by this there.
        public var raise: Double

        public init(window: Int, atLeast: Int, raise: Double) {
            self.window = window
            self.atLeast = atLeast
            self.raise = raise
        }

        enum CodingKeys: String, CodingKey { case window, atLeast = "at_least", raise }
    }

    /// How much attention makes a message a key event: replies in its thread, or people reacting to it.
    public struct Attention: Sendable, Decodable, Equatable {
        /// Replies in the message's thread.
        public var replies: Int
        /// Distinct people who reacted to it, with any emoji.
        public var people: Int

        public init(replies: Int, people: Int) {
            self.replies = replies
            self.people = people
        }
    }

    /// Emoji whose reaction makes a message a key event.
    public var keyEventEmoji: [String]
    /// How many earlier messages the `recent_<feature>` context features look back over.
    public var recentMessages: Int
    /// Phrase sets by name. Phrases match whole words, case-insensitively; a word ending in `*` matches any ending.
    public var features: [String: [String]]
    public var milestones: [MilestoneRule]
    public var keyEvents: [KeyRule]
    /// How each key reason reads in the report and the timeline (`action` → `action taken`).
    public var keyReasonLabels: [String: String] = [:]
    /// Features that weigh against a rule only in a sentence that also says something for it ("nothing dropped.
    /// closing the incident" closes): negations, questions, plans. Others ("still", "partially") qualify the message.
    public var sentenceScoped: [String] = []
    /// Phrase features whose phrases hide other features' phrases inside their words: `no_longer: [negation]` reads
    /// "no more errors" as the errors gone, not as a "no" weighing against the recovery.
    public var shadows: [String: [String]] = [:]
    /// Off when absent: only messages that pass a key-event rule are key.
    public var quietStretch: QuietStretch?
    /// Off when absent: a rule's threshold is the same however dense the key events before the message are.
    public var busyStretch: BusyStretch?
    /// Off when absent: replies and reactions other than `key_event_emoji` do not make a message key.
    public var attention: Attention?
    /// Off when absent: only the rules decide which messages are key.
    public var keyEventModelSettings: KeyEventModelSettings?
    /// After a responder dismisses a suggested milestone, the same milestone is not proposed again until this many
    /// minutes of the channel's time after the message it was suggested at (0: no wait).
    public var dismissedQuietMinutes: Double = 0
    /// The learned key-event model, read from the file `keyEventModelSettings` names when `Prompts/` loads.
    public var keyEventModel: KeyEventModel?

    enum CodingKeys: String, CodingKey {
        case keyEventEmoji = "key_event_emoji", recentMessages = "recent_messages", features, milestones
        case keyEvents = "key_events", keyReasonLabels = "key_reason_labels", sentenceScoped = "sentence_scoped", shadows
        case quietStretch = "quiet_stretch", busyStretch = "busy_stretch", attention
        case keyEventModelSettings = "key_event_model", dismissedQuietMinutes = "dismissed_quiet_minutes"
    }

    public init(keyEventEmoji: [String], recentMessages: Int = 20, features: [String: [String]], milestones: [MilestoneRule], keyEvents: [KeyRule]) {
        self.keyEventEmoji = keyEventEmoji
        self.recentMessages = recentMessages
        self.features = features
        self.milestones = milestones
        self.keyEvents = keyEvents
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keyEventEmoji = try c.decode([String].self, forKey: .keyEventEmoji)
        recentMessages = try c.decodeIfPresent(Int.self, forKey: .recentMessages) ?? 20
        features = try c.decode([String: [String]].self, forKey: .features)
        milestones = try c.decode([MilestoneRule].self, forKey: .milestones)
        keyEvents = try c.decodeIfPresent([KeyRule].self, forKey: .keyEvents) ?? []
        keyReasonLabels = try c.decodeIfPresent([String: String].self, forKey: .keyReasonLabels) ?? [:]
        sentenceScoped = try c.decodeIfPresent([String].self, forKey: .sentenceScoped) ?? []
        shadows = try c.decodeIfPresent([String: [String]].self, forKey: .shadows) ?? [:]
        quietStretch = try c.decodeIfPresent(QuietStretch.self, forKey: .quietStretch)
        busyStretch = try c.decodeIfPresent(BusyStretch.self, forKey: .busyStretch)
        attention = try c.decodeIfPresent(Attention.self, forKey: .attention)
        keyEventModelSettings = try c.decodeIfPresent(KeyEventModelSettings.self, forKey: .keyEventModelSettings)
        dismissedQuietMinutes = try c.decodeIfPresent(Double.self, forKey: .dismissedQuietMinutes) ?? 0
        let known = Set(features.keys).union(MessageFeatures.structural).union(MessageFeatures.context(features: features.keys))
        let used = milestones.flatMap { Array($0.weights.keys) + $0.requiredNames } + keyEvents.flatMap { Array($0.weights.keys) }
        if let unknown = used.first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [CodingKeys.milestones],
                debugDescription: "weight on unknown feature '\(unknown)': define it under features, or use a built-in one (\(MessageFeatures.structural.sorted().joined(separator: ", ")), \(MessageFeatures.contextPatterns))"))
        }
        if let unknown = shadows.flatMap({ [$0.key] + $0.value }).sorted().first(where: { features[$0] == nil }) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [CodingKeys.shadows],
                debugDescription: "shadows names '\(unknown)', which is not a phrase set under features: only phrases can hide phrases"))
        }
    }
}

extension Double {
    /// A sum of rule weights rounded to the millionth, so that a sum that lands on a threshold (0.7 + 0.6 against 1.3,
    /// 0.8 + 0.6 − 0.4 against 1.0) does not fall either side of it by floating-point noise.
    var settledScore: Double { (self * 1_000_000).rounded() / 1_000_000 }
}
