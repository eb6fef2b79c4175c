import Foundation
import Testing
import HindsightCore
@testable import HindsightPrompts

@Suite("Prompts/ data files")
struct PromptsLoadingTests {
    @Test("the shipped Prompts/ load and have every message")
    func shipped() throws {
        let prompts = try PromptSet(directory: Fixtures.promptsDirectory)
        #expect(prompts.messages.missingKeys.isEmpty)
        #expect(prompts.classifier.keyEventEmoji.contains("pushpin"))
    }

    @Test("a message file missing a key names the file and the key")
    func missingKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "help_header: hi\n".write(to: dir.appendingPathComponent("messages.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            let text = "\(error)"
            return text.contains("messages.yaml") && text.contains("missing message")
        }
    }

    @Test("invalid YAML and wrong shapes give file, line and reason")
    func invalid() {
        #expect(throws: PromptsError.self) { try PromptsFile.decode(ClassifierRules.self, yaml: "rules: [\n", file: "classifier.yaml") }
        do {
            _ = try PromptsFile.decode(ClassifierRules.self, yaml: "key_event_emoji: [pushpin]\nrules:\n  - milestone: fixed\n    phrases: [x]\n", file: "classifier.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "classifier.yaml")
            #expect(error.description.contains("rules"))
        }
    }

    @Test("placeholders are filled; unknown ones are left visible")
    func template() {
        #expect(Template.fill("{a} and {b} and {c", ["a": "1", "b": "2"]) == "1 and 2 and {c")
        #expect(Template.fill("no placeholders", [:]) == "no placeholders")
    }
}
