import ArgumentParser
import Foundation
import HindsightNet
import HindsightTesting
import Logging

/// `hindsight-slack-bench`: the built `hindsight` binary against the in-repo fake Slack on 127.0.0.1, as in production
/// (Socket Mode, SQLite or PostgreSQL, acknowledgements after commit), one process or several replicas on one
/// PostgreSQL database. Prints figures; asserts nothing.
@main
struct SlackBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hindsight-slack-bench",
        abstract: "Measure the real binary on Slack: time to first hello, capture throughput, ack latency, peak memory."
    )

    @Option(help: "The hindsight binary to measure.")
    var binary: String = ".build/release/hindsight"
    @Option(help: "Messages for the throughput run.")
    var events: Int = 20_000
    @Option(help: "Offered rate for the latency run, messages per second.")
    var rate: Int = 1_000
    @Option(help: "Length of the latency run, seconds.")
    var duration: Int = 5
    @Option(help: "Open incidents (one channel each).")
    var incidents: Int = 100
    @Option(help: "SLACK_CONNECTIONS for the bot.")
    var connections: Int = 1
    @Option(help: "Tasks posting at once in the throughput run, so the fake's own per-message work overlaps.")
    var producers: Int = 8
    @Option(help: "Messages each producer posts at once in the throughput run (their envelopes go out in one write).")
    var batch: Int = 25
    @Option(help: "Messages for the fake's own figure: its load path against a client that only acknowledges, before the bot starts (0: skip).")
    var fakeEvents: Int = 100_000
    @Option(help: "HINDSIGHT_CARD for the bot: on (the default, each incident's live card kept in its channel) or off.")
    var cards: String = "on"
    @Option(help: "The store: sqlite (a new file), postgres (a throwaway server started from Debian's postgresql as the tests do, but with its durability defaults) or a postgres:// URL of an empty database.")
    var store: String = "sqlite"
    @Option(help: "Bot processes on the one database (more than 1 needs PostgreSQL), each with its own Socket Mode connections.")
    var replicas: Int = 1

    func run() async throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("\(binary) is missing: build it with `swift build -c release --product hindsight`.")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-slack-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (binary, events, rate, duration, incidents, connections, producers) = (binary, events, rate, duration, incidents, connections, max(1, producers))
        let (batch, fakeEvents) = (max(1, batch), fakeEvents)
        let database: String
        switch store {
        case "sqlite": database = dir.appendingPathComponent("bench.sqlite").path
        case "postgres":
            // A throwaway server with PostgreSQL's durability defaults (each commit flushed), not the tests' fast one.
            setenv("HINDSIGHT_TEST_POSTGRES_DURABLE", "1", 1)
            database = try TestPostgres.freshDatabase()
        default:
            guard store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") else { throw ValidationError("--store is sqlite, postgres or a postgres:// URL") }
            database = store
        }
        guard replicas == 1 || database.hasPrefix("postgres") else { throw ValidationError("--replicas above 1 needs --store postgres (SQLite is one process's file)") }
        let replicas = max(1, replicas)

        try await FakeSlack.run(configuration: .init()) { fake in
            let channels = (0..<incidents).map { "C0BENCH\($0)" }
            for (index, channel) in channels.enumerated() { fake.addChannel(id: channel, name: "inc-bench-\(index)") }
            fake.addUser(id: "U0BENCH", name: "bench", displayName: "Bench")
            if fakeEvents > 0 { try await Self.measureFake(fake, events: fakeEvents) }

            let hellosBefore = await fake.stats.hellosSent
            var processes: [Process] = []
            var metrics: [BotMetrics] = []
            let spawned = ContinuousClock.now
            defer {
                for process in processes { process.terminate() }
                for process in processes { process.waitUntilExit() }
            }
            // One free port per replica, all held at once so they differ, and free again once the placeholders are gone,
            // for the bots to bind.
            var placeholders: [ClosedPort]? = try (0..<replicas).map { _ in try ClosedPort() }
            let ports = placeholders?.map(\.port) ?? []
            placeholders = nil
            for replica in 0..<replicas {
                let metricsPort = ports[replica]
                metrics.append(BotMetrics(url: "http://127.0.0.1:\(metricsPort)/metrics"))
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["run"]
                process.environment = [
                    "SLACK_APP_TOKEN": fake.appToken, "SLACK_BOT_TOKEN": fake.botToken, "SLACK_API_URL": fake.apiURL,
                    "SLACK_CONNECTIONS": "\(connections)", "HINDSIGHT_DB": database,
                    "HINDSIGHT_PROMPTS": FileManager.default.currentDirectoryPath + "/Prompts", "HINDSIGHT_LOG_LEVEL": "error",
                    "HINDSIGHT_HTTP_HOST": "127.0.0.1", "HINDSIGHT_HTTP_PORT": "\(metricsPort)", "HINDSIGHT_REPORTS_DIR": dir.path,
                    "HINDSIGHT_CARD": cards,
                ]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                processes.append(process)
                if replica == 0 {
                    print("hindsight-slack-bench — \(binary), \(ProcessInfo.processInfo.activeProcessorCount) cores, fake Slack in this process, "
                          + "\(replicas) bot process\(replicas == 1 ? "" : "es") on \(database.hasPrefix("postgres") ? "PostgreSQL" : "SQLite")")
                    guard await fake.waitFor(timeout: .seconds(30), { $0.hellosSent > hellosBefore }) else {
                        throw ValidationError("the bot never connected to the fake Slack")
                    }
                    print(String(format: "first hello     %8.0f ms after the process started", milliseconds(ContinuousClock.now - spawned)))
                }
            }
            let sockets = replicas * connections
            guard await fake.waitFor(timeout: .seconds(30), { $0.liveConnections >= sockets }) else {
                throw ValidationError("only some of the \(replicas) bot processes connected")
            }
            func botCPU() -> Double { processes.compactMap { cpuSeconds($0.processIdentifier) }.reduce(0, +) }

            for (index, channel) in channels.enumerated() {
                _ = try await fake.slashCommand(channel: channel, user: "U0BENCH", text: "start Bench incident \(index) sev3", timeout: .seconds(10))
                if index == 0 {
                    // The hello can come before the bot is ready (it connects while Prompts/ load and the store opens);
                    // the first answer cannot.
                    print(String(format: "first answer    %8.0f ms after the process started (a slash command answered: prompts loaded, store open)",
                                 milliseconds(ContinuousClock.now - spawned)))
                }
            }

            // Throughput: messages posted as fast as the fake can send them, over every channel. Each producer's
            // batches are stored and encoded before the clock starts, as a load generator builds its requests first.
            let prepared = (0..<producers).map { producer in
                let mine = Array(stride(from: producer, to: events, by: producers))
                return stride(from: 0, to: mine.count, by: batch).map { start in
                    fake.prepareMessages(mine[start..<min(start + batch, mine.count)].map { index in
                        (channels[index % channels.count], "U0BENCH", "status update \(index): error rate \(index % 97)%")
                    })
                }
            }
            var before = await fake.stats.ackedEvents
            let cpuBefore = botCPU()
            let started = ContinuousClock.now
            await withTaskGroup(of: Void.self) { group in
                for batches in prepared {
                    group.addTask {
                        for batch in batches { await fake.deliver(batch) }
                    }
                }
            }
            let posted = ContinuousClock.now
            let target = before + events
            guard await fake.waitFor(timeout: .seconds(120), { $0.ackedEvents >= target }) else {
                throw ValidationError("only \(await fake.stats.ackedEvents - before) of \(events) acknowledged")
            }
            let elapsed = seconds(ContinuousClock.now - started)
            let usedCPU = botCPU() - cpuBefore
            print(String(format: "throughput      %8.0f events/s captured, committed and acknowledged (%d events, %d channels, %.2f s; the fake needed %.2f s to send them from %d tasks, %d at a time)",
                         Double(events) / elapsed, events, channels.count, elapsed, seconds(posted - started), producers, batch))
            print(String(format: "bot CPU         %8.0f events per CPU-second (%.2f s of CPU for %d events; the fake used the rest of the 2 cores)",
                         Double(events) / max(usedCPU, 0.001), usedCPU, events))

            // Latency at an offered rate.
            before = await fake.stats.ackedEvents
            var eachBefore: [[String: Double]] = []
            for process in metrics { eachBefore.append(await process.ackBuckets()) }
            let bucketsBefore = eachBefore.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
            let total = rate * duration
            let interval = Duration.nanoseconds(1_000_000_000 / max(1, rate))
            let cpuBeforeLatency = botCPU()
            let latencyStart = ContinuousClock.now
            for index in 0..<total {
                try await Task.sleep(until: latencyStart + interval * index, clock: .continuous)
                await fake.postMessage(channel: channels[index % channels.count], user: "U0BENCH", text: "latency probe \(index)")
            }
            let latencyTarget = before + total
            _ = await fake.waitFor(timeout: .seconds(60)) { $0.ackedEvents >= latencyTarget }
            let latencyCPU = botCPU() - cpuBeforeLatency
            // Only the envelopes sent since the latency run began: acks of the burst's tail (the card edits it set off
            // come back as message_changed envelopes) are not this run's.
            let latencies = await fake.stats.ackTimings.filter { $0.sentAt >= latencyStart }.map { milliseconds($0.latency) }.sorted()
            if !latencies.isEmpty {
                func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
                print(String(format: "ack latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms at %d events/s offered (%d acks, as the fake measures them)",
                             percentile(0.5), percentile(0.99), latencies.last ?? 0, rate, latencies.count))
            }
            print(String(format: "bot CPU         %8.1f µs per event at %d events/s offered (%.2f s of CPU for %d events over %.1f s; card edits included)",
                         latencyCPU / Double(total) * 1e6, rate, latencyCPU, total, seconds(ContinuousClock.now - latencyStart)))
            var each: [[String: Double]] = []
            for process in metrics { each.append(await process.ackBuckets()) }
            let buckets = each.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
            /// The share of acknowledgements within 5, 10 and 25 ms between two readings of the histogram.
            func within(_ before: [String: Double], _ after: [String: Double]) -> [Double]? {
                guard let all = after["+Inf"].map({ $0 - (before["+Inf"] ?? 0) }), all > 0 else { return nil }
                return ["0.005", "0.01", "0.025"].map { le in 100 * ((after[le] ?? 0) - (before[le] ?? 0)) / all }
            }
            if let shares = within(bucketsBefore, buckets) {
                print(String(format: "                as the bot measures them (read off the socket to acknowledged): %.1f%% within 5 ms, %.1f%% within 10 ms, %.1f%% within 25 ms",
                             shares[0], shares[1], shares[2]))
            }
            if replicas > 1 {
                for (index, (before, after)) in zip(eachBefore, each).enumerated() {
                    guard let shares = within(before, after) else { continue }
                    print(String(format: "                replica %d: %.1f%% within 5 ms, %.1f%% within 10 ms, %.1f%% within 25 ms (%.0f acknowledged)",
                                 index + 1, shares[0], shares[1], shares[2], (after["+Inf"] ?? 0) - (before["+Inf"] ?? 0)))
                }
            }
            for process in processes {
                if let peak = statusKilobytes(process.processIdentifier, "VmHWM"),
                   let anonymous = statusKilobytes(process.processIdentifier, "RssAnon"),
                   let file = statusKilobytes(process.processIdentifier, "RssFile") {
                    print(String(format: "peak RSS        %8.1f MB with %d open incidents (one bot process alone); now %.1f MB anonymous + %.1f MB mapped files (code, shared)",
                                 Double(peak) / 1024, incidents, Double(anonymous) / 1024, Double(file) / 1024))
                }
            }
            let stats = await fake.stats
            print("redeliveries    \(stats.redeliveries), given up \(stats.givenUp)")
            for (index, process) in processes.enumerated() where !process.isRunning {
                print("warning         bot process \(index + 1) exited during the run (status \(process.terminationStatus)): its figures are missing")
            }
        }
    }
}

extension SlackBench {
    /// The fake's own ceiling, so that the figures after it are the bot's: `events` messages through the load path
    /// (prepared first, then `deliver`ed 500 at a time, into a channel no incident uses), each envelope acknowledged at
    /// once by a client that does nothing else (the bot's own WebSocket client, libwebsockets on 127.0.0.1), until all
    /// are.
    static func measureFake(_ fake: FakeSlack, events: Int) async throws {
        let client = WebSocketClient(logger: Logger(label: "hindsight-slack-bench.client"))
        defer { client.shutdown() }
        let connection = try await client.connect(to: fake.socketModeTicketURL())
        let acking = Task {
            for await event in connection.events {
                guard case .text(let frame) = event, let id = envelopeID(in: frame) else { continue }
                try? connection.send(text: #"{"envelope_id":""# + id + #""}"#)
            }
        }
        defer { acking.cancel() }
        guard await fake.waitFor(timeout: .seconds(10), { $0.liveConnections >= 1 }) else { throw ValidationError("the benchmark's client never got a hello") }
        fake.addChannel(id: "C0FAKELOAD", name: "fake-load")
        let prepared = stride(from: 0, to: events, by: 500).map { start in
            fake.prepareMessages((start..<min(start + 500, events)).map { ("C0FAKELOAD", "U0BENCH", "status update \($0): error rate \($0 % 97)%") })
        }
        let before = await fake.stats.ackedEvents
        let cpuBefore = cpuSeconds(getpid()) ?? 0
        let started = ContinuousClock.now
        for batch in prepared { await fake.deliver(batch) }
        let emitted = seconds(ContinuousClock.now - started)
        guard await fake.waitFor(timeout: .seconds(120), { $0.ackedEvents >= before + events }) else {
            throw ValidationError("the benchmark's client acknowledged only \(await fake.stats.ackedEvents - before) of \(events)")
        }
        let elapsed = seconds(ContinuousClock.now - started)
        let cpu = (cpuSeconds(getpid()) ?? 0) - cpuBefore
        print(String(format: "fake alone      %8.0f frames/s written by the fake's load path, %.0f/s acknowledged (%d events, %.2f s, %.1f µs of CPU each, the acknowledging client's included)",
                     Double(events) / emitted, Double(events) / elapsed, events, elapsed, cpu / Double(events) * 1e6))
        connection.close()
        _ = await fake.waitFor(timeout: .seconds(5)) { $0.liveConnections == 0 }
    }

    /// The `envelope_id` of a Socket Mode frame, found without parsing it (the benchmark's client must cost little).
    static func envelopeID(in frame: String) -> String? {
        let key = Array(#""envelope_id":""#.utf8), bytes = frame.utf8
        guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: key) }) else { return nil }
        let idStart = bytes.index(start, offsetBy: key.count)
        guard let end = bytes[idStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(frame.utf8[idStart..<end])
    }
}

/// The bot's `/metrics`: the store-then-acknowledge histogram for Slack.
struct BotMetrics {
    let url: String
    let http = HTTPClient(logger: Logger(label: "hindsight-slack-bench"))

    /// Cumulative counts by bucket bound (`le`), e.g. "0.005", "0.01", "+Inf"; empty if unreadable.
    func ackBuckets() async -> [String: Double] {
        guard let text = try? await http.execute(HTTPClient.Request(url: url)).text else { return [:] }
        var buckets: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("hindsight_capture_duration_seconds_bucket{") && line.contains(#"platform="slack""#) {
            guard let start = line.range(of: #"le=""#)?.upperBound, let end = line[start...].firstIndex(of: "\""),
                  let count = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            buckets[String(line[start..<end])] = count
        }
        return buckets
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func milliseconds(_ d: Duration) -> Double { seconds(d) * 1000 }

/// User plus system CPU time the process has used, from /proc/<pid>/stat (fields 14 and 15, in clock ticks).
func cpuSeconds(_ pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let afterName = stat.lastIndex(of: ")")
    else { return nil }
    // Fields after "(comm)": state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
    let fields = stat[stat.index(after: afterName)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// A kB figure from /proc/<pid>/status: `VmHWM` (peak resident set), `RssAnon`, `RssFile`.
func statusKilobytes(_ pid: Int32, _ field: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
    else { return nil }
    return Int(line.split(separator: " ").dropFirst().first ?? "")
}
