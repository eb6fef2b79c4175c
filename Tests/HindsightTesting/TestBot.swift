import Foundation
import HindsightBot
import HindsightCore
import HindsightNet
import HindsightPrompts
import HindsightStore
import Logging

/// A real bot over a SQLite file, with the repository's `Prompts/` and no redaction, for adapter tests.
public enum TestBot {
    /// The repository's `Prompts/` folder.
    public static let prompts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Prompts")

    /// A bot storing into the SQLite file at `path` (created if needed), reading message text with `markups` (each
    /// adapter's tests pass their platform's, as the composition does).
    public static func make(path: String, markups: [Platform: any ChatMarkup] = [:], incidentChannels: IncidentChannels? = nil) throws -> Bot {
        var desk = try PromptSet(directory: prompts).desk(zone: .gmt, redact: { $0 })
        desk.markups = markups
        desk.incidentChannels = incidentChannels
        return Bot(store: try Store(path: path), desk: desk, logger: Logger(label: "test"))
    }
}

extension Store {
    /// The platform message ids stored on every incident's timeline, for checking that nothing was lost or doubled.
    public func allMessageIDs() async throws -> [String] {
        try await read { tx in try tx.allIncidents().flatMap { try tx.events(of: $0.id) }.compactMap(\.messageID) }
    }
}

/// The bot's own libcurl client, one for the whole test process (it runs its transfers on one thread).
public enum TestHTTP {
    public static let client = HTTPClient(logger: Logger(label: "test.http"))

    /// POSTs `body` as `contentType` with the given extra headers, and returns the answer whatever its status.
    public static func post(
        _ url: String, body: Data, contentType: String, headers extra: [(String, String)] = []
    ) async throws -> HTTPClient.Response {
        var headers = HTTPClient.Headers()
        for (name, value) in extra { headers.add(name: name, value: value) }
        return try await client.execute(HTTPClient.Request(.post, url: url, headers: headers, body: .data(body, contentType: contentType)))
    }
}
