import Foundation

/// What a reader of the archive asked for: words to search for and filters on the incidents' fields. Empty fields
/// filter nothing. Built from a page's query string by the web module, read by the store.
public struct ArchiveFilter: Sendable, Hashable, Codable {
    /// Words to find in titles, timelines and post-mortems (each must occur; the last may be the start of a word).
    public var query: String = ""
    public var severities: Set<Severity> = []
    public var state: IncidentState?
    /// A `/postmortem tag` label.
    public var tag: String?
    public var platform: Platform?
    /// Incidents that started at or after this instant (UTC).
    public var from: Date?
    /// Incidents that started before this instant (UTC).
    public var until: Date?

    public init(
        query: String = "", severities: Set<Severity> = [], state: IncidentState? = nil, tag: String? = nil, platform: Platform? = nil,
        from: Date? = nil, until: Date? = nil
    ) {
        self.query = query
        self.severities = severities
        self.state = state
        self.tag = tag
        self.platform = platform
        self.from = from
        self.until = until
    }

    /// The words of `query` a full-text search looks for: letters and digits, lower-cased, at most 16 of them.
    public var words: [String] {
        Array(query.lowercased().split { !($0.isLetter || $0.isNumber) }.prefix(16).map(String.init))
    }

    /// Whether this filter searches text (ranked by relevance) rather than listing newest first.
    public var searches: Bool { !words.isEmpty }
}

/// One page of the archive's incident list.
public struct ArchivePage: Sendable {
    public struct Hit: Sendable {
        public var incident: Incident
        /// How many documents (messages, the title and post-mortem) matched the search, nil when not searching.
        public var matches: Int?
        public var tags: [String]

        public init(incident: Incident, matches: Int?, tags: [String]) {
            self.incident = incident
            self.matches = matches
            self.tags = tags
        }
    }

    public var hits: [Hit]
    /// How many incidents match in all, over every page.
    public var total: Int

    public init(hits: [Hit], total: Int) {
        self.hits = hits
        self.total = total
    }
}
