#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A PostgreSQL server for the tests that run the stores' contract on PostgreSQL too: the one `HINDSIGHT_TEST_POSTGRES`
/// names (`postgres://user[:password]@host:port`, a role that may create databases), or else one this test process
/// starts from Debian's `postgresql` package (`initdb` and `pg_ctl` in a temporary folder, on a free port of
/// 127.0.0.1, as the `postgres` user when the tests run as root) and stops when it exits. Each test gets a database of
/// its own (`freshDatabase()`).
///
/// Where neither is possible the PostgreSQL cases are skipped with the reason printed, except under CI (`CI` set),
/// where `.ci/run` installs the package and a missing server is a failure.
public enum TestPostgres {
    public struct Server: Sendable {
        public let host: String
        public let port: Int
        public let user: String
        public let password: String?

        /// The URL of `database` on this server, as `HINDSIGHT_DB` takes it.
        public func url(_ database: String) -> String {
            let credentials = password.map { "\(user):\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? user
            return "postgres://\(credentials)@\(host):\(port)/\(database)?sslmode=disable"
        }
    }

    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The server, started on first use; or why there is none.
    public static let server: Result<Server, Unavailable> = Result { try locate() }.mapError { $0 as? Unavailable ?? Unavailable(description: "\($0)") }

    /// Whether the PostgreSQL cases must run (CI), rather than be skipped when no server can be had.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false }

    /// Whether tests should run their PostgreSQL cases: a server is there, or CI requires them (and will fail without).
    /// Prints, once, why they are skipped.
    public static var enabled: Bool {
        if case let .failure(why) = server, !required {
            skippedNote.withLock { printed in
                if !printed { print("PostgreSQL cases skipped: \(why.description)") }
                printed = true
            }
            return false
        }
        return true
    }

    private static let skippedNote = Mutex(false)

    /// A new, empty database on the server; its URL.
    public static func freshDatabase() throws -> String {
        let server = try server.get()
        let name = "hindsight_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        var environment = ["PGPASSWORD": server.password ?? ""]
        environment["PGCONNECT_TIMEOUT"] = "10"
        try run(tool("createdb"), ["-h", server.host, "-p", "\(server.port)", "-U", server.user, name], environment: environment)
        return server.url(name)
    }

    // MARK: Starting one

    private static func locate() throws -> Server {
        if let given = ProcessInfo.processInfo.environment["HINDSIGHT_TEST_POSTGRES"], !given.isEmpty {
            guard let url = URLComponents(string: given), let host = url.host, let user = url.user else {
                throw Unavailable(description: "HINDSIGHT_TEST_POSTGRES is not postgres://user[:password]@host:port")
            }
            return Server(host: host, port: url.port ?? 5432, user: user, password: url.password?.removingPercentEncoding)
        }
        let initdb = try tool("initdb"), pgCtl = try tool("pg_ctl")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-postgres-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // initdb refuses to run as root: the cluster then belongs to the postgres user the package created.
        let asUser: [String]
        if geteuid() == 0 {
            guard getpwnam("postgres") != nil else {
                throw Unavailable(description: "running as root and there is no postgres user to own a test cluster")
            }
            try run("/bin/chown", ["-R", "postgres", folder.path])
            asUser = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        } else {
            asUser = []
        }
        let data = folder.appendingPathComponent("data").path, port = try freePort()
        try run(asUser.first ?? initdb, Array(asUser.dropFirst()) + (asUser.isEmpty ? [] : [initdb])
            + ["-D", data, "-U", "hindsight", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        // Tests need no durability from the server (fast); the benchmark asks for PostgreSQL's defaults
        // (HINDSIGHT_TEST_POSTGRES_DURABLE=1: fsync, synchronous_commit and full-page writes on), as a real server runs.
        let durable = ProcessInfo.processInfo.environment["HINDSIGHT_TEST_POSTGRES_DURABLE"] == "1"
        let options = "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1"
            + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        let start = ["-D", data, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o", options, "start"]
        try run(asUser.first ?? pgCtl, Array(asUser.dropFirst()) + (asUser.isEmpty ? [] : [pgCtl]) + start)
        stopAtExit.withLock { $0 = (asUser + [pgCtl, "-D", data, "-m", "immediate", "stop"], folder) }
        atexit { TestPostgres.stop() }
        return Server(host: "127.0.0.1", port: port, user: "hindsight", password: nil)
    }

    /// What stops the server this process started, and its folder.
    private static let stopAtExit = Mutex<(command: [String], folder: URL)?>(nil)

    private static func stop() {
        guard let (command, folder) = stopAtExit.withLock({ $0 }) else { return }
        try? run(command[0], Array(command.dropFirst()))
        try? FileManager.default.removeItem(at: folder)
    }

    /// A PostgreSQL program: from the newest installed server version, else on the PATH.
    private static func tool(_ name: String) throws -> String {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted { Int($0) ?? 0 > Int($1) ?? 0 }
        let candidates = versions.map { "/usr/lib/postgresql/\($0)/bin/\(name)" }
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Unavailable(description: "no \(name) found (install Debian's postgresql, or set HINDSIGHT_TEST_POSTGRES)")
        }
        return found
    }

    /// Runs a program to its end; its output in the error when it fails. Spawned with every descriptor above stderr
    /// closed: `pg_ctl` leaves the server running, and a server that inherited one of this process's descriptors (a
    /// test's socket, the pipe Foundation's `Process` watches for the child's exit) would hold it open for good.
    private static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-postgres-run-\(UUID().uuidString)").path
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // (glibc's posix_spawn_file_actions_addclosefrom_np is not visible from Swift: close what is open now.)
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for descriptor in open where descriptor > 2 { posix_spawn_file_actions_addclose(&actions, descriptor) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Unavailable(description: "cannot run \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Unavailable(description: "\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " ")) failed: "
                              + output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// A port on 127.0.0.1 nothing listens on now.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable(description: "no socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard named else { throw Unavailable(description: "no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
