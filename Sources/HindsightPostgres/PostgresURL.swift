import Foundation

/// Where the PostgreSQL store is: `postgres://user[:password]@host[:port]/database[?sslmode=…]` (or `postgresql://`),
/// as libpq and every PostgreSQL tool write it. The password may instead come from a file (`HINDSIGHT_DB_PASSWORD_FILE`),
/// so it never sits in the environment; `redacted` is what a log line or an error message may show.
public struct PostgresURL: Hashable, Sendable, CustomStringConvertible {
    /// How the connection is encrypted, with libpq's names and meanings.
    public enum SSLMode: String, Hashable, Sendable, CaseIterable {
        /// Plain TCP (a database on the same host or a private network).
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS, the certificate signed by a trusted authority.
        case verifyCA = "verify-ca"
        /// TLS, the certificate trusted and naming the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, sslMode: SSLMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a URL; `password` (from a file) replaces one written in it.
    public init(_ text: String, password: String? = nil) throws(PostgresURLError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else { throw .notAURL }
        guard let host = components.host, !host.isEmpty else { throw .missing("the host (postgres://user@HOST/database)") }
        guard let user = components.user, !user.isEmpty else { throw .missing("the user name (postgres://USER@host/database)") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw .missing("the database name (postgres://user@host/DATABASE)") }
        var mode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = SSLMode(rawValue: value) else {
                    throw .unsupported("sslmode=\(item.value ?? ""); use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = parsed
            default:
                throw .unsupported("the parameter \(item.name); only sslmode is read")
            }
        }
        self.init(host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
                  password: password ?? components.password.map { $0.removingPercentEncoding ?? $0 }, database: database, sslMode: mode)
    }

    /// The URL without its password: what logs, `doctor` and error messages show.
    public var redacted: String {
        "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    public var description: String { redacted }
}

/// Why a `HINDSIGHT_DB` URL could not be read; the message says what to write instead.
public enum PostgresURLError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAURL
    case missing(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .notAURL: "HINDSIGHT_DB is not a PostgreSQL URL: write postgres://user@host:5432/database (or a SQLite file path)."
        case let .missing(what): "HINDSIGHT_DB lacks \(what)."
        case let .unsupported(what): "HINDSIGHT_DB has \(what)."
        }
    }
}
