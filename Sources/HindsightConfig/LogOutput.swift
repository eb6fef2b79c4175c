import Foundation
import Logging

/// How log lines are written: `text` for a terminal (swift-log's usual layout), `json` for log pipelines (Loki,
/// Elasticsearch, Cloud Logging), one object per line.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// A swift-log handler writing to standard error in either format, with every configured secret value replaced by
/// `[redacted]` in the message and the metadata, so a token that reaches a log call by mistake never reaches the log.
public struct LogOutput: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: LogFormat
    private let secrets: [String]
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - secrets: values that must never be written (tokens and passwords from the settings); short ones are ignored
    ///     so that a secret like `1` does not blank out every digit.
    ///   - write: where a finished line goes (standard error unless a test captures it).
    public init(
        label: String, format: LogFormat, level: Logger.Level, secrets: [String],
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.label = label
        self.format = format
        logLevel = level
        // Longest first, so a secret that contains another is replaced whole.
        self.secrets = Set(secrets.filter { $0.count >= 6 }).sorted { $0.count > $1.count }
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let message = scrub(event.message.description)
        let fields = merged.mapValues { scrub(Self.flatten($0)) }
        let time = Date()
        switch format {
        case .text:
            let meta = fields.isEmpty ? "" : " " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            write("\(Self.textTime(time)) \(event.level) \(label):\(meta) [\(event.source)] \(message)\n")
        case .json:
            var object: [String: String] = ["time": Self.rfc3339(time), "level": event.level.rawValue, "label": label, "message": message,
                                            "source": event.source]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    private func scrub(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) { text = text.replacingOccurrences(of: secret, with: "[redacted]") }
        return text
    }

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): "[" + a.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let d): "{" + d.sorted { $0.key < $1.key }.map { "\($0.key): \(flatten($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-12-02T14:05:00.123Z`.
    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// swift-log's `StreamLogHandler` layout (`2026-12-02T14:05:00+0000`), always in UTC.
    static func textTime(_ date: Date) -> String {
        let seconds = date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return seconds.hasSuffix("Z") ? String(seconds.dropLast()) + "+0000" : seconds
    }
}
