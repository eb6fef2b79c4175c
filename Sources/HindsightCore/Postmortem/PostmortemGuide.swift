/// Everything the post-mortem conversation says and asks, from `Prompts/postmortem.yaml`: questions, impact fields,
/// factor categories, the 5-whys depth, and every reply text. Loading checks that every `PostmortemText` is present.
public struct PostmortemGuide: Codable, Sendable {
    /// One impact field the bot asks about, in order.
    public struct ImpactField: Codable, Hashable, Sendable {
        public var key: String
        public var question: String
    }

    public var questions: [String: String]
    public var impactFields: [ImpactField]
    public var factorCategories: [String]
    /// Whys needed before a root cause is proposed without an explicit `why done <reason>`.
    public var minimumWhyDepth: Int
    /// Default follow-up review: this many weeks after the incident started.
    public var followUpWeeks: Int
    /// How long after a question the asker's next message still counts as the answer.
    public var answerWindowMinutes: Int
    public var reminders: ReminderRules
    /// The words that answer a guided question without answering it (`answer_words`; English when the file has none).
    public var answerWords: AnswerWords?
    public var texts: [String: String]
    /// Per review item: its label, what pass / warn / fail say, and the command that fixes it.
    public var review: [String: ReviewTexts]

    /// Replies to a guided question that steer the conversation: stop it, pass on a question, end the whys.
    public struct AnswerWords: Codable, Hashable, Sendable {
        public var cancel: [String]
        public var skip: [String]
        /// The first word of the answer; the rest is the reason (`done the cause is known`).
        public var done: [String]

        public init(cancel: [String], skip: [String], done: [String]) {
            self.cancel = cancel
            self.skip = skip
            self.done = done
        }

        public static let english = AnswerWords(cancel: ["cancel", "stop"], skip: ["skip"], done: ["done"])

        /// Whether `answer` is one of `words` (whole, any case).
        private static func matches(_ answer: String, _ words: [String]) -> Bool {
            words.contains { $0.caseInsensitiveCompare(answer) == .orderedSame }
        }

        public func cancels(_ answer: String) -> Bool { Self.matches(answer, cancel) }
        public func skips(_ answer: String) -> Bool { Self.matches(answer, skip) }

        /// The reason after a `done` word that opens `answer`, or nil when it does not open with one.
        public func doneReason(_ answer: String) -> String? {
            let parts = answer.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let first = parts.first, Self.matches(first.trimmingCharacters(in: .punctuationCharacters), done) else { return nil }
            return parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        }
    }

    /// The answer words in use.
    public var answers: AnswerWords { answerWords ?? .english }

    public struct ReviewTexts: Codable, Hashable, Sendable {
        public var label: String
        public var pass: String
        public var warn: String?
        public var fail: String
        public var fix: String
    }

    enum CodingKeys: String, CodingKey {
        case questions, impactFields = "impact_fields", factorCategories = "factor_categories"
        case minimumWhyDepth = "minimum_why_depth", followUpWeeks = "follow_up_weeks", answerWindowMinutes = "answer_window_minutes", reminders, answerWords = "answer_words", texts = "messages", review
    }

    /// Message keys and question keys the file lacks.
    public var missingKeys: [String] {
        PostmortemText.allCases.map(\.rawValue).filter { texts[$0] == nil }
            + Question.allCases.filter { questions[$0.rawValue] == nil }.map { "questions.\($0.rawValue)" }
            + ReviewItem.allCases.filter { review[$0.rawValue] == nil }.map { "review.\($0.rawValue)" }
    }

    /// A message or question that uses a placeholder it is never given, described; nil when there is none.
    public var unknownPlaceholder: String? {
        Template.unknownPlaceholder(in: texts, keys: PostmortemText.self, prefix: "messages.")
            ?? Template.unknownPlaceholder(in: questions, keys: Question.self, prefix: "questions.")
    }

    public func render(_ key: PostmortemText, _ values: [String: String] = [:]) -> String {
        Template.fill(key, texts[key.rawValue], values)
    }

    public func ask(_ key: Question, _ values: [String: String] = [:]) -> String {
        Template.fill(key, questions[key.rawValue], values)
    }

    /// The questions the guided conversation asks.
    public enum Question: String, CaseIterable, Sendable {
        case summary, wentWell = "went-well", wentWrong = "went-wrong", lucky, lesson
        case whyFirst = "why_first", whyNext = "why_next", whyHint = "why_hint"
    }
}

/// Every reply of the post-mortem commands, by key (texts in `Prompts/postmortem.yaml` under `messages:`).
public enum PostmortemText: String, CaseIterable, Sendable {
    case entryAdded = "entry_added"
    case findingLine = "finding_line"
    case suggestedRewording = "suggested_rewording"
    case findingsChoice = "findings_choice"
    case conversationCancelled = "conversation_cancelled"
    case nothingToCancel = "nothing_to_cancel"
    case answerHint = "answer_hint"
    case impactDone = "impact_done"
    case whyNeedsReason = "why_needs_reason"
    case whyStoppedEarly = "why_stopped_early"
    case whyBlameFollowUp = "why_blame_follow_up"
    case whyAnswerButton = "why_answer_button"
    case whyAlreadyAnswered = "why_already_answered"
    case rootCauseProposal = "root_cause_proposal"
    case rootCauseConfirmed = "root_cause_confirmed"
    case rootCauseNone = "root_cause_none"
    case unknownEntry = "unknown_entry"
    case unknownAction = "unknown_action"
    case unknownCategory = "unknown_category"
    case unknownImpactField = "unknown_impact_field"
    case unknownOwner = "unknown_owner"
    case invalidDay = "invalid_day"
    case invalidPriority = "invalid_priority"
    case invalidActionType = "invalid_action_type"
    case actionAdded = "action_added"
    case actionStatus = "action_status"
    case actionsHeader = "actions_header"
    case actionLine = "action_line"
    case actionsEmpty = "actions_empty"
    case entryEdited = "entry_edited"
    case entryRemoved = "entry_removed"
    case entryKept = "entry_kept"
    case entryReworded = "entry_reworded"
    case nothingToReword = "nothing_to_reword"
    case followUpSet = "follow_up_set"
    case showHeader = "show_header"
    case showSection = "show_section"
    case showEmpty = "show_empty"
    case showRootCause = "show_root_cause"
    case showNoRootCause = "show_no_root_cause"
    case reviewHeader = "review_header"
    case reviewFix = "review_fix"
    case reviewComplete = "review_complete"
    case reviewIncomplete = "review_incomplete"
    case notSet = "not_set"
    case published = "published"
    case republished = "republished"
    case publishedForStakeholders = "published_for_stakeholders"
    case publishNeedsForce = "publish_needs_force"
    case stats = "stats"
    case chartTitle = "chart_title"
    case chartPosted = "chart_posted"
    case reminderNudge = "reminder_nudge"
    case reminderFollowUp = "reminder_follow_up"
    case reminderDueSoon = "reminder_due_soon"
    case reminderOverdue = "reminder_overdue"
    case reminderDigest = "reminder_digest"
    case reminderDigestLine = "reminder_digest_line"
    case patternsHeader = "patterns_header"
    case patternsLine = "patterns_line"
    case patternsNone = "patterns_none"
    case tagged = "tagged"
    case metricEvent = "metric_event"
    case metricPeak = "metric_peak"
    case metricCrossed = "metric_crossed"
    case metricBaseline = "metric_baseline"
    case metricNotBack = "metric_not_back"
    case metricEmpty = "metric_empty"
    case metricFailed = "metric_failed"
    case noPrometheus = "no_prometheus"
    case noTrackers = "no_trackers"
    case actionsSynced = "actions_synced"
    case actionsInSync = "actions_in_sync"
    case issuesFiled = "issues_filed"
    case issueLink = "issue_link"
    case issuesFailed = "issues_failed"
}
