import ArgumentParser
import Foundation
import HindsightPrompts

/// `hindsight prompts`: the texts and rules built into the binary, and the override folder.
struct PromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Export the built-in Prompts/ files for editing; HINDSIGHT_PROMPTS=<folder> then overrides them file by file.",
        subcommands: [Export.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write every built-in Prompts/ file into a folder (which must not already hold them)."
        )

        @Argument(help: "The folder to write into; created if needed.")
        var directory: String

        func run() throws {
            let url = URL(fileURLWithPath: directory)
            do {
                let names = try PromptSources.export(to: url)
                print("Wrote \(names.count) files to \(url.path): \(names.joined(separator: ", ")).")
                print("Keep only the files you change, then run with HINDSIGHT_PROMPTS=\(url.path).")
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
