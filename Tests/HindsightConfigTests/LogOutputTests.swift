import Foundation
import HindsightConfig
import Logging
import Synchronization
import Testing

/// Collects what a handler writes.
final class Lines: Sendable {
    let all = Mutex<[String]>([])
    func append(_ line: String) { all.withLock { $0.append(line) } }
}

@Suite("Log output: text or one JSON object per line, never a secret")
struct LogOutputTests {
    let token = "xoxb-1111111111-2222222222-abcdefABCDEF"

    func logger(_ format: LogFormat, _ lines: Lines) -> Logger {
        Logger(label: "hindsight") { label in
            LogOutput(label: label, format: format, level: .info, secrets: [token, "x"], write: { lines.append($0) })
        }
    }

    @Test("json: one object per line with time (RFC 3339 UTC), level, label, message and the metadata")
    func json() throws {
        let lines = Lines()
        var log = logger(.json, lines)
        log[metadataKey: "platform"] = "slack"
        log.warning("store write failed", metadata: ["incident": "INC-2026-1202-001", "channel": "C042"])
        log.debug("not written at info")
        let written = lines.all.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "warning")
        #expect(object["label"] == "hindsight")
        #expect(object["message"] == "store write failed")
        #expect(object["incident"] == "INC-2026-1202-001" && object["channel"] == "C042" && object["platform"] == "slack")
        let time = try #require(object["time"])
        #expect(time.hasSuffix("Z"))
        #expect(try Date(time, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) <= Date())
    }

    @Test("a configured secret is replaced in the message and the metadata, in both formats", arguments: LogFormat.allCases)
    func secretsScrubbed(_ format: LogFormat) {
        let lines = Lines()
        let log = logger(format, lines)
        log.error("auth failed with \(token)", metadata: ["header": "Bearer \(token)", "nested": .dictionary(["t": .string(token)])])
        let text = lines.all.withLock { $0.joined() }
        #expect(!text.contains(token))
        #expect(!text.contains("abcdefABCDEF"))
        #expect(text.contains("[redacted]"))
        // A one-character "secret" is ignored rather than blanking every x.
        #expect(format == .json ? text.contains(#""label":"hindsight""#) : text.contains("hindsight:"))
    }

    @Test("text keeps swift-log's layout: time, level, label, metadata, source, message")
    func text() throws {
        let lines = Lines()
        logger(.text, lines).notice("http server listening", metadata: ["host": "127.0.0.1", "port": "8080"])
        let line = try #require(lines.all.withLock { $0.first })
        #expect(line.contains(" notice hindsight: host=127.0.0.1 port=8080 [HindsightConfigTests] http server listening"))
        #expect(line.prefix(24).hasSuffix("+0000"))
    }
}
