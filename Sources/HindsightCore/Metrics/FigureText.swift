import Foundation

/// How a figure that may be missing is written wherever figures are shown (chat, the terminal, the web archive): a
/// duration as `1h 02m`, a rate as `75%`, and `—` for none.
public enum FigureText {
    public static func duration(_ value: TimeInterval?) -> String { value.map(UTCFormat.duration) ?? "—" }

    public static func percent(_ value: Double?) -> String { value.map { "\(Int(($0 * 100).rounded()))%" } ?? "—" }
}
