import Foundation
import HindsightStore
import Logging

/// Settings read from the environment at start. Invalid values stop the program with the variable, the value and
/// what is expected.
struct Settings {
    var databasePath: String
    var synchronous: Store.Synchronous
    var promptsPath: String?
    var timeZone: TimeZone
    var logLevel: Logger.Level
    var filesDirectory: String

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) -> Settings {
        let zoneName = env["HINDSIGHT_TIMEZONE"] ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw SettingsError(key: "HINDSIGHT_TIMEZONE", value: zoneName, expected: "an IANA time zone such as UTC or Europe/Berlin")
        }
        let levelName = env["HINDSIGHT_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw SettingsError(key: "HINDSIGHT_LOG_LEVEL", value: levelName, expected: "one of trace, debug, info, notice, warning, error, critical")
        }
        let syncName = env["HINDSIGHT_DB_SYNCHRONOUS"] ?? "normal"
        guard let synchronous = Store.Synchronous(rawValue: syncName.uppercased()) else {
            throw SettingsError(key: "HINDSIGHT_DB_SYNCHRONOUS", value: syncName, expected: "normal or full")
        }
        return Settings(
            databasePath: env["HINDSIGHT_DB"] ?? "./hindsight.sqlite",
            synchronous: synchronous,
            promptsPath: env["HINDSIGHT_PROMPTS"],
            timeZone: zone,
            logLevel: level,
            filesDirectory: env["HINDSIGHT_FILES_DIR"] ?? "./hindsight-files"
        )
    }
}

/// A setting that cannot be used, said so that the operator can fix it.
struct SettingsError: Error, CustomStringConvertible {
    var key: String
    var value: String
    var expected: String

    var description: String { "\(key)=\(value) is not valid: expected \(expected)." }
}
