import HindsightCore

/// How both trainings split what they learn from for cross-validation.
enum CrossValidation {
    /// The indexes `0..<count` shuffled by `seed` and dealt into `folds` groups in turn: each is held out once while a
    /// model is fitted on the others. The same count, folds and seed give the same groups.
    static func folds(of count: Int, into folds: Int, seed: UInt64) -> [[Int]] {
        var order = Array(0..<count)
        var random = SeededRandom(seed: seed)
        order.shuffle(using: &random)
        return (0..<folds).map { fold in order.enumerated().filter { $0.offset % folds == fold }.map(\.element) }
    }
}
