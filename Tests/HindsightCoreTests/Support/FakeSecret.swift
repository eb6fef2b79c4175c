import Foundation
import HindsightCore

/// Builds made-up credentials in real formats from a template such as `"npm_{alnum:36}"`, with random-looking
/// characters from a fixed seed. The values exist only while the tests run: no literal in the source has a
/// provider's format, so nothing here is mistaken for (or is) a real secret.
struct FakeSecret {
    /// The text with every `{kind:count}` filled in.
    let text: String
    /// The filled-in parts: the secret material that must not survive redaction.
    let parts: [String]

    static let alphabets: [String: [Character]] = [
        "hex": Array("0123456789abcdef"),
        "HEX": Array("0123456789ABCDEF"),
        "ah": Array("abcdefgh0123456789"),
        "digits": Array("0123456789"),
        "lower": Array("abcdefghijklmnopqrstuvwxyz0123456789"),
        "UPPER": Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        "alpha": Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
        "alnum": Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
        "b64": Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        "b64u": Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
        "pass": Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#%^*+?"),
        "bech": Array("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
    ]

    init(_ template: String, seed: UInt64) {
        var random = SeededRandom(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 { random.next() }
        var text = ""
        var parts: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            text += rest[..<open]
            let spec = rest[rest.index(after: open)..<close].split(separator: ":")
            if spec.count == 2, let alphabet = Self.alphabets[String(spec[0])], let count = Int(spec[1]) {
                let part = String((0..<count).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
                parts.append(part)
                text += part
            } else if spec == ["uuid"] {
                let hex = Self.alphabets["hex"]!
                let part = [8, 4, 4, 4, 12].map { n in String((0..<n).map { _ in hex[Int(next() % 16)] }) }.joined(separator: "-")
                parts.append(part)
                text += part
            } else {
                // Not a placeholder (JSON braces, say): keep the brace and look further on.
                text += "{"
                rest = rest[rest.index(after: open)...]
                continue
            }
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        self.text = text
        self.parts = parts
    }
}
