import ArgumentParser
import Foundation
import HindsightBot
import HindsightConfig
import HindsightCore
import HindsightPrompts
import HindsightStore
import HindsightWeb
import Logging

/// `hindsight bench`: capture throughput and latency through the real bot and a real SQLite file, memory with many
/// open incidents, and the time to render and publish a very long report. Prints figures; asserts nothing.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure capture throughput, acknowledgement latency, memory and report rendering on this machine."
    )

    @Option(help: "Messages for the throughput run.")
    var events: Int = 20_000
    @Option(help: "Concurrent channels (each with an open incident) sending them.")
    var channels: Int = 8
    @Option(help: "Offered rate for the latency run, messages per second.")
    var rate: Int = 1_000
    @Option(help: "Length of the latency run, seconds.")
    var duration: Int = 5
    @Option(help: "Open incidents for the memory figure.")
    var incidents: Int = 100
    @Option(help: "Timeline length of the incident whose report is rendered.")
    var reportEvents: Int = 100_000
    @Flag(help: "Measure only what the rules in Prompts/ add to capturing a message (a quick check after editing them).")
    var rulesOnly = false

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try Composition.settings(options.source())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hindsight-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = try PromptSet(explicit: settings.promptsPath)
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let store = try Store(path: dir.appendingPathComponent("bench.sqlite").path, synchronous: settings.synchronous == .full ? .full : .normal)
        // Redaction with Prompts/redaction.yaml, compiled once as `run` does: its cost is part of every capture below.
        let bot = Bot(store: store, desk: prompts.desk(zone: .gmt), logger: quiet,
                      reportsDirectory: dir.appendingPathComponent("reports"))
        let t0 = Date()
        print("hindsight bench — SQLite synchronous=\(settings.synchronous.rawValue), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        if rulesOnly { return try await understanding(prompts, settings: settings, in: dir) }

        // Throughput: every message stored (one transaction each) before the next from the same channel is sent.
        for c in 0..<channels { _ = await bot.handle(command("start Bench channel \(c) sev3", channel: c, at: t0)) }
        let perChannel = max(1, events / channels)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<channels {
                group.addTask {
                    for i in 0..<perChannel {
                        _ = try await bot.capture(message("m\(c)-\(i)", channel: c, text: "status update \(i): error rate \(i % 97)%", at: t0))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(ContinuousClock.now - started)
        print(String(format: "throughput      %8.0f events/s stored and acknowledged (%d events, %d channels, %.2f s)",
                     Double(perChannel * channels) / elapsed, perChannel * channels, channels, elapsed))

        // Redaction alone: a message with no keyword is one byte scan; one naming a secret runs the generic patterns.
        let samples = [("no keyword", "status update 12: error rate 3%, rolled back checkout-api to 2.4.1"),
                       ("keywords", "the auth token cache and the api key rotation job were restarted on web-7f9c"),
                       ("a secret", "oops, pasted DD_API_KEY=" + String(repeating: "4f9a0c1d", count: 4) + " in the channel")]
        let redactor = prompts.redactor
        var figures: [String] = []
        for (label, text) in samples {
            let runs = 20_000
            let start = ContinuousClock.now
            var removed = 0
            for _ in 0..<runs { removed &+= redactor.redact(text).counts.count }
            figures.append("\(label) " + String(format: "%.1f µs", seconds(ContinuousClock.now - start) / Double(runs) * 1e6))
            _ = removed
        }
        print("redaction       \(figures.joined(separator: ", ")) per message (\(redactor.patternIDs.count) patterns)")
        try await understanding(prompts, settings: settings, in: dir)

        // Latency at an offered rate: each message is sent on schedule, its latency is store-then-return.
        var latencies: [Double] = []
        let total = rate * duration
        let interval = Duration.nanoseconds(1_000_000_000 / max(1, rate))
        let latencyStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Double.self) { group in
            for i in 0..<total {
                let due = latencyStart + interval * i
                try await Task.sleep(until: due, clock: .continuous)
                group.addTask {
                    let sent = ContinuousClock.now
                    _ = try await bot.capture(message("l\(i)", channel: i % channels, text: "latency probe \(i)", at: t0))
                    return seconds(ContinuousClock.now - sent) * 1000
                }
            }
            for try await value in group { latencies.append(value) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print(String(format: "ack latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d events offered at %d/s)",
                     percentile(0.5), percentile(0.99), latencies.last ?? 0, total, rate))

        // Memory with many open incidents.
        for c in channels..<(channels + incidents) {
            _ = await bot.handle(command("start Open incident \(c) sev3", channel: c, at: t0))
            _ = try await bot.capture(message("o\(c)", channel: c, text: "first update", at: t0))
        }
        print("peak RSS        \(Self.peakRSS()) with \(incidents + channels) open incidents")

        // Report of a very long incident: the timeline goes in batches (as backfill stores it), then publish renders it.
        let big = channels + incidents
        _ = await bot.handle(command("start Very long incident sev2", channel: big, at: t0))
        var sent = 0
        while sent < reportEvents {
            let batch = (sent..<min(reportEvents, sent + 5_000)).map { i in
                CaptureInput.message(ChannelMessage(channel: key(big), messageID: "r\(i)", author: Person(id: "U\(i % 40)", name: "responder \(i % 40)"),
                                                    sentAt: t0.addingTimeInterval(Double(i)), text: "step \(i): checked | node-\(i % 17) <ok>"))
            }
            _ = try await bot.capture(batch: batch)
            sent += batch.count
        }
        // Where the time goes: reading the timeline, building the model, rendering the template.
        let readStart = ContinuousClock.now
        let (bigIncident, bigEvents, bigDraft) = try await store.read { tx -> (Incident?, [TimelineEvent], PostmortemDraft?) in
            let incident = try tx.openIncident(in: key(big))
            return (incident, try incident.map { try tx.events(of: $0.id) } ?? [], try incident.flatMap { try tx.postmortem(of: $0.id) })
        }
        let readTime = seconds(ContinuousClock.now - readStart)
        if let bigIncident {
            let modelStart = ContinuousClock.now
            let desk = prompts.desk(zone: .gmt)
            let model = desk.reportModel(incident: bigIncident, events: bigEvents, draft: bigDraft ?? PostmortemDraft(incidentID: bigIncident.id),
                                             now: Date(), revision: 1)
            let modelTime = seconds(ContinuousClock.now - modelStart)
            let renderStart = ContinuousClock.now
            _ = desk.renderReport(model)
            print(String(format: "  of which       read %.0f ms, model %.0f ms, template %.0f ms", readTime * 1000, modelTime * 1000,
                         seconds(ContinuousClock.now - renderStart) * 1000))
        }
        let publishStart = ContinuousClock.now
        let replies = await bot.handle(command("publish --force", channel: big, at: t0.addingTimeInterval(Double(reportEvents) + 60)))
        let publishTime = seconds(ContinuousClock.now - publishStart)
        let size = replies.compactMap(\.file).first?.contents.utf8.count ?? 0
        print(String(format: "report          %.0f ms to render, save and publish %d events (%.1f MB of Markdown)",
                     publishTime * 1000, reportEvents, Double(size) / 1_048_576))
        if let bigIncident { try await web(store: store, bot: bot, prompts: prompts, incident: bigIncident.id, t0: t0) }
        print("peak RSS        \(Self.peakRSS()) at the end")
    }

    /// The web archive, server-side (reading, building the view, rendering the template): the very long incident's
    /// page, the incident list with 1,000 incidents, and a search (the first one also indexes every message).
    private func web(store: Store, bot: Bot, prompts: PromptSet, incident: IncidentID, t0: Date) async throws {
        var quiet = Logger(label: "bench.web")
        quiet.logLevel = .critical
        let reader = ArchiveReader(store: store, desk: prompts.desk(zone: .gmt), platforms: Platforms.known)
        let routes = WebRoutes(
            reader: reader, access: try WebAccess(configuration: .init(token: "bench-token-0123456789")),
            templates: try WebTemplates { try prompts.sources.text($0).text }, logger: quiet)
        func timed(_ body: () async throws -> Int) async rethrows -> (ms: Double, bytes: Int) {
            var best = Double.infinity, bytes = 0
            for _ in 0..<5 {
                let start = ContinuousClock.now
                bytes = try await body()
                best = min(best, seconds(ContinuousClock.now - start) * 1000)
            }
            return (best, bytes)
        }
        let existing = try await store.read { tx in try tx.archivePage(ArchiveFilter(), offset: 0, limit: 1).total }
        for c in existing..<1_000 { _ = await bot.handle(command("start Archived incident \(c) sev\(c % 4 + 1)", channel: 10_000 + c, at: t0)) }
        let page = try await timed { routes.page(try await reader.incident(incident, page: 1, transcriptOpen: false)!, user: "bench").utf8.count }
        print(String(format: "web incident    %.0f ms to read and render the page of the %d-event incident among 1,000 (%.0f KB; best of 5)", page.ms, reportEvents, Double(page.bytes) / 1024))
        let list = try await timed { routes.page(try await reader.list(ListQuery()), user: "bench").utf8.count }
        print(String(format: "web list        %.0f ms to read and render page 1 of the list of 1,000 incidents (best of 5)", list.ms))
        let filtered = try await timed { routes.page(try await reader.list(ListQuery(parameters: [("severity", "sev2"), ("state", "open")])), user: "bench").utf8.count }
        print(String(format: "web filter      %.0f ms for the list filtered by severity and state (best of 5)", filtered.ms))
        let indexStart = ContinuousClock.now
        try await store.refreshSearchIndex()
        let indexTime = seconds(ContinuousClock.now - indexStart)
        let search = try await timed { routes.page(try await reader.list(ListQuery(parameters: [("q", "node-7 checked")])), user: "bench").utf8.count }
        print(String(format: "web search      %.0f ms per search once indexed; the first search indexed every message in %.1f s", search.ms, indexTime))
    }

    /// What understanding costs per message: features, key-event reasons and the milestone prospects capture computes
    /// for every message, then what the rules add to capturing war-room lines one by one into one incident, through the
    /// desk and a real SQLite file (milestone context, quiet stretches, threads), against the same with no rules.
    private func understanding(_ prompts: PromptSet, settings: Settings, in dir: URL) async throws {
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let classifier = prompts.desk(zone: .gmt).classifier
        let lines = Self.warRoomLines
        let rounds = 2_000
        let classifyStart = ContinuousClock.now
        var marked = 0
        for round in 0..<rounds {
            for line in lines {
                let integration = line.hasPrefix("["), reply = round % 7 == 0
                let features = classifier.features(of: line, fromIntegration: integration, isReply: reply)
                let reasons = classifier.keyReasons(classifier.keyReasons(features), learnedFrom: line, fromIntegration: integration, isReply: reply)
                marked += reasons.count + (classifier.prospects(features).possible ? 1 : 0)
            }
        }
        let perLine = seconds(ContinuousClock.now - classifyStart) / Double(rounds * lines.count) * 1e6
        print(String(format: "understanding   %.1f µs of CPU per message to find features, key-event reasons (the rules' and the learned model's) and milestone prospects (%d lines, %d verdicts)",
                     perLine, rounds * lines.count, marked))

        let t0 = Date()
        var unaware = prompts
        unaware.classifier = ClassifierRules(keyEventEmoji: [], features: [:], milestones: [], keyEvents: [])
        // Two stores, one desk with the shipped rules and one with none, fed the same messages in turn, message by
        // message, so that whatever else moves the machine moves both. Counted: the CPU of the writer thread to decide
        // and apply each message inside its transaction (the part rules can change), and of the whole process. Unlike
        // the loop above, where the same lines stay in the cache, each message here is new text scored between
        // database writes, as in a real room.
        let count = min(2_000, max(lines.count * 4, events))
        var decision = (rules: 0.0, none: 0.0), applying = (rules: 0.0, none: 0.0), whole = (rules: 0.0, none: 0.0)
        for round in 0..<3 {
            var pairs: [(Bot, Store, IncidentDesk)] = []
            for (name, desk) in [("aware", prompts.desk(zone: .gmt)), ("plain", unaware.desk(zone: .gmt))] {
                let store = try Store(path: dir.appendingPathComponent("\(name)\(round).sqlite").path,
                                      synchronous: settings.synchronous == .full ? .full : .normal)
                let bot = Bot(store: store, desk: desk, logger: quiet, reportsDirectory: dir.appendingPathComponent("reports"))
                _ = await bot.handle(command("start Understanding bench sev3", channel: 0, at: t0))
                pairs.append((bot, store, desk))
            }
            for i in 0..<count {
                let text = Self.variant(lines[i % lines.count], i / lines.count)
                let input = message("u\(i)", channel: 0, text: text, at: t0.addingTimeInterval(Double(i)))
                for (n, (_, store, desk)) in pairs.enumerated() {
                    let start = processCPUTime()
                    let (decided, applied) = try await store.write { tx in
                        let began = threadCPUTime()
                        let changes = try desk.capture(input, records: tx).1.changes
                        let decided = threadCPUTime()
                        try tx.apply(changes)
                        return (decided - began, threadCPUTime() - decided)
                    }
                    let spent = processCPUTime() - start
                    if n == 0 {
                        decision.rules += decided; applying.rules += applied; whole.rules += spent
                    } else {
                        decision.none += decided; applying.none += applied; whole.none += spent
                    }
                }
            }
        }
        let messages = Double(3 * count) / 1e6
        let rules = decision.rules + applying.rules, none = decision.none + applying.none
        print(String(format: "capture+rules   %.1f µs of CPU (writer thread) per war-room message to decide and apply with the shipped rules, %.1f µs with none: understanding adds %.1f µs",
                     rules / messages, none / messages, (rules - none) / messages))
        print(String(format: "capture+rules   of which %.1f µs to decide (%.1f with the rules, %.1f with none) and %.1f µs to apply (%.1f, %.1f)",
                     (decision.rules - decision.none) / messages, decision.rules / messages, decision.none / messages,
                     (applying.rules - applying.none) / messages, applying.rules / messages, applying.none / messages))
        print(String(format: "capture+rules   whole capture %.1f µs of CPU (all threads) with the rules, %.1f µs with none: %.1f µs more",
                     whole.rules / messages, whole.none / messages, (whole.rules - whole.none) / messages))
    }

    /// The line with the case of its first letters swapped where `round`'s bits are set: a text new to the desk each
    /// time the line comes round, as in a real room (the features of a text seen before are remembered), that every
    /// rule reads the same, as it reads words in any case.
    static func variant(_ line: String, _ round: Int) -> String {
        var letter = 0
        return String(decoding: line.utf8.map { byte in
            guard (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z") else { return byte }
            defer { letter += 1 }
            return letter < Int.bitWidth && round & (1 << letter) != 0 ? byte ^ 0x20 : byte
        }, as: UTF8.self)
    }

    /// War-room chat of every kind the classifier meets: alerts, acknowledgements, actions, chit-chat, questions.
    static let warRoomLines = [
        "[TRIGGERED] #4411 DNS SERVFAIL rate > 5% (eu-west)", "ack, on it", "seeing it too. all colos", "lol of course",
        "is it mitigated?", "rollback the ruleset takes a full rebuild + push. global kill is faster", "+1",
        "decision: global waf kill. rui do it", "global waf kill executed", "cpu dropping in ams, fra, lhr",
        "traffic back to expected levels. 502s gone on synthetic", "not resolved until waf is back on", "brb 2 min",
        "Investigating - We are investigating elevated 502 errors across the network.", "confirmed: waf is the component",
        "sev1 now. everyone in the call please", "paging the database on-call", "restarting calico-node on a couple nodes",
        "didnt help", "declaring this resolved. waf back on, cpu normal, traffic normal", ":tada:",
        "status update 42: error rate 17%, still climbing on checkout-api after the 14:02 deploy of v41 to eu-west-1",
    ]

    private func key(_ channel: Int) -> ChannelKey { ChannelKey(platform: .slack, channelID: "C\(channel)") }

    private func command(_ text: String, channel: Int, at: Date) -> CommandInvocation {
        CommandInvocation(channel: key(channel), user: Person(id: "U0", name: "bench"), text: text, receivedAt: at)
    }

    private func message(_ id: String, channel: Int, text: String, at: Date) -> CaptureInput {
        .message(ChannelMessage(channel: key(channel), messageID: id, author: Person(id: "U1", name: "responder"), sentAt: at, text: text))
    }

    /// VmHWM from /proc (the high-water mark of resident memory), as shown there.
    static func peakRSS() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return "unknown" }
        return String(format: "%.1f MB", kb / 1024)
    }
}

/// CPU time of the whole process (every thread, SQLite's included), in seconds: unlike the wall clock, other processes
/// on the machine do not move it.
private func processCPUTime() -> Double { cpuTime(CLOCK_PROCESS_CPUTIME_ID) }

/// CPU time of the calling thread, in seconds.
private func threadCPUTime() -> Double { cpuTime(CLOCK_THREAD_CPUTIME_ID) }

private func cpuTime(_ clock: clockid_t) -> Double {
    var now = timespec()
    clock_gettime(clock, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
