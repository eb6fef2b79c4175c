import Foundation
import HindsightTesting
import Testing

@Suite("The real binary's JSON logs")
struct LogFormatProcessTests {
    @Test("HINDSIGHT_LOG_FORMAT=json writes one JSON object per line, with no token in any of them")
    func jsonLines() async throws {
        try await withTemporaryFolder("hindsight-log") { dir in
            let commandToken = "l0gc0mmandt0kenl0gc0mmandt"
            try await FakeMattermost.run { fake in
                let child = try ChildProcess(arguments: ["run"], environment: ChildProcess.environment(
                    database: dir.appendingPathComponent("db.sqlite").path,
                    extra: [
                        "MATTERMOST_URL": fake.baseURL, "MATTERMOST_TOKEN": fake.token, "MATTERMOST_COMMAND_TOKEN": commandToken,
                        "MATTERMOST_WEBSOCKET_URL": fake.webSocketURL, "HINDSIGHT_HTTP_HOST": "127.0.0.1", "HINDSIGHT_HTTP_PORT": "0",
                        "HINDSIGHT_LOG_LEVEL": "debug", "HINDSIGHT_LOG_FORMAT": "json",
                    ]
                ))
                await fake.waitForSocket { $0.freshHellos >= 1 }
                // A refused slash command logs a warning, with the wrong token in the request but never in the log.
                var port: Int?
                for _ in 0..<500 where port == nil {
                    port = Self.objects(child.standardError).first { $0["message"] == "http server listening" }.flatMap { $0["port"] }.flatMap(Int.init)
                    try await Task.sleep(for: .milliseconds(10))
                }
                let bound = try #require(port, "stderr: \(child.standardError)")
                _ = try await fake.slashCommand(
                    to: "http://127.0.0.1:\(bound)/mattermost/command", token: "wr0ngwr0ngwr0ngwr0ngwr0ng0", channelID: FakeMattermostID.make(),
                    userID: FakeMattermostID.make(), text: "status"
                )
                child.terminate()
                #expect(child.wait() == 0)
                let stderr = child.standardError
                let lines = stderr.split(separator: "\n")
                #expect(lines.count >= 3)
                #expect(Self.objects(stderr).count == lines.count, "every line is a JSON object: \(stderr.prefix(2000))")
                #expect(Self.objects(stderr).allSatisfy { $0["time"]?.hasSuffix("Z") == true && $0["level"] != nil && $0["label"] != nil })
                #expect(Self.objects(stderr).contains { $0["message"]?.contains("refused a slash command") == true })
                #expect(!stderr.contains(fake.token))
                #expect(!stderr.contains(commandToken))
            }
        }
    }

    /// The lines of `text` that are JSON objects of strings.
    static func objects(_ text: String) -> [[String: String]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
    }
}
