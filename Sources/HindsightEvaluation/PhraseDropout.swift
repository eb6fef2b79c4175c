import HindsightCore

/// Drops a share of the phrases that speak *for* a rule (features with a positive weight), so `hindsight eval` can show
/// how the rules do on phrasing they were not written for: a war room whose people say "failover finished" where the
/// lists only know "failed over". Features that only weigh against a rule (negations, plans, chit-chat) are kept
/// whole, and every feature keeps at least its first phrase. Seeded, so a figure can be reproduced; whether a phrase is
/// dropped depends only on the seed, its feature and the phrase itself, so adding a phrase to a list leaves the fate of
/// every other phrase as it was, and two versions of the rules can be compared under the same seed.
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
        var out: [String: [String]] = [:]
        for (name, phrases) in features {
            if whole(name) { out[name] = phrases; continue }
            let kept = phrases.filter { draw(name, $0) >= share }
            out[name] = kept.isEmpty ? Array(phrases.prefix(1)) : kept
        }
        return out
    }

    /// A number in [0, 1) fixed by the seed, the feature and the phrase: FNV-1a over them, then mixed as a seed.
    private func draw(_ feature: String, _ phrase: String) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in feature.utf8 + [0] + phrase.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        var random = SeededRandom(seed: hash ^ seed)
        return random.nextUnit()
    }
}
