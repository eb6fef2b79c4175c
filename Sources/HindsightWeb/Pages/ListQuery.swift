import Foundation
import HindsightCore

/// The incident list's query string, read into a filter and a page number, and written back into links (paging keeps
/// the filters; a filter change starts again at page 1). A value that makes no sense is left out and named in
/// `problems`, so a mistyped bookmark still shows a page and says what was ignored.
public struct ListQuery: Sendable, Equatable {
    public var filter = ArchiveFilter()
    public var page = 1
    public var problems: [String] = []

    public static let pageSize = 50

    public init(filter: ArchiveFilter = ArchiveFilter(), page: Int = 1) {
        self.filter = filter
        self.page = page
    }

    /// Reads `q`, `severity` (repeatable), `state`, `tag`, `platform`, `from` and `until` (YYYY-MM-DD, UTC, both
    /// included) and `page`.
    public init(parameters: [(String, String)]) {
        for (name, raw) in parameters {
            let value = raw.trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { continue }
            switch name {
            case "q": filter.query = String(value.prefix(200))
            case "severity":
                if let severity = Severity(rawValue: value.lowercased()) { filter.severities.insert(severity) } else { problems.append("severity \(value)") }
            case "state":
                if let state = IncidentState(rawValue: value.lowercased()) { filter.state = state } else { problems.append("state \(value)") }
            case "tag": filter.tag = value
            case "platform": filter.platform = Platform(rawValue: value.lowercased())
            case "from":
                if let day = TimeExpression.calendarDay(value) { filter.from = day } else { problems.append("from \(value)") }
            case "until":
                if let day = TimeExpression.calendarDay(value) { filter.until = day.addingTimeInterval(86_400) } else { problems.append("until \(value)") }
            case "page":
                if let number = Int(value), number >= 1 { page = number } else { problems.append("page \(value)") }
            default: continue
            }
        }
    }

    /// The query string for this filter at `page` (`page` left out when 1), parameters in a fixed order.
    public func queryString(page: Int) -> String {
        var items: [URLQueryItem] = []
        if !filter.query.isEmpty { items.append(URLQueryItem(name: "q", value: filter.query)) }
        for severity in filter.severities.map(\.rawValue).sorted() { items.append(URLQueryItem(name: "severity", value: severity)) }
        if let state = filter.state { items.append(URLQueryItem(name: "state", value: state.rawValue)) }
        if let tag = filter.tag { items.append(URLQueryItem(name: "tag", value: tag)) }
        if let platform = filter.platform { items.append(URLQueryItem(name: "platform", value: platform.rawValue)) }
        if let from = filter.from { items.append(URLQueryItem(name: "from", value: UTCFormat.day(from))) }
        if let until = filter.until { items.append(URLQueryItem(name: "until", value: UTCFormat.day(until.addingTimeInterval(-86_400)))) }
        if page > 1 { items.append(URLQueryItem(name: "page", value: "\(page)")) }
        guard !items.isEmpty else { return "" }
        var components = URLComponents()
        components.queryItems = items
        // URLComponents leaves + and & alone in values; a search for "a+b" must arrive as typed.
        return "?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}
