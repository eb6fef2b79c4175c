import ArgumentParser
import Foundation
import HindsightNet
import Logging

/// `hindsight healthcheck`: asks the running bot's `/readyz` and exits 0 when it is ready, so a container's
/// `HEALTHCHECK` needs no curl or wget in the image.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 when the running bot's /readyz answers 200; else print the failing check and exit 1.",
        discussion: "Without --url it asks http://127.0.0.1:<HINDSIGHT_HTTP_PORT>/readyz (or HINDSIGHT_HTTP_HOST when that is a specific address)."
    )

    @Option(help: "The readiness URL to ask.")
    var url: String?

    @Option(help: "Seconds to wait for an answer.")
    var timeout: Int = 5

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let target: String
        if let url {
            target = url
        } else {
            let settings = try Composition.settings(options.source())
            // A wildcard bind answers on loopback; a specific address is where the server is.
            let host = ["0.0.0.0", "::", "[::]", ""].contains(settings.httpHost) ? "127.0.0.1" : settings.httpHost
            target = "http://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(settings.httpPort)/readyz"
        }
        let http = HTTPClient(logger: Logger(label: "hindsight.healthcheck"))
        defer { http.shutdown() }
        do {
            let response = try await http.execute(HTTPClient.Request(url: target, timeout: .seconds(timeout), connectTimeout: .seconds(timeout)))
            let body = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard response.status == 200 else {
                let failing = body.split(separator: "\n").filter { $0.hasSuffix("not ready") }.joined(separator: ", ")
                FileHandle.standardError.write(Data("not ready (\(response.status)): \(failing.isEmpty ? body : failing)\n".utf8))
                throw ExitCode.failure
            }
            print("ready: \(body.split(separator: "\n").joined(separator: ", "))")
        } catch let error as HTTPClientError {
            FileHandle.standardError.write(Data("not ready: \(target) did not answer: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
