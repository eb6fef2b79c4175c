import Foundation
import Testing
@testable import HindsightConfig

@Suite("Settings: YAML file, environment overrides, *_FILE secrets")
struct SettingsTests {
    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("defaults apply when nothing is given")
    func defaults() throws {
        let settings = try Settings(SettingsSource(yamlFile: nil, environment: [:]))
        #expect(settings.databasePath == "./hindsight.sqlite")
        #expect(settings.synchronous == .normal)
        #expect(settings.timeZone.secondsFromGMT() == 0)
        #expect(settings.httpPort == 8080)
    }

    @Test("nested YAML names the same settings, and the environment overrides it")
    func yamlAndEnvironment() throws {
        let yaml = try temporaryFile("""
            hindsight:
              db: /var/lib/hindsight/db.sqlite
              timezone: Europe/Berlin
              http:
                port: 9090
            slack:
              api_url: http://127.0.0.1:1/api/
            """)
        defer { try? FileManager.default.removeItem(atPath: yaml) }
        let source = try SettingsSource(yamlFile: yaml, environment: ["HINDSIGHT_HTTP_PORT": "7070", "UNRELATED": "x"])
        let settings = try Settings(source)
        #expect(settings.databasePath == "/var/lib/hindsight/db.sqlite")
        #expect(settings.timeZone.identifier == "Europe/Berlin")
        #expect(settings.httpPort == 7070)
        #expect(source["SLACK_API_URL"] == "http://127.0.0.1:1/api/")
        #expect(source["UNRELATED"] == nil)
        #expect(source.origins["HINDSIGHT_DB"]?.contains("hindsight.db") == true)
    }

    @Test("a secret can come from a file, and is masked when settings are shown")
    func secretsFromFiles() throws {
        let tokenFile = try temporaryFile("xoxb-123-456-abcdef\n")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let source = try SettingsSource(yamlFile: nil, environment: ["SLACK_BOT_TOKEN_FILE": tokenFile])
        #expect(source["SLACK_BOT_TOKEN"] == "xoxb-123-456-abcdef")
        let shown = Settings.describe(source).joined(separator: "\n")
        #expect(!shown.contains("abcdef"))
        #expect(shown.contains("SLACK_BOT_TOKEN=•••• (19 characters)"))
        #expect(throws: SettingsError.self) { try SettingsSource(yamlFile: nil, environment: ["SLACK_BOT_TOKEN_FILE": "/nonexistent/token"]) }
    }

    @Test("a password inside a PostgreSQL HINDSIGHT_DB is masked when settings are shown and redacted from logs like any secret")
    func passwordInTheDatabaseURL() throws {
        let source = try SettingsSource(yamlFile: nil, environment: ["HINDSIGHT_DB": "postgres://bot:p%40ss-w0rd@db:5432/hindsight?sslmode=require"])
        let shown = Settings.describe(source).joined(separator: "\n")
        #expect(shown.contains("HINDSIGHT_DB=postgres://bot:••••@db:5432/hindsight?sslmode=require"))
        #expect(!shown.contains("w0rd"))
        #expect(Set(Settings.secretValues(source)).isSuperset(of: ["p%40ss-w0rd", "p@ss-w0rd"]), "as written in the URL and as sent")
        #expect(try Settings(source).databasePath.hasPrefix("postgres://"))
    }

    @Test("invalid values name the key, the value and what is expected", arguments: [
        ("HINDSIGHT_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("HINDSIGHT_LOG_LEVEL", "loud", "one of trace"),
        ("HINDSIGHT_DB_SYNCHRONOUS", "sometimes", "normal or full"),
        ("HINDSIGHT_HTTP_PORT", "80000", "port number"),
    ])
    func invalid(key: String, value: String, expected: String) {
        #expect {
            try Settings(SettingsSource(yamlFile: nil, environment: [key: value]))
        } throws: { error in
            let text = "\(error)"
            return text.contains(key) && text.contains(value) && text.contains(expected)
        }
    }

    @Test("an unknown key or broken YAML in the config file is refused with its path")
    func badYaml() throws {
        let unknown = try temporaryFile("slack:\n  app_tokn: xapp-1\n")
        defer { try? FileManager.default.removeItem(atPath: unknown) }
        #expect { try SettingsSource(yamlFile: unknown, environment: [:]) } throws: { "\($0)".contains("slack.app_tokn") }
        let broken = try temporaryFile("hindsight: [\n")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect { try SettingsSource(yamlFile: broken, environment: [:]) } throws: { "\($0)".contains("valid YAML") }
    }
}
