import Foundation

/// Where each `Prompts/` file comes from: the defaults built into the binary, overridden file by file by a folder
/// (`HINDSIGHT_PROMPTS`), so an operator copies only the file they change.
public struct PromptSources: Sendable {
    /// The override folder, if any.
    public var overrides: URL?

    public init(overrides: URL?) {
        self.overrides = overrides
    }

    /// The names (paths relative to `Prompts/`) of the files built into this binary.
    public static var defaultNames: [String] { DefaultPrompts.base64.keys.sorted() }

    /// The built-in text of `name`, if this build has such a file.
    public static func defaultText(_ name: String) -> String? {
        DefaultPrompts.base64[name].flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The text of `name` and where it came from (the override file's path, or `built-in:<name>`).
    public func text(_ name: String) throws(PromptsError) -> (text: String, origin: String) {
        if let overrides {
            let url = overrides.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) {
                do {
                    return (try String(contentsOf: url, encoding: .utf8), url.path)
                } catch {
                    throw PromptsError(file: url.path, reason: "cannot be read (\(error.localizedDescription)); check the path and permissions")
                }
            }
        }
        guard let text = Self.defaultText(name) else {
            throw PromptsError(file: name, reason: "is not built into this binary and not in the override folder")
        }
        return (text, "built-in:\(name)")
    }

    /// The built-in files the override folder replaces.
    public var overridden: [String] {
        guard let overrides else { return [] }
        return Self.defaultNames.filter { FileManager.default.fileExists(atPath: overrides.appendingPathComponent($0).path) }
    }

    /// Files in the override folder that the bot does not read (a typo in a name overrides nothing).
    public var unused: [String] {
        guard let overrides, let all = FileManager.default.subpaths(atPath: overrides.path) else { return [] }
        let known = Set(Self.defaultNames)
        return all.filter { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: overrides.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue && !known.contains(name) && !name.split(separator: "/").contains { $0.hasPrefix(".") }
        }.sorted()
    }

    /// Writes every built-in file under `directory` (for editing); refuses to overwrite an existing file.
    public static func export(to directory: URL) throws -> [String] {
        for name in defaultNames {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) {
                throw PromptsError(file: url.path, reason: "already exists; export into an empty folder so nothing you edited is overwritten")
            }
        }
        for name in defaultNames {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((defaultText(name) ?? "").utf8).write(to: url, options: .withoutOverwriting)
        }
        return defaultNames
    }

    /// The override folder: `explicit` (`HINDSIGHT_PROMPTS`), else `./Prompts` when it holds any Prompts file (running
    /// from a checkout), else `<bin>/../share/hindsight/Prompts` (packages); nil uses the built-in defaults alone.
    public static func locate(explicit: String?, executable: URL = URL(fileURLWithPath: CommandLine.arguments[0])) throws(PromptsError) -> URL? {
        if let explicit {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: explicit, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw PromptsError(file: explicit, reason: "is not a folder; set HINDSIGHT_PROMPTS to a folder of Prompts files to override (or unset it to use the built-in ones)")
            }
            return URL(fileURLWithPath: explicit)
        }
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Prompts"),
            executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("../share/hindsight/Prompts").standardized,
        ]
        return candidates.first { candidate in
            defaultNames.contains { FileManager.default.fileExists(atPath: candidate.appendingPathComponent($0).path) }
        }
    }
}
