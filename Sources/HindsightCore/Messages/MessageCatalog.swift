/// Every sentence the bot says, by key. The texts live in `Prompts/messages.yaml` so a team can reword or
/// translate them without recompiling; `{name}` placeholders are filled when a message is rendered.
public enum MessageKey: String, CaseIterable, Codable, Sendable {
    case helpHeader = "help_header"
    case helpFooter = "help_footer"
    case unknownSubcommand = "unknown_subcommand"
    case emptyCommand = "empty_command"
    case missingArgument = "missing_argument"
    case unexpectedArgument = "unexpected_argument"
    case invalidTime = "invalid_time"
    case invalidSeverity = "invalid_severity"
    case invalidNumber = "invalid_number"
    case noIncident = "no_incident"
    case incidentAlreadyOpen = "incident_already_open"
    case incidentStarted = "incident_started"
    case severityChanged = "severity_changed"
    case milestoneSet = "milestone_set"
    case milestoneBeforeStart = "milestone_before_start"
    case milestoneNeedsOpenIncident = "milestone_needs_open_incident"
    case incidentResolved = "incident_resolved"
    case incidentReopened = "incident_reopened"
    case reopenNotResolved = "reopen_not_resolved"
    case reopenChannelBusy = "reopen_channel_busy"
    case noteAdded = "note_added"
    case eventIncidentStarted = "event_incident_started"
    case eventUnknown = "event_unknown"
    case eventPinned = "event_pinned"
    case eventUnpinned = "event_unpinned"
    case cardHeader = "card_header"
    case channelsOff = "channels_off"
    case channelCreating = "channel_creating"
    case channelTopic = "channel_topic"
    case channelDeclared = "channel_declared"
    case channelWarning = "channel_warning"
    case channelFailed = "channel_failed"
    case additionAdded = "addition_added"
    case additionAddedFromElsewhere = "addition_added_from_elsewhere"
    case additionElsewhere = "addition_elsewhere"
    case additionNoIncident = "addition_no_incident"
    case additionNote = "addition_note"
    case additionLink = "addition_link"
    case formAdditionTitle = "form_addition_title"
    case formDeclareTitle = "form_declare_title"
    case formFieldInvite = "form_field_invite"
    case formHintInvite = "form_hint_invite"
    case formFieldAnnounce = "form_field_announce"
    case formAdditionSubmit = "form_addition_submit"
    case formFieldAdditionNote = "form_field_addition_note"
    case cardRoles = "card_roles"
    case cardTakeRole = "card_take_role"
    case cardNoRoles = "card_no_roles"
    case roleSet = "role_set"
    case roleHandedOver = "role_handed_over"
    case roleCleared = "role_cleared"
    case roleUnchanged = "role_unchanged"
    case invalidRole = "invalid_role"
    case roleIC = "role_ic"
    case roleComms = "role_comms"
    case roleScribe = "role_scribe"
    case cardHeaderResolved = "card_header_resolved"
    case cardSuggestion = "card_suggestion"
    case cardConfirm = "card_confirm"
    case cardDismiss = "card_dismiss"
    case cardKeyEvents = "card_key_events"
    case cardReview = "card_review"
    case cardReport = "card_report"
    case cardIssue = "card_issue"
    case cardIssues = "card_issues"
    case statusMilestoneSet = "status_milestone_set"
    case statusMilestoneUnset = "status_milestone_unset"
    case statusTimeTo = "status_time_to"
    case timelineHeader = "timeline_header"
    case timelineEmpty = "timeline_empty"
    case timelinePage = "timeline_page"
    case timelineAsFile = "timeline_as_file"
    case suggestionProposed = "suggestion_proposed"
    case suggestionMoved = "suggestion_moved"
    case suggestionConfirm = "suggestion_confirm"
    case suggestionDismiss = "suggestion_dismiss"
    case suggestionConfirmed = "suggestion_confirmed"
    case suggestionDismissed = "suggestion_dismissed"
    case suggestionUnknown = "suggestion_unknown"
    case suggestionAlreadyDecided = "suggestion_already_decided"
    case formStartTitle = "form_start_title"
    case formNoteTitle = "form_note_title"
    case formSubmit = "form_submit"
    case formFieldTitle = "form_field_title"
    case formFieldSeverity = "form_field_severity"
    case formFieldStartedAt = "form_field_started_at"
    case formFieldNote = "form_field_note"
    case formFieldAt = "form_field_at"
    case formHintTime = "form_hint_time"
    case formRequired = "form_required"
    case formUnknown = "form_unknown"
    case formImpactTitle = "form_impact_title"
    case formActionTitle = "form_action_title"
    case formWhyTitle = "form_why_title"
    case formFieldAction = "form_field_action"
    case formFieldOwner = "form_field_owner"
    case formFieldDue = "form_field_due"
    case formFieldPriority = "form_field_priority"
    case formFieldType = "form_field_type"
    case formFieldWhy = "form_field_why"
    case formFieldEvidence = "form_field_evidence"
    case formFieldParent = "form_field_parent"
    case formHintOwner = "form_hint_owner"
    case formHintEvidence = "form_hint_evidence"
    case formHintParent = "form_hint_parent"
    case formImpactEmpty = "form_impact_empty"
    case signalSuggestsIncident = "signal_suggests_incident"
    case signalStartIncident = "signal_start_incident"
    case signalAuthor = "signal_author"
    case appMention = "app_mention"
    case messageTooLong = "message_too_long"
    case internalError = "internal_error"
    case reportNotSaved = "report_not_saved"
}

/// The loaded message texts. Loading checks that every `MessageKey` has a text.
public struct MessageCatalog: Sendable, Decodable {
    public var texts: [String: String]

    public init(texts: [String: String]) {
        self.texts = texts
    }

    public init(from decoder: any Decoder) throws {
        texts = try decoder.singleValueContainer().decode([String: String].self)
    }

    /// Keys the catalog lacks; a catalog with missing keys must not be used.
    public var missingKeys: [MessageKey] { missing(MessageKey.self) }

    /// A text that uses a placeholder its message is never given, described; nil when there is none.
    public var unknownPlaceholder: String? { unknownPlaceholder(MessageKey.self) }

    /// The keys of `keys` the catalog lacks: an adapter's own sentences (Slack's, Mattermost's, the console's) live in
    /// the same file under their own keys, and are checked by the same rules when the adapter is wired up.
    public func missing<Key: TemplateKey>(_ keys: Key.Type) -> [Key] {
        Key.allCases.filter { texts[$0.rawValue] == nil }
    }

    public func unknownPlaceholder<Key: TemplateKey>(_ keys: Key.Type) -> String? {
        Template.unknownPlaceholder(in: texts, keys: keys)
    }

    /// The text for `key` with `{name}` placeholders replaced from `values`.
    public func render(_ key: MessageKey, _ values: [String: String] = [:]) -> String {
        Template.fill(key, texts[key.rawValue], values)
    }

    /// The text for an adapter's own `key`.
    public func render<Key: TemplateKey>(_ key: Key, _ values: [String: String] = [:]) -> String {
        Template.fill(key, texts[key.rawValue], values)
    }
}

/// `{name}` placeholder filling, shared by messages and other data-driven texts.
public enum Template {
    /// Replaces each `{key}` in `template` with its value; unknown placeholders stay as written.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        guard template.contains("{") else { return template }
        var out = ""
        out.reserveCapacity(template.count)
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            if let value = values[name] { out += value } else { out += rest[open...close] }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out
    }
}
