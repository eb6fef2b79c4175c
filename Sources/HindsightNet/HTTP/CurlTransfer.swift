internal import CCurl
import Foundation

/// One request in flight: its easy handle, the C resources it owns and the response being collected.
///
/// Created, used and released only on the curl thread. libcurl's callbacks find it again through the
/// `Unmanaged` userdata pointer; `CurlTransferLoop.active` keeps it alive while the handle is in the multi.
final class CurlTransfer {
    let submission: CurlSubmission
    let easy: UnsafeMutableRawPointer
    let totalTimeout: Duration
    let connectTimeout: Duration
    let startedAt = ContinuousClock.now
    private var requestHeaders: UnsafeMutablePointer<curl_slist>?
    private var mime: OpaquePointer?
    /// Allocated rather than borrowed: libcurl writes into it at any point until the handle is cleaned up.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var responseHeaders = HTTPClient.Headers()
    private var responseBody = Data()
    private var hasReservedBody = false

    init(_ submission: CurlSubmission, configuration: HTTPClient.Configuration) throws(HTTPClientError) {
        guard let easy = curl_easy_init() else {
            throw .transport(
                code: Int(CURLE_OUT_OF_MEMORY.rawValue),
                message: "curl_easy_init failed",
                url: URLRedaction.redact(submission.request.url)
            )
        }
        self.submission = submission
        self.easy = easy
        self.totalTimeout = submission.request.timeout ?? configuration.totalTimeout
        self.connectTimeout = submission.request.connectTimeout ?? configuration.connectTimeout
        self.errorBuffer = .allocate(capacity: HS_CURL_ERROR_SIZE)
        errorBuffer.initialize(repeating: 0, count: HS_CURL_ERROR_SIZE)
        try configure(configuration)
    }

    deinit {
        // The easy handle goes first: it may still reference the header list and the mime tree.
        curl_easy_cleanup(easy)
        curl_slist_free_all(requestHeaders)
        curl_mime_free(mime)
        errorBuffer.deallocate()
    }

    var request: HTTPClient.Request { submission.request }

    // MARK: Setup

    private func configure(_ configuration: HTTPClient.Configuration) throws(HTTPClientError) {
        let request = submission.request
        let userdata = Unmanaged.passUnretained(self).toOpaque()
        try check(hs_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_FOLLOWLOCATION, configuration.followRedirects ? 1 : 0)
        try set(CURLOPT_MAXREDIRS, configuration.maxRedirects)
        try set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.curlMilliseconds)
        try set(CURLOPT_TIMEOUT_MS, totalTimeout.curlMilliseconds)
        try set(CURLOPT_SSL_VERIFYPEER, configuration.verifyTLS ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, configuration.verifyTLS ? 2 : 0)
        try set(CURLOPT_USERAGENT, configuration.userAgent)
        try set(CURLOPT_ACCEPT_ENCODING, "")  // every encoding this libcurl can decode
        try setCallback(CURLOPT_WRITEFUNCTION, userdata: (CURLOPT_WRITEDATA, userdata)) { buffer, size, count, userdata in
            CurlTransfer.from(userdata).receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
            return size * count
        }
        try setCallback(CURLOPT_HEADERFUNCTION, userdata: (CURLOPT_HEADERDATA, userdata)) { buffer, size, count, userdata in
            CurlTransfer.from(userdata).receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
            return size * count
        }
        try configureBody(request)
        try configureHeaders(request)
    }

    private func configureBody(_ request: HTTPClient.Request) throws(HTTPClientError) {
        switch request.body {
        case nil:
            switch request.method {
            case .get: return
            case .delete: break
            case .post, .put, .patch:
                // An explicit empty body so the server sees Content-Length: 0.
                try check(hs_easy_setopt_copypostfields(easy, nil, 0))
            }
        case .multipart(let parts):
            try attachMultipart(parts)
        case let body?:
            let bytes = body.encodedBytes ?? Data()
            try check(bytes.withUnsafeBytes { raw in
                hs_easy_setopt_copypostfields(easy, raw.baseAddress, curl_off_t(raw.count))
            })
        }
        if request.method != .post {
            try set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
    }

    private func attachMultipart(_ parts: [HTTPClient.MultipartPart]) throws(HTTPClientError) {
        guard let mime = curl_mime_init(easy) else { throw failure(CURLE_OUT_OF_MEMORY) }
        self.mime = mime
        for part in parts {
            guard let handle = curl_mime_addpart(mime) else { throw failure(CURLE_OUT_OF_MEMORY) }
            try check(curl_mime_name(handle, part.name))
            // libcurl copies the bytes; an empty part still needs a valid pointer.
            try check(part.data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return curl_mime_data(handle, "", 0) }
                return curl_mime_data(handle, base.assumingMemoryBound(to: CChar.self), raw.count)
            })
            if let filename = part.filename { try check(curl_mime_filename(handle, filename)) }
            if let contentType = part.contentType { try check(curl_mime_type(handle, contentType)) }
        }
        try check(hs_easy_setopt_mime(easy, CURLOPT_MIMEPOST, mime))
    }

    private func configureHeaders(_ request: HTTPClient.Request) throws(HTTPClientError) {
        var lines: [String] = []
        for (name, value) in request.headers {
            guard !name.isEmpty, !Self.hasLineBreakOrColon(name), !Self.hasLineBreak(value) else {
                throw .invalidHeader(name: name.filter { !$0.isNewline })
            }
            // "Name:" would tell libcurl to drop the header; "Name;" sends it with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if let contentType = request.body?.contentType, !request.headers.contains("Content-Type") {
            lines.append("Content-Type: \(contentType)")
        }
        // libcurl waits up to a second for "100 Continue" before large bodies; our servers never need it.
        if !request.headers.contains("Expect") { lines.append("Expect:") }
        for line in lines {
            guard let appended = curl_slist_append(requestHeaders, line) else { throw failure(CURLE_OUT_OF_MEMORY) }
            requestHeaders = appended
        }
        try check(hs_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, requestHeaders))
    }

    private static func hasLineBreak(_ string: String) -> Bool {
        string.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 }
    }

    private static func hasLineBreakOrColon(_ string: String) -> Bool {
        hasLineBreak(string) || string.utf8.contains(UInt8(ascii: ":"))
    }

    private func setCallback(
        _ option: CURLoption,
        userdata: (option: CURLoption, pointer: UnsafeMutableRawPointer),
        _ callback: curl_write_callback
    ) throws(HTTPClientError) {
        try check(hs_easy_setopt_pointer(easy, userdata.option, userdata.pointer))
        try check(hs_easy_setopt_datacb(easy, option, callback))
    }

    /// The transfer behind a callback's userdata, which is always `self` passed unretained in `configure`.
    private static func from(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
        Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(hs_easy_setopt_long(easy, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        try check(hs_easy_setopt_string(easy, option, value))
    }

    private func check(_ code: CURLcode) throws(HTTPClientError) {
        if code != CURLE_OK { throw failure(code) }
    }

    // MARK: Callbacks (curl thread)

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) {
        if !hasReservedBody {
            hasReservedBody = true
            var expected: curl_off_t = -1
            if hs_easy_getinfo_off_t(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected) == CURLE_OK,
                expected > 0, expected < 256 << 20
            {
                responseBody.reserveCapacity(Int(expected))
            }
        }
        responseBody.append(contentsOf: bytes)
    }

    private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            // A new status line: a redirect hop or an interim 1xx. Only the final response counts.
            responseHeaders = HTTPClient.Headers()
            responseBody = Data()
            hasReservedBody = false
        } else if let first = line.first, first == " " || first == "\t" {
            responseHeaders.appendToLastValue(" " + line.trimmingCharacters(in: .whitespaces))
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            responseHeaders.add(name: name, value: value)
        }
    }

    // MARK: Completion

    /// The final response, read once libcurl reports the transfer done.
    func response() -> HTTPClient.Response {
        var status = 0
        _ = hs_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClient.Response(status: status, headers: responseHeaders, body: responseBody)
    }

    /// The error for a failed transfer; a timeout reports whichever limit actually applied.
    func failure(_ code: CURLcode) -> HTTPClientError {
        errorBuffer[HS_CURL_ERROR_SIZE - 1] = 0
        let buffered = String(cString: errorBuffer)
        let message = buffered.isEmpty ? String(cString: curl_easy_strerror(code)) : buffered
        var connectMicros: curl_off_t = 0
        _ = hs_easy_getinfo_off_t(easy, CURLINFO_CONNECT_TIME_T, &connectMicros)
        let limit = connectMicros == 0 ? min(connectTimeout, totalTimeout) : totalTimeout
        return .from(code: code, message: message, url: request.url, timeout: limit)
    }
}
