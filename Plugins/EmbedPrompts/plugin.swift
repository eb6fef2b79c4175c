import Foundation
import PackagePlugin

/// Builds the default `Prompts/` into the binary: every file under the package's `Prompts/` folder becomes an entry of
/// a generated `DefaultPrompts` table, so `hindsight` runs from any folder with nothing beside it, while
/// `HINDSIGHT_PROMPTS` can still override any file.
@main
struct EmbedPrompts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let prompts = context.package.directoryURL.appending(path: "Prompts")
        let names = (FileManager.default.subpaths(atPath: prompts.path) ?? []).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: prompts.appending(path: name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue && !name.split(separator: "/").contains { $0.hasPrefix(".") }
        }.sorted()
        let output = context.pluginWorkDirectoryURL.appending(path: "DefaultPrompts.swift")
        return [
            .buildCommand(
                displayName: "Embedding Prompts/ (\(names.count) files)",
                executable: try context.tool(named: "PromptsEmbedder").url,
                arguments: [prompts.path, output.path] + names,
                inputFiles: names.map { prompts.appending(path: $0) },
                outputFiles: [output]
            ),
        ]
    }
}
