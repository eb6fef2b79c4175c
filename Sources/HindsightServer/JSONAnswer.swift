import Foundation
import Hummingbird
import Metrics

/// The JSON answers every route gives, so a refusal reads and counts the same on each.
public enum JSONAnswer {
    /// `value` as compact JSON with sorted keys, with `status`.
    public static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    /// `{"error": reason}` with `status`: what went wrong and what to do.
    public static func error(_ status: HTTPResponse.Status, _ reason: String) throws -> Response {
        try json(status, ["error": reason])
    }

    /// Counts a refused request in `hindsight_http_refused_total` by route and reason.
    public static func countRefusal(route: String, reason: String) {
        Counter(label: "hindsight_http_refused_total", dimensions: [("route", route), ("reason", reason)]).increment()
    }
}

/// Lower-case hexadecimal text of bytes (signatures, generated secrets, nonces).
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
