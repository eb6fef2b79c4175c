import Foundation

/// What pattern detection compares for one incident: its words of analysis and its tags.
public struct IncidentProfile: Hashable, Sendable {
    public var id: IncidentID
    public var title: String
    public var startedAt: Date
    /// Root cause, contributing factors and why answers: the text that says what went wrong.
    public var analysis: String
    /// Services and labels (`/postmortem tag`), compared exactly.
    public var tags: Set<String>

    public init(id: IncidentID, title: String, startedAt: Date, analysis: String, tags: Set<String> = []) {
        self.id = id
        self.title = title
        self.startedAt = startedAt
        self.analysis = analysis
        self.tags = tags
    }
}

/// An earlier incident that looks like the one at hand, and how much.
public struct SimilarIncident: Hashable, Sendable {
    public var id: IncidentID
    public var title: String
    public var startedAt: Date
    /// 0…1: cosine similarity of the analysis text blended with tag overlap.
    public var score: Double
    public var sharedTags: Set<String>
    /// The most telling words both incidents share, for "why we think so".
    public var sharedTerms: [String]
}

/// Finds incidents whose analysis or tags resemble another's: TF-IDF cosine similarity over the analysis text
/// (stop words removed, light stemming) blended with Jaccard overlap of tags. The default threshold (0.2) sits in the
/// gap measured on the 22-incident fixture in the tests: related pairs scored 0.26 and up, unrelated ones 0.09 at most.
public struct RecurrenceFinder: Sendable {
    public var threshold: Double
    public var tagWeight: Double
    private let profiles: [IncidentProfile]
    private let vectors: [IncidentID: [String: Double]]

    public init(profiles: [IncidentProfile], threshold: Double = 0.2, tagWeight: Double = 0.35) {
        self.profiles = profiles
        self.threshold = threshold
        self.tagWeight = tagWeight
        let documents = profiles.map { ($0.id, Self.terms($0.analysis)) }
        var documentFrequency: [String: Int] = [:]
        for (_, terms) in documents { for term in Set(terms) { documentFrequency[term, default: 0] += 1 } }
        let n = Double(max(1, documents.count))
        var vectors: [IncidentID: [String: Double]] = [:]
        for (id, terms) in documents {
            var counts: [String: Double] = [:]
            for term in terms { counts[term, default: 0] += 1 }
            var vector = counts.mapValues { $0 }
            for (term, count) in counts { vector[term] = count * (log((1 + n) / (1 + Double(documentFrequency[term] ?? 0))) + 1) }
            let norm = sqrt(vector.values.reduce(0) { $0 + $1 * $1 })
            vectors[id] = norm > 0 ? vector.mapValues { $0 / norm } : [:]
        }
        self.vectors = vectors
    }

    /// Incidents resembling `id`, most similar first, at or above the threshold.
    public func similar(to id: IncidentID) -> [SimilarIncident] {
        guard let target = profiles.first(where: { $0.id == id }), let vector = vectors[id] else { return [] }
        return profiles.compactMap { other -> SimilarIncident? in
            guard other.id != id, let otherVector = vectors[other.id] else { return nil }
            var cosine = 0.0
            var contributions: [(String, Double)] = []
            for (term, weight) in vector {
                if let w = otherVector[term] {
                    cosine += weight * w
                    contributions.append((term, weight * w))
                }
            }
            let union = target.tags.union(other.tags)
            let shared = target.tags.intersection(other.tags)
            let jaccard = union.isEmpty ? 0 : Double(shared.count) / Double(union.count)
            let score = union.isEmpty ? cosine : (1 - tagWeight) * cosine + tagWeight * jaccard
            guard score >= threshold else { return nil }
            let terms = contributions.sorted { $0.1 > $1.1 }.prefix(5).map(\.0)
            return SimilarIncident(id: other.id, title: other.title, startedAt: other.startedAt, score: score, sharedTags: shared, sharedTerms: terms)
        }
        .sorted { ($0.score, $0.startedAt) > ($1.score, $1.startedAt) }
    }

    private static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "was", "were",
        "be", "been", "are", "it", "its", "this", "that", "these", "those", "we", "our", "they", "their", "there", "not", "no",
        "did", "do", "does", "had", "has", "have", "which", "when", "while", "after", "before", "into", "than", "then", "so",
        "because", "why", "what", "could", "would", "should", "can", "all", "any", "some", "more", "too", "very", "out", "up",
    ]

    /// Lower-cased words, stop words removed, with a light suffix stemmer so "connections" meets "connection".
    public static func terms(_ text: String) -> [String] {
        text.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map(String.init)
            .filter { $0.count > 2 && !stopWords.contains($0) }
            .map(stem)
    }

    /// A few Porter-style rules: plurals, then -ation/-ion/-ing/-ed/-ly/-y, then a final -e, so "exhausted" meets
    /// "exhaustion", "expired" meets "expiry" and "certificates" meets "certificate".
    static func stem(_ word: String) -> String {
        var s = word
        func drop(_ suffix: String) -> Bool {
            guard s.hasSuffix(suffix), s.count - suffix.count >= 3 else { return false }
            s.removeLast(suffix.count)
            return true
        }
        if s.hasSuffix("sses") {
            s.removeLast(2)
        } else if s.hasSuffix("ies"), s.count > 4 {
            s.removeLast(3)
            s += "y"
        } else if s.hasSuffix("s"), !s.hasSuffix("ss"), s.count > 3 {
            s.removeLast()
        }
        _ = drop("ation") || drop("ion") || drop("ing") || drop("ed") || drop("ly") || drop("y")
        if s.hasSuffix("e"), s.count > 4 { s.removeLast() }
        return s
    }
}

extension RecurrenceFinder {
    /// Earlier incidents whose analysis or tags resemble `incident`'s, most similar first (the report's "similar
    /// incidents", `/postmortem patterns`, the web archive).
    public static func similar(to incident: Incident, incidents: [Incident], drafts: [PostmortemDraft]) -> [SimilarIncident] {
        let byID = Dictionary(drafts.map { ($0.incidentID, $0) }, uniquingKeysWith: { first, _ in first })
        let profiles = incidents.map { other in
            IncidentProfile(id: other.id, title: other.title, startedAt: other.startedAt,
                            analysis: [other.title, byID[other.id]?.analysisText ?? ""].joined(separator: "\n"), tags: Set(byID[other.id]?.tags ?? []))
        }
        return RecurrenceFinder(profiles: profiles).similar(to: incident.id)
    }
}
