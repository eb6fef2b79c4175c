import Foundation
import Synchronization

/// The built `hindsight` binary run as a child process with piped standard streams, for end-to-end tests.
final class ChildProcess: Sendable {
    /// The binary under test: `HINDSIGHT_BINARY`, else `.build/debug/hindsight` in this repository.
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["HINDSIGHT_BINARY"] { return URL(fileURLWithPath: explicit) }
        return repositoryRoot.appendingPathComponent(".build/debug/hindsight")
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private let process: Process
    private let stdin: FileHandle
    /// Lines the child printed on standard output, in order.
    let lines: AsyncStream<String>
    private let stderrText = TextSink()

    /// - Parameter directory: the working directory (default: the test process's).
    /// - Parameter binary: another copy of the binary to run (default: `ChildProcess.binary`).
    init(arguments: [String], environment: [String: String], directory: URL? = nil, binary: URL = ChildProcess.binary) throws {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ChildProcessError.binaryMissing(binary.path)
        }
        process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        stdin = input.fileHandleForWriting
        let (stream, continuation) = AsyncStream<String>.makeStream()
        lines = stream
        try process.run()
        let out = output.fileHandleForReading
        Thread {
            var buffer = Data()
            while true {
                let chunk = out.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 10) {
                    continuation.yield(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
            }
            if !buffer.isEmpty { continuation.yield(String(decoding: buffer, as: UTF8.self)) }
            continuation.finish()
        }.start()
        let err = errors.fileHandleForReading
        let sink = stderrText
        Thread {
            while true {
                let chunk = err.availableData
                if chunk.isEmpty { break }
                sink.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
        }.start()
    }

    /// Writes `text` to the child's standard input; false once the child has gone (broken pipe).
    @discardableResult
    func write(_ text: String) -> Bool {
        do {
            try stdin.write(contentsOf: Data(text.utf8))
            return true
        } catch {
            return false
        }
    }

    /// Closes standard input (end of file for the child).
    func closeInput() { try? stdin.close() }

    /// Sends SIGKILL: the process gets no chance to clean up.
    func kill() { Foundation.kill(process.processIdentifier, SIGKILL) }

    /// Asks the child to stop, as systemd and Kubernetes do.
    func terminate() { Foundation.kill(process.processIdentifier, SIGTERM) }

    /// The child's resident memory now (VmRSS), in bytes; nil once it has exited.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// The port the child's HTTP server reports on standard error once it listens (`HINDSIGHT_HTTP_PORT=0`).
    func httpPort() async throws -> Int {
        for _ in 0..<1000 {
            if let line = standardError.split(separator: "\n").first(where: { $0.contains("http server listening") }),
               let range = line.range(of: "port="), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) {
                return port
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ChildProcessError.neverListened(standardError)
    }

    /// Waits for the child to exit and returns its status.
    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    var standardError: String { stderrText.text.withLock { $0 } }

    /// The environment for a child using `database`, the repository's Prompts/ and quiet logs.
    static func environment(database: String, extra: [String: String] = [:]) -> [String: String] {
        var env = ["HINDSIGHT_DB": database, "HINDSIGHT_PROMPTS": repositoryRoot.appendingPathComponent("Prompts").path,
                   "HINDSIGHT_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin", "USER": "tester"]
        env.merge(extra) { $1 }
        return env
    }
}

/// Text collected from another thread.
final class TextSink: Sendable {
    let text = Mutex("")
}

enum ChildProcessError: Error, CustomStringConvertible {
    case binaryMissing(String)
    case neverListened(String)

    var description: String {
        switch self {
        case let .binaryMissing(path): "\(path) is missing: build it first with `swift build --product hindsight` (scripts/test.sh does)"
        case let .neverListened(log): "the child never reported its HTTP port; stderr: \(log.suffix(3000))"
        }
    }
}
