import Foundation

extension HTTPClient {
    /// A complete HTTP response; any status code, 4xx and 5xx included, arrives here rather than as an error.
    public struct Response: Sendable {
        /// The final response's status code (after redirects).
        public var status: Int
        /// The final response's headers; headers of redirect hops are not kept.
        public var headers: Headers
        /// The response body, decompressed if the server used a content encoding.
        public var body: Data

        /// Creates a response; the client builds these, tests and fakes may too.
        public init(status: Int, headers: Headers = [:], body: Data = Data()) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// Whether the status is in the 2xx range.
        public var isSuccess: Bool { (200..<300).contains(status) }

        /// How long the server asked us to wait (`Retry-After` as seconds or an HTTP-date), if it did.
        public var retryAfter: Duration? { retryAfter(now: Date()) }

        /// `retryAfter` computed against an explicit clock reading, for HTTP-date values.
        public func retryAfter(now: Date) -> Duration? {
            guard let raw = headers["Retry-After"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
                return nil
            }
            if let seconds = Int(raw) {
                return seconds >= 0 ? .seconds(seconds) : nil
            }
            guard let date = HTTPDate.parse(raw) else { return nil }
            let wait = date.timeIntervalSince(now)
            return wait > 0 ? .seconds(wait.rounded(.up)) : .zero
        }

        /// Decodes the body as JSON into `type`.
        public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
            try decoder.decode(type, from: body)
        }

        /// The body as UTF-8 text, with invalid bytes replaced.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }
}

/// RFC 9110 HTTP-date parsing: IMF-fixdate plus the two obsolete forms servers still send.
enum HTTPDate {
    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz",  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "EEEE, dd-MMM-yy HH:mm:ss zzz",  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        "EEE MMM d HH:mm:ss yyyy",  // asctime: Sun Nov  6 08:49:37 1994
    ]

    static func parse(_ string: String) -> Date? {
        // DateFormatter is not Sendable; parsing Retry-After is rare, so build one per call.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        let normalized = string.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: normalized) { return date }
        }
        return nil
    }
}
