import HindsightCore

/// The sentences only the console says, kept in `Prompts/messages.yaml` under these keys beside the core's.
public enum ConsoleMessageKey: String, TemplateKey {
    case welcome = "console_welcome"

    public var placeholders: Set<String> { [] }
}
