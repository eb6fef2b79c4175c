import Foundation
import Testing
@testable import HindsightConfig

@Suite("The shipped example configuration")
struct ExampleConfigTests {
    @Test("Deploy/hindsight.example.yaml names only known settings")
    func exampleIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Deploy/hindsight.example.yaml").path
        // The *_file secrets point at paths that do not exist here: check the names without reading them.
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "_file: /run/secrets/", with: ": placeholder-")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID().uuidString).yaml").path
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let settings = try Settings(SettingsSource(yamlFile: copy, environment: [:]))
        #expect(settings.httpPort == 8080)
        #expect(settings.databasePath == "/var/lib/hindsight/hindsight.sqlite")
    }
}
