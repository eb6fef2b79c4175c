import Foundation

extension HTTPClient {
    /// The HTTP methods Hindsight's integrations use.
    public enum Method: String, Sendable, CaseIterable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case patch = "PATCH"
        case delete = "DELETE"
    }

    /// One HTTP request: method, absolute http(s) URL, headers and an optional body.
    public struct Request: Sendable {
        /// The request method.
        public var method: Method
        /// The absolute URL, query string included.
        public var url: String
        /// Request headers; `Content-Type` is derived from `body` unless set here.
        public var headers: Headers
        /// The request body, if any.
        public var body: Body?
        /// Overrides `Configuration.totalTimeout` for this request.
        public var timeout: Duration?
        /// Overrides `Configuration.connectTimeout` for this request.
        public var connectTimeout: Duration?

        /// Creates a request; timeouts default to the client's configuration.
        public init(
            _ method: Method = .get,
            url: String,
            headers: Headers = [:],
            body: Body? = nil,
            timeout: Duration? = nil,
            connectTimeout: Duration? = nil
        ) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.timeout = timeout
            self.connectTimeout = connectTimeout
        }
    }

    /// A request body and the content type it is sent with.
    public enum Body: Sendable {
        /// Raw bytes with an explicit content type.
        case data(Data, contentType: String)
        /// Already-encoded JSON, sent as `application/json; charset=utf-8`.
        case json(Data)
        /// Name/value pairs sent as `application/x-www-form-urlencoded`, percent-encoded as UTF-8.
        case form([(String, String)])
        /// A `multipart/form-data` body; libcurl chooses the boundary.
        case multipart([MultipartPart])

        /// Encodes `value` with `encoder` into a JSON body.
        public static func json<T: Encodable>(_ value: T, encoder: JSONEncoder = JSONEncoder()) throws -> Body {
            .json(try encoder.encode(value))
        }
    }

    /// One part of a `multipart/form-data` body: a form field, or a file when `filename` is set.
    public struct MultipartPart: Sendable {
        /// The form field name.
        public var name: String
        /// The file name reported to the server; `nil` for a plain field.
        public var filename: String?
        /// The part's content type; `nil` lets the server assume text (or curl guess from the file name).
        public var contentType: String?
        /// The part's bytes.
        public var data: Data

        /// Creates a part; pass `filename` to send it as a file upload.
        public init(name: String, filename: String? = nil, contentType: String? = nil, data: Data) {
            self.name = name
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }

        /// Creates a plain text form field.
        public init(name: String, value: String) {
            self.init(name: name, data: Data(value.utf8))
        }
    }
}

extension HTTPClient.Body {
    /// The Content-Type header this body is sent with, or `nil` when libcurl sets it (multipart boundary).
    var contentType: String? {
        switch self {
        case .data(_, let contentType): contentType
        case .json: "application/json; charset=utf-8"
        case .form: "application/x-www-form-urlencoded"
        case .multipart: nil
        }
    }

    /// The encoded bytes for every body except multipart, which libcurl assembles.
    var encodedBytes: Data? {
        switch self {
        case .data(let data, _): data
        case .json(let data): data
        case .form(let pairs): Data(FormURLEncoding.encode(pairs).utf8)
        case .multipart: nil
        }
    }
}

/// `application/x-www-form-urlencoded` serialisation: only RFC 3986 unreserved characters stay literal.
enum FormURLEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ string: String) -> String {
        var result = ""
        result.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0x0F)]
            }
        }
        return result
    }

    private static let hexDigits = "0123456789ABCDEF".map(String.init)
}

extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive timeout never becomes "no timeout" (0).
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return max(1, Int(millis))
    }
}
