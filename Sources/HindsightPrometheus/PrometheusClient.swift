import Foundation
import HindsightCore
import HindsightNet

/// Prometheus's HTTP API (`/api/v1/query_range`) over libcurl, for `/postmortem metrics`.
public struct PrometheusClient: Sendable {
    let baseURL: String
    let token: String?
    let http: HTTPClient

    public init(baseURL: String, token: String? = nil, http: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
    }

    /// Samples of the first series `query` returns between `start` and `end`, about 300 points.
    public func range(_ query: String, start: Date, end: Date) async throws -> [(Date, Double)] {
        let step = max(15, Int((end.timeIntervalSince(start) / 300).rounded(.up)))
        var components = URLComponents(string: "\(baseURL)/api/v1/query_range")
        components?.queryItems = [
            URLQueryItem(name: "query", value: query), URLQueryItem(name: "start", value: String(Int(start.timeIntervalSince1970))),
            URLQueryItem(name: "end", value: String(Int(end.timeIntervalSince1970))), URLQueryItem(name: "step", value: "\(step)"),
        ]
        // URLComponents leaves "+" alone, which Prometheus would read as a space.
        let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = encoded
        guard let url = components?.url?.absoluteString else { throw HTTPClientError.invalidURL(baseURL) }
        var headers = HTTPClient.Headers()
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await http.execute(HTTPClient.Request(.get, url: url, headers: headers))
        do {
            return try PrometheusRange.samples(from: response.body).samples
        } catch {
            throw PrometheusError(status: response.status, detail: error.description)
        }
    }

    /// A link to the query's graph in Prometheus's UI for the same window.
    public func graphLink(_ query: String, start: Date, end: Date) -> String {
        var components = URLComponents(string: "\(baseURL)/graph")
        components?.queryItems = [
            URLQueryItem(name: "g0.expr", value: query), URLQueryItem(name: "g0.tab", value: "0"),
            URLQueryItem(name: "g0.range_input", value: "\(max(1, Int(end.timeIntervalSince(start) / 60)))m"),
            URLQueryItem(name: "g0.end_input", value: UTCFormat.dateTime(end).replacingOccurrences(of: " UTC", with: "")),
        ]
        return components?.url?.absoluteString ?? baseURL
    }
}

/// Prometheus refused the query or answered something that is not a range result.
public struct PrometheusError: Error, CustomStringConvertible, Sendable {
    public var status: Int
    public var detail: String
    public var description: String { "HTTP \(status): \(detail)" }
}
