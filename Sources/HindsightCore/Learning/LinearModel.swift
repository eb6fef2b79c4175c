import Foundation

/// A logistic model over named features: a bias and a weight per feature, the score being their sum. The blameless
/// check's second opinion (`BlameFeatures`) and the key-event model (`KeyEventFeatures`) are both one of these, each
/// with its own features; both are trained by `hindsight eval` on the `dev` half of the corpus and kept in `Prompts/`
/// as a TSV file (`tsv(comment:)`, `init(tsv:)`).
public struct LinearModel: Hashable, Sendable {
    /// One labelled example to learn from, as its features.
    public struct Example: Sendable {
        public var features: [String]
        public var positive: Bool

        public init(features: [String], positive: Bool) {
            self.features = features
            self.positive = positive
        }
    }

    public var bias: Double
    public var weights: [String: Double]

    public init(bias: Double, weights: [String: Double]) {
        self.bias = bias
        self.weights = weights
    }

    /// The score of a set of features and the features that pushed it up most, strongest first.
    public func score(_ features: [String]) -> (value: Double, strongest: [String]) {
        var value = bias
        var pushes: [(String, Double)] = []
        for feature in features {
            guard let weight = weights[feature] else { continue }
            value += weight
            if weight > 0 { pushes.append((feature, weight)) }
        }
        return (value, pushes.sorted { $0.1 > $1.1 }.map(\.0))
    }

    // MARK: Weights as a file

    /// The weights as the Prompts file: a comment, then `bias` and one `feature<TAB>weight` line per feature.
    public func tsv(comment: [String]) -> String {
        var lines = comment.map { "# " + $0 }
        lines.append("bias\t\(Self.format(bias))")
        for (feature, weight) in weights.sorted(by: { abs($0.value) != abs($1.value) ? abs($0.value) > abs($1.value) : $0.key < $1.key }) {
            lines.append("\(feature)\t\(Self.format(weight))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads the Prompts file; the error names the line that cannot be read. Byte by byte: it is read at every start.
    public init(tsv: String) throws(LinearModelError) {
        var bias = 0.0
        var weights: [String: Double] = [:]
        weights.reserveCapacity(tsv.utf8.count / 20)
        let newline = UInt8(ascii: "\n"), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")
        var copy = tsv
        let failure: LinearModelError? = copy.withUTF8 { bytes -> LinearModelError? in
            var line = 0
            var start = 0
            while start < bytes.count {
                line += 1
                var end = start
                while end < bytes.count, bytes[end] != newline { end += 1 }
                defer { start = end + 1 }
                if end == start || bytes[start] == hash { continue }
                var split = start
                while split < end, bytes[split] != tab { split += 1 }
                let weight: Double? = split < end - 1 ? Self.number(UnsafeBufferPointer(rebasing: bytes[(split + 1)..<end])) : nil
                guard split > start, let weight else { return LinearModelError(line: line, reason: "is not `feature<TAB>weight`") }
                let feature = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<split]), as: UTF8.self)
                if feature == "bias" { bias = weight } else { weights[feature] = weight }
            }
            return nil
        }
        if let failure { throw failure }
        self.init(bias: bias, weights: weights)
    }

    /// A decimal such as `-1.2345`, or nil when the bytes are anything else.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        var value = 0.0, scale = 1.0, digits = 0, fraction = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "."), !fraction {
                fraction = true
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                value = value * 10 + Double(byte - UInt8(ascii: "0"))
                if fraction { scale *= 10 }
                digits += 1
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        return (negative ? -value : value) / scale
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }

    // MARK: Learning

    /// Fits the model by stochastic gradient descent on the log loss with an L2 penalty, the examples shuffled by
    /// `seed` each pass: the same examples and seed give the same weights. Weights smaller than `keep` are dropped.
    public static func train(
        _ examples: [Example], passes: Int = 30, rate: Double = 0.3, l2: Double = 0.001, keep: Double = 0.05, seed: UInt64 = 1
    ) -> LinearModel {
        let rows = examples.map { (features: Array(Set($0.features)).sorted(), label: $0.positive ? 1.0 : 0.0) }
        var bias = 0.0
        var weights: [String: Double] = [:]
        var order = Array(rows.indices)
        for pass in 0..<passes {
            var random = SeededRandom(seed: seed &+ UInt64(pass))
            order.shuffle(using: &random)
            for index in order {
                let row = rows[index]
                let z = row.features.reduce(bias) { $0 + weights[$1, default: 0] }
                let p = 1 / (1 + exp(-min(30, max(-30, z))))
                let gradient = p - row.label
                for feature in row.features {
                    let w = weights[feature, default: 0]
                    weights[feature] = w - rate * (gradient + l2 * w)
                }
                bias -= rate * (gradient + l2 * bias)
            }
        }
        return LinearModel(bias: bias, weights: weights.filter { abs($0.value) >= keep })
    }
}

/// A weights file that cannot be read.
public struct LinearModelError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line) \(reason)" }
}

