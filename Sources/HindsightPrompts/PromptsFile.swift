import Foundation
import Yams

/// A `Prompts/` data file that failed to load: which file, where, and why, in words a team editing it can act on.
public struct PromptsError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// Reads one YAML file from `Prompts/` into a `Decodable` core value, turning YAML and shape errors into `PromptsError`.
public enum PromptsFile {
    /// Decodes `url` as YAML into `T`.
    public static func load<T: Decodable>(_ type: T.Type, from url: URL) throws(PromptsError) -> T {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PromptsError(file: url.path, reason: "cannot be read (\(error.localizedDescription)); check the path and permissions")
        }
        return try decode(type, yaml: text, file: url.path)
    }

    /// Decodes YAML text into `T`; `file` names the source in errors.
    public static func decode<T: Decodable>(_ type: T.Type, yaml: String, file: String) throws(PromptsError) -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: yaml)
        } catch let error as YamlError {
            throw PromptsError(file: file, line: line(of: error), reason: "is not valid YAML: \(error)")
        } catch let error as DecodingError {
            throw describe(error, file: file, yaml: yaml)
        } catch {
            throw PromptsError(file: file, reason: "\(error)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func describe(_ error: DecodingError, file: String, yaml: String) -> PromptsError {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
        }
        func lineOf(_ context: DecodingError.Context) -> Int? {
            // Best effort: the line where the last key in the path is written.
            guard let key = context.codingPath.last(where: { $0.intValue == nil })?.stringValue else { return nil }
            for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("\(key):") {
                return index + 1
            }
            return nil
        }
        switch error {
        case let .keyNotFound(key, context):
            return PromptsError(file: file, line: lineOf(context), reason: "missing key '\(key.stringValue)' under \(path(context))")
        case let .typeMismatch(type, context):
            return PromptsError(file: file, line: lineOf(context), reason: "\(path(context)) should be \(type): \(context.debugDescription)")
        case let .valueNotFound(type, context):
            return PromptsError(file: file, line: lineOf(context), reason: "\(path(context)) needs a \(type) value")
        case let .dataCorrupted(context):
            return PromptsError(file: file, line: lineOf(context), reason: "\(path(context)): \(context.debugDescription)")
        @unknown default:
            return PromptsError(file: file, reason: "\(error)")
        }
    }
}
