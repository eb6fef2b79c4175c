import Foundation
import HindsightCore
import HindsightStore

/// Reads what each archive page shows from the store and builds its view. Nothing here writes an incident: the only
/// writes are the search index catching up (`Store.refreshSearchIndex`).
public struct ArchiveReader: Sendable {
    let store: Store
    let desk: IncidentDesk
    let platforms: [Platform]
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - desk: renders reports as the bot publishes them, names roles and key-event reasons, reads each platform's markup.
    ///   - platforms: the platforms the list's filter offers.
    public init(store: Store, desk: IncidentDesk, platforms: [Platform], now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.desk = desk
        self.platforms = platforms
        self.now = now
    }

    public func list(_ query: ListQuery) async throws -> IncidentListView {
        if query.filter.searches { try await store.refreshSearchIndex() }
        let (page, tags) = try await store.read { tx in
            (try tx.archivePage(query.filter, offset: (query.page - 1) * ListQuery.pageSize, limit: ListQuery.pageSize), try tx.archiveTags())
        }
        return IncidentListView(query: query, page: page, tags: tags, platforms: platforms, now: now())
    }

    /// The incident's page with transcript page `page` (clamped to the last), nil when there is no such incident.
    public func incident(_ id: IncidentID, page: Int, transcriptOpen: Bool) async throws -> IncidentView? {
        let size = IncidentView.transcriptPageSize
        let found = try await store.read { tx -> (Incident, [TimelineEvent], [TimelineEvent], Int, Int, PostmortemDraft, [Incident], [PostmortemDraft])? in
            guard let incident = try tx.incident(id) else { return nil }
            let total = try tx.transcriptLength(of: id)
            let page = min(max(page, 1), max(1, (total + size - 1) / size))
            return (incident, try tx.keyEvents(of: id), try tx.transcriptPage(of: id, offset: (page - 1) * size, limit: size), total, page,
                    try tx.postmortem(of: id) ?? PostmortemDraft(incidentID: id), try tx.allIncidents(), try tx.allPostmortems())
        }
        guard let (incident, key, transcript, total, page, draft, incidents, drafts) = found else { return nil }
        return IncidentView(
            incident: incident, keyEvents: key, transcript: transcript, transcriptTotal: total, page: page, transcriptOpen: transcriptOpen,
            draft: draft, similar: RecurrenceFinder.similar(to: incident, incidents: incidents, drafts: drafts), desk: desk, now: now())
    }

    public func insights(days: Int) async throws -> InsightsView {
        let (incidents, drafts) = try await store.read { tx in (try tx.allIncidents(), try tx.allPostmortems()) }
        return InsightsView(incidents: incidents, drafts: drafts, days: days, now: now())
    }

    /// The incident's report as the bot publishes it (Markdown) and the file name it is saved under.
    public func report(_ id: IncidentID) async throws -> (markdown: String, fileName: String)? {
        let found = try await store.read { tx -> (Incident, [TimelineEvent], PostmortemDraft, [Incident], [PostmortemDraft])? in
            guard let incident = try tx.incident(id) else { return nil }
            return (incident, try tx.events(of: id), try tx.postmortem(of: id) ?? PostmortemDraft(incidentID: id), try tx.allIncidents(), try tx.allPostmortems())
        }
        guard let (incident, events, draft, incidents, drafts) = found else { return nil }
        let model = desk.reportModel(incident: incident, events: events, draft: draft, now: now(), revision: draft.publications,
                                     similar: RecurrenceFinder.similar(to: incident, incidents: incidents, drafts: drafts))
        return (desk.renderReport(model), String(ReportSlug.path(for: incident).split(separator: "/").last ?? "report.md"))
    }
}
