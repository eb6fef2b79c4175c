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

    /// An adapter's own keys, as Slack's and Mattermost's are declared in their modules.
    enum AdapterKey: String, TemplateKey {
        case greeting = "app_mention"
        case unheard = "adapter_never_written"
        var placeholders: Set<String> { [] }
    }

    @Test("an adapter's own sentences are checked by the same rules: a missing one, or one with a placeholder it is never given, names the file and the key")
    func adapterKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var messages = try #require(PromptSources.defaultText("messages.yaml"))
        try messages.write(to: dir.appendingPathComponent("messages.yaml"), atomically: true, encoding: .utf8)
        let prompts = try PromptSet(directory: dir)
        #expect(prompts.messages.render(AdapterKey.greeting) == prompts.messages.render(.appMention))
        #expect {
            try prompts.check(AdapterKey.self)
        } throws: { error in
            "\(error)".contains("messages.yaml") && "\(error)".contains("adapter_never_written")
        }
        messages += "\nadapter_never_written: \"hello {who}\"\n"
        try messages.write(to: dir.appendingPathComponent("messages.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir).check(AdapterKey.self)
        } throws: { error in
            "\(error)".contains("adapter_never_written") && "\(error)".contains("{who}")
        }
    }

    @Test("a postmortem.yaml missing a question or review item names the file and the key")
    func postmortemMissingKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["messages.yaml", "classifier.yaml", "lint.yaml"] {
            try FileManager.default.copyItem(at: Fixtures.promptsDirectory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let shipped = try String(contentsOf: Fixtures.promptsDirectory.appendingPathComponent("postmortem.yaml"), encoding: .utf8)
        let broken = shipped.replacingOccurrences(of: "  why_next:", with: "  why_later:")
        try broken.write(to: dir.appendingPathComponent("postmortem.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            let text = "\(error)"
            return text.contains("postmortem.yaml") && text.contains("questions.why_next")
        }
        try shipped.replacingOccurrences(of: "minimum_why_depth: 5", with: "minimum_why_depth: five")
            .write(to: dir.appendingPathComponent("postmortem.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            let text = "\(error)"
            return text.contains("postmortem.yaml") && text.contains("minimum_why_depth")
        }
    }

    @Test("a lint.yaml without the action rules names the file and what is missing")
    func lintMissingSection() throws {
        do {
            _ = try PromptsFile.decode(LintRules.self, yaml: "blameless:\n  blame_words: []\n", file: "lint.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "lint.yaml")
            #expect(error.description.contains("missing key"))
        }
    }

    @Test("invalid YAML and wrong shapes give file, line and reason")
    func invalid() {
        #expect(throws: PromptsError.self) { try PromptsFile.decode(ClassifierRules.self, yaml: "rules: [\n", file: "classifier.yaml") }
        do {
            _ = try PromptsFile.decode(ClassifierRules.self, yaml: "key_event_emoji: [pushpin]\nfeatures: {}\nmilestones:\n  - milestone: fixed\n    threshold: 1\n    weights: {}\n", file: "classifier.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "classifier.yaml")
            #expect(error.description.contains("milestones"))
        }
        do {
            _ = try PromptsFile.decode(ClassifierRules.self, yaml: "key_event_emoji: [pushpin]\nfeatures: {ack: [ack]}\nmilestones:\n  - milestone: acknowledged\n    threshold: 1\n    weights: {akc: 1}\n", file: "classifier.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("akc"))
        }
    }

    @Test("a text that uses a placeholder its message is never given fails at load, naming the file, the key and what it can use")
    func unknownPlaceholder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let messages = try String(contentsOf: Fixtures.promptsDirectory.appendingPathComponent("messages.yaml"), encoding: .utf8)
        let misspelt = messages.replacingOccurrences(of: "started by {user}: “{title}”", with: "started by {user}: “{titel}”")
        #expect(misspelt != messages)
        try misspelt.write(to: dir.appendingPathComponent("messages.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            let text = "\(error)"
            return text.contains("messages.yaml") && text.contains("'incident_started' uses {titel}") && text.contains("{title}")
        }
        // A question is checked the same way, and a text that takes nothing says so.
        try messages.write(to: dir.appendingPathComponent("messages.yaml"), atomically: true, encoding: .utf8)
        let guide = try String(contentsOf: Fixtures.promptsDirectory.appendingPathComponent("postmortem.yaml"), encoding: .utf8)
        let nothingToCancel = try #require(guide.split(separator: "\n").first { $0.hasPrefix("  nothing_to_cancel:") })
        try guide.replacingOccurrences(of: String(nothingToCancel), with: "  nothing_to_cancel: \"No question open for {user}.\"")
            .write(to: dir.appendingPathComponent("postmortem.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PromptSet(directory: dir)
        } throws: { error in
            "\(error)".contains("'messages.nothing_to_cancel' uses {user}, which it is never given; it takes no placeholders")
        }
    }

    @Test("the code renders each message with the placeholders it declares: a mistyped name stops the test that passes it")
    func mistypedPlaceholderInCode() async throws {
        let prompts = try PromptSet(directory: Fixtures.promptsDirectory)
        #expect(prompts.messages.render(.reopenNotResolved, ["id": "INC-7"]).contains("INC-7"))
        #expect(Template.placeholders(in: "{a} {b_2} {a} { not one } {}") == ["a", "b_2"])
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let prompts = try PromptSet(directory: Fixtures.promptsDirectory)
            _ = prompts.messages.render(.reopenNotResolved, ["incident": "INC-7"])
        }
        let stderr = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("reopen_not_resolved is rendered with [\"incident\"] but declares [\"id\"]"))
    }

    @Test("placeholders are filled; unknown ones are left visible")
    func template() {
        #expect(Template.fill("{a} and {b} and {c", ["a": "1", "b": "2"]) == "1 and 2 and {c")
        #expect(Template.fill("no placeholders", [:]) == "no placeholders")
    }
}

@Suite("Prompts built into the binary")
struct BuiltInPromptsTests {
    @Test("the built-in files are exactly the repository's Prompts/ (the build embeds them)")
    func embeddedMatchesRepository() throws {
        let names = try #require(FileManager.default.subpaths(atPath: Fixtures.promptsDirectory.path)).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: Fixtures.promptsDirectory.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
        #expect(PromptSources.defaultNames == names)
        for name in names {
            let onDisk = try String(contentsOf: Fixtures.promptsDirectory.appendingPathComponent(name), encoding: .utf8)
            #expect(PromptSources.defaultText(name) == onDisk, "\(name)")
        }
    }

    @Test("with no override folder everything loads from the built-in files")
    func builtInLoads() throws {
        let prompts = try PromptSet(sources: PromptSources(overrides: nil))
        #expect(prompts.messages.missingKeys.isEmpty)
        #expect(prompts.origin == "built-in")
    }

    @Test("an override folder replaces only the files it has; a stray file is reported; export refuses to overwrite")
    func overrideFileByFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try PromptSources.export(to: dir)
        #expect(written == PromptSources.defaultNames)
        #expect(throws: PromptsError.self) { try PromptSources.export(to: dir) }
        for name in written where name != "classifier.yaml" { try FileManager.default.removeItem(at: dir.appendingPathComponent(name)) }
        let classifier = dir.appendingPathComponent("classifier.yaml")
        let shipped = try String(contentsOf: classifier, encoding: .utf8)
        #expect(shipped.contains("key_event_emoji: [pushpin, round_pushpin]"))
        try shipped.replacingOccurrences(of: "key_event_emoji: [pushpin, round_pushpin]", with: "key_event_emoji: [star]")
            .write(to: classifier, atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("mesages.yaml"), atomically: true, encoding: .utf8)
        let prompts = try PromptSet(directory: dir)
        #expect(prompts.classifier.keyEventEmoji == ["star"])
        #expect(prompts.messages.missingKeys.isEmpty)
        #expect(prompts.sources.overridden == ["classifier.yaml"])
        #expect(prompts.sources.unused == ["mesages.yaml"])
        #expect(prompts.origin.contains("mesages.yaml"))
    }
}
