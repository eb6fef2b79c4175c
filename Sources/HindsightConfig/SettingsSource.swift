import Foundation
import Yams

/// Where settings come from, merged: the YAML file (`--config`) first, then environment variables, which override it.
/// Every setting has one name (the environment variable's); the YAML file spells the same names in nested,
/// lower-case form (`slack: {app_token: …}` is `SLACK_APP_TOKEN`). A secret `X` may instead be given as `X_FILE`,
/// a path whose contents (trimmed) are the value, so tokens never need to sit in the environment or the YAML file.
public struct SettingsSource: Sendable {
    /// The merged values, keyed by environment-variable name.
    public private(set) var values: [String: String]
    /// Where each value came from (`environment`, the YAML path, or a `_FILE` path), for `hindsight config`.
    public private(set) var origins: [String: String]

    /// Merges `yamlFile` (optional) and `environment`, resolving `*_FILE` secrets.
    public init(yamlFile: String?, environment: [String: String]) throws(SettingsError) {
        values = [:]
        origins = [:]
        if let yamlFile {
            let text: String
            do {
                text = try String(contentsOfFile: yamlFile, encoding: .utf8)
            } catch {
                throw SettingsError(key: "--config", value: yamlFile, expected: "a readable YAML file")
            }
            let node: Any?
            do {
                node = try Yams.load(yaml: text)
            } catch {
                throw SettingsError(key: "--config", value: yamlFile, expected: "valid YAML (\(error))")
            }
            if let node {
                guard let map = node as? [String: Any] else {
                    throw SettingsError(key: "--config", value: yamlFile, expected: "a mapping of settings at the top level")
                }
                try flatten(map, prefix: [], file: yamlFile)
            }
        }
        for (key, value) in environment where Settings.catalog.keys.contains(key) || Settings.catalog.keys.contains(String(key.dropLast(5))) {
            values[key] = value
            origins[key] = "environment"
        }
        try resolveFiles()
    }

    private mutating func flatten(_ map: [String: Any], prefix: [String], file: String) throws(SettingsError) {
        for (key, value) in map {
            let path = prefix + [key]
            let name = path.joined(separator: "_").uppercased().replacingOccurrences(of: "-", with: "_")
            if let nested = value as? [String: Any] {
                try flatten(nested, prefix: path, file: file)
                continue
            }
            let resolved = Settings.catalog.keys.contains(name) ? name : (Settings.catalog.keys.contains("HINDSIGHT_" + name) ? "HINDSIGHT_" + name : name)
            let base = resolved.hasSuffix("_FILE") ? String(resolved.dropLast(5)) : resolved
            guard Settings.catalog.keys.contains(base) else {
                throw SettingsError(key: path.joined(separator: "."), value: "\(value)", expected: "a known setting (see Deploy/hindsight.example.yaml); this one is not")
            }
            let text: String = switch value {
            case let list as [Any]: list.map { "\($0)" }.joined(separator: ",")
            default: "\(value)"
            }
            values[resolved] = text
            origins[resolved] = "\(file): \(path.joined(separator: "."))"
        }
    }

    private mutating func resolveFiles() throws(SettingsError) {
        for key in values.keys where key.hasSuffix("_FILE") {
            let target = String(key.dropLast(5))
            guard let path = values[key] else { continue }
            // An explicit value wins over a file only when both come from the same place; the environment beats YAML.
            if values[target] != nil, origins[target] == "environment", origins[key] != "environment" { continue }
            do {
                values[target] = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                origins[target] = "file \(path)"
            } catch {
                throw SettingsError(key: key, value: path, expected: "a readable file holding the value of \(target)")
            }
        }
    }

    /// The value of setting `key`, if given.
    public subscript(key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
}

/// A setting that cannot be used: the key, the value, and what is expected instead.
public struct SettingsError: Error, CustomStringConvertible, Sendable, Equatable {
    public var key: String
    public var value: String
    public var expected: String

    public init(key: String, value: String, expected: String) {
        self.key = key
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(key)=\(value) is not valid: expected \(expected)." }
}
