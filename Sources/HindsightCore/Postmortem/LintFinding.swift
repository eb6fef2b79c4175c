/// Something a check found in a piece of post-mortem text, with what to do about it.
public struct LintFinding: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        // Blameless language
        case blameWord = "blame-word"
        case humanError = "human-error"
        case personAsCause = "person-as-cause"
        /// No phrase rule matched, but the learned model reads the sentence as blaming someone.
        case readsAsBlame = "reads-as-blame"
        // Action items
        case vagueAction = "vague-action"
        case missingOwner = "missing-owner"
        case missingDue = "missing-due"
        case pastDue = "past-due"
        case missingPriority = "missing-priority"
    }

    public var kind: Kind
    /// The words that triggered it, as written.
    public var excerpt: String
    /// A rewording or a question that leads to a better text.
    public var suggestion: String

    public init(kind: Kind, excerpt: String, suggestion: String) {
        self.kind = kind
        self.excerpt = excerpt
        self.suggestion = suggestion
    }
}
