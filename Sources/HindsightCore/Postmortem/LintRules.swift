/// `Prompts/lint.yaml`: the blameless-language and action-item rules.
public struct LintRules: Codable, Hashable, Sendable {
    public var blameless: BlamelessRules
    public var actions: ActionRules
}
