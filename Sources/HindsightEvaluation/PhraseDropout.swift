import HindsightCore

/// Drops a share of the phrases that speak *for* a rule (features with a positive weight), so `hindsight eval` can show
/// how the rules do on phrasing they were not written for: a war room whose people say "failover finished" where the
/// lists only know "failed over". Features that only weigh against a rule (negations, plans, chit-chat) are kept
/// whole, and every feature keeps at least its first phrase. Seeded, so a figure can be reproduced.
public struct PhraseDropout: Sendable {
    /// The share of phrases dropped, 0…1.
    public var share: Double
    public var seed: UInt64

    public init(share: Double, seed: UInt64) {
        self.share = share
        self.seed = seed
    }

    public func apply(to rules: ClassifierRules) -> ClassifierRules {
        let weights = rules.milestones.flatMap(\.weights) + rules.keyEvents.flatMap(\.weights)
        let positive = Set(weights.filter { $0.value > 0 }.map { $0.key.hasPrefix("recent_") ? String($0.key.dropFirst("recent_".count)) : $0.key })
        var out = rules
        out.features = thin(rules.features, keeping: { !positive.contains($0) })
        return out
    }

    public func apply(to rules: ActionRules) -> ActionRules {
        var out = rules
        out.features = thin(rules.features, keeping: { (rules.weights[$0] ?? 0) <= 0 })
        return out
    }

    private func thin(_ features: [String: [String]], keeping whole: (String) -> Bool) -> [String: [String]] {
        var random = SeededRandom(seed: seed)
        var out: [String: [String]] = [:]
        for (name, phrases) in features.sorted(by: { $0.key < $1.key }) {
            if whole(name) { out[name] = phrases; continue }
            let kept = phrases.filter { _ in random.nextUnit() >= share }
            out[name] = kept.isEmpty ? Array(phrases.prefix(1)) : kept
        }
        return out
    }
}
