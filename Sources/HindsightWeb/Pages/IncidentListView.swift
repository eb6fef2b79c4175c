import Foundation
import HindsightCore

/// The incident list: the search box and filters as the reader set them, one page of incidents, and paging links.
public struct IncidentListView: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public var id: String
        public var href: String
        public var title: String
        public var severity: String
        public var state: String
        public var platform: String
        public var started: String
        public var startedISO: String
        public var duration: String
        public var ttr: String
        public var matches: Int?
        public var hasMatches: Bool
        public var tags: [String]
    }

    public struct Option: Codable, Sendable {
        public var value: String
        public var selected: Bool
    }

    public var query: String
    public var searching: Bool
    public var severities: [Option]
    public var states: [Option]
    public var platforms: [Option]
    public var tags: [Option]
    public var from: String
    public var until: String
    public var rows: [Row]
    public var hasRows: Bool
    public var total: Int
    public var first: Int
    public var last: Int
    public var page: Int
    public var pages: Int
    public var previous: String
    public var hasPrevious: Bool
    public var next: String
    public var hasNext: Bool
    public var jsonHref: String
    public var problems: [String]
    public var hasProblems: Bool

    public init(query: ListQuery, page result: ArchivePage, tags: [String], platforms: [Platform], now: Date) {
        let filter = query.filter
        self.query = filter.query
        searching = filter.searches
        severities = Severity.allCases.map { Option(value: $0.rawValue, selected: filter.severities.contains($0)) }
        states = [IncidentState.open, .resolved].map { Option(value: $0.rawValue, selected: filter.state == $0) }
        self.platforms = platforms.map { Option(value: $0.rawValue, selected: filter.platform == $0) }
        self.tags = tags.map { Option(value: $0, selected: filter.tag == $0) }
        from = filter.from.map(UTCFormat.day) ?? ""
        until = filter.until.map { UTCFormat.day($0.addingTimeInterval(-86_400)) } ?? ""
        rows = result.hits.map { hit in
            let incident = hit.incident
            return Row(
                id: incident.id.rawValue, href: "/incidents/\(incident.id.rawValue)", title: incident.title, severity: incident.severity.rawValue,
                state: incident.state.rawValue, platform: incident.channel.platform.rawValue, started: UTCFormat.dateTime(incident.startedAt),
                startedISO: UTCFormat.iso(incident.startedAt), duration: UTCFormat.duration(incident.duration(now: now)),
                ttr: FigureText.duration(incident.timeTo(.resolved)), matches: hit.matches, hasMatches: (hit.matches ?? 0) > 0, tags: hit.tags)
        }
        hasRows = !rows.isEmpty
        total = result.total
        pages = max(1, (result.total + ListQuery.pageSize - 1) / ListQuery.pageSize)
        page = query.page
        first = rows.isEmpty ? 0 : (query.page - 1) * ListQuery.pageSize + 1
        last = first + max(rows.count - 1, 0)
        hasPrevious = query.page > 1
        previous = "/incidents" + query.queryString(page: min(query.page - 1, pages))
        hasNext = query.page < pages
        next = "/incidents" + query.queryString(page: query.page + 1)
        jsonHref = "/incidents.json" + query.queryString(page: query.page)
        problems = query.problems
        hasProblems = !problems.isEmpty
    }
}
