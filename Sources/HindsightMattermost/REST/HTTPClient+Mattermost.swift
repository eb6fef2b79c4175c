import Foundation
import HindsightNet

/// The production transport: Mattermost REST calls go through libcurl like every other outbound request.
extension HTTPClient: MattermostHTTPTransport {
    public func send(_ request: MattermostHTTPRequest) async throws -> MattermostHTTPResponse {
        guard let method = HTTPClient.Method(rawValue: request.method.uppercased()) else {
            throw HTTPClientError.invalidURL("unsupported method \(request.method)")
        }
        var headers = HTTPClient.Headers()
        var contentType = "application/json"
        for header in request.headers {
            if header.name.caseInsensitiveCompare("Content-Type") == .orderedSame {
                contentType = header.value
            } else {
                headers.add(name: header.name, value: header.value)
            }
        }
        let body = request.body.map { HTTPClient.Body.data($0, contentType: contentType) }
        let response = try await execute(HTTPClient.Request(method, url: request.url, headers: headers, body: body))
        return MattermostHTTPResponse(status: response.status, headers: Array(response.headers), body: response.body)
    }
}
