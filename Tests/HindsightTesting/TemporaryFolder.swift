import Foundation

/// A fresh folder under the system's temporary directory for the duration of `body`, removed afterwards.
public func withTemporaryFolder<T>(_ prefix: String = "hindsight", _ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}
