/// Looks up a person's display name by user id.
public protocol UserNameLookup: Sendable {
    /// The name to show for `userID`; falls back to the id when it cannot be fetched.
    func displayName(of userID: String) async -> String
}
