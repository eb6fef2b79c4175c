import Foundation

/// A `multipart/form-data` body as a fake server receives it, for asserting on uploads.
///
/// Deliberately small: it handles what real clients send (CRLF delimiters, quoted parameters) and is not
/// meant to accept every edge of RFC 7578, such as `;` inside quoted file names.
public struct TestHTTPMultipart: Sendable {
    /// One part of the form.
    public struct Part: Sendable {
        /// The `name` parameter of the part's Content-Disposition.
        public var name: String
        /// The `filename` parameter, present for file uploads.
        public var filename: String?
        /// The part's Content-Type header, if it had one.
        public var contentType: String?
        /// The part's bytes.
        public var data: Data
    }

    /// The parts in body order.
    public var parts: [Part]

    /// The first part named `name`.
    public subscript(name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// Parses `body` sent with the request header `contentType`; `nil` if it is not well-formed multipart.
    public init?(body: Data, contentType: String) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameters(of: contentType)["boundary"], !boundary.isEmpty
        else { return nil }
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else { return nil }
        var parts: [Part] = []
        while true {
            // After a delimiter comes either "--" (the end) or CRLF and the next part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else { return nil }
            cursor += crlf.count
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: cursor..<body.endIndex),
                let next = body.range(of: crlf + delimiter, in: headerEnd.upperBound..<body.endIndex)
            else { return nil }
            let headerText = String(decoding: body[cursor..<headerEnd.lowerBound], as: UTF8.self)
            guard let part = Self.part(headers: headerText, data: body[headerEnd.upperBound..<next.lowerBound]) else {
                return nil
            }
            parts.append(part)
            cursor = next.upperBound
        }
        self.parts = parts
    }

    private static func part(headers: String, data: Data) -> Part? {
        var disposition: [String: String] = [:]
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = parameters(of: value) }
            if name == "content-type" { contentType = value }
        }
        guard let name = disposition["name"] else { return nil }
        return Part(name: name, filename: disposition["filename"], contentType: contentType, data: Data(data))
    }

    /// `type; key=value; key="quoted value"` → `[key: value]`, keys lowercased.
    private static func parameters(of header: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in header.split(separator: ";").dropFirst() {
            guard let equals = item.firstIndex(of: "=") else { continue }
            let key = item[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = item[item.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            result[key] = value
        }
        return result
    }
}
