import Foundation
import HindsightTesting
import Testing

@Suite("The binary runs from any folder, with Prompts/ built in")
struct BuiltInPromptsTests {
    @Test("a copy of the binary in an empty folder runs the console with no Prompts/ beside it; an override folder changes one file")
    func runsFromAnywhere() async throws {
        try await withTemporaryFolder("hindsight-anywhere") { dir in
            // As an operator installs it: the binary alone, somewhere else.
            let copy = dir.appendingPathComponent("bin/hindsight")
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Copied by cp, not in this process: a child that another test forks while the copy is open for writing
            // here inherits the descriptor, and running the copy then fails with ETXTBSY ("Text file busy").
            let cp = Process()
            cp.executableURL = URL(fileURLWithPath: "/bin/cp")
            cp.arguments = [ChildProcess.binary.path, copy.path]
            try cp.run()
            cp.waitUntilExit()
            try #require(cp.terminationStatus == 0)
            var env = ChildProcess.environment(database: dir.appendingPathComponent("db.sqlite").path)
            env["HINDSIGHT_PROMPTS"] = nil

            func session(_ env: [String: String]) async throws -> String {
                let child = try ChildProcess(arguments: ["run"], environment: env, directory: dir, binary: copy)
                child.write("/postmortem help\n")
                child.closeInput()
                var output: [String] = []
                for await line in child.lines { output.append(line) }
                #expect(child.wait() == 0, "stderr: \(child.standardError)")
                return output.joined(separator: "\n")
            }
            let builtIn = try await session(env)
            #expect(builtIn.contains("keeps the incident timeline"), "\(builtIn)")

            // Export the defaults, keep only messages.yaml, and change one sentence: that file alone is overridden.
            let overrides = dir.appendingPathComponent("prompts")
            let export = try ChildProcess(arguments: ["prompts", "export", overrides.path], environment: env, directory: dir, binary: copy)
            export.closeInput()
            for await _ in export.lines {}
            #expect(export.wait() == 0, "stderr: \(export.standardError)")
            for name in try FileManager.default.contentsOfDirectory(atPath: overrides.path) where name != "messages.yaml" {
                try FileManager.default.removeItem(at: overrides.appendingPathComponent(name))
            }
            let messages = overrides.appendingPathComponent("messages.yaml")
            let text = try String(contentsOf: messages, encoding: .utf8)
            let original = "*Hindsight* keeps the incident timeline and guides the post-mortem. Commands:"
            #expect(text.contains(original))
            try text.replacingOccurrences(of: original, with: "Our own help header. Commands:").write(to: messages, atomically: true, encoding: .utf8)
            env["HINDSIGHT_PROMPTS"] = overrides.path
            let overridden = try await session(env)
            #expect(overridden.contains("Our own help header"), "\(overridden)")
        }
    }
}
