import Foundation
import Testing
@testable import HindsightCore

@Suite("Parsing /postmortem commands")
struct CommandParserTests {
    let parser = CommandParser(zone: TimeZone(identifier: "UTC")!)
    let now = Fixtures.t0

    func parse(_ text: String) -> Result<PostmortemCommand, CommandError> { parser.parse(text, now: now) }

    @Test("start takes a multi-word title, an optional severity anywhere and a trailing time")
    func start() {
        #expect(parse("start Checkout errors sev2") == .success(.start(title: "Checkout errors", severity: .sev2, at: nil)))
        #expect(parse("start sev1 DB primary down at 13:45") == .success(.start(title: "DB primary down", severity: .sev1, at: now.addingTimeInterval(-15 * 60))))
        #expect(parse("start Login slow at 2026-11-22 13:00") == .success(.start(title: "Login slow", severity: nil, at: now.addingTimeInterval(-3600))))
        #expect(parse("start \"Payments at risk\" sev3") == .success(.start(title: "Payments at risk", severity: .sev3, at: nil)))
    }

    @Test("start without a title is a missing argument")
    func startWithoutTitle() {
        #expect(parse("start sev2") == .failure(.missingArgument(subcommand: "start", argument: "title")))
    }

    @Test("words after 'at' that are not a time stay in the title; a time-looking bad value is an error")
    func atIsOrdinaryWordUnlessTimeLike() {
        #expect(parse("note traffic shifted at edge") == .success(.note(text: "traffic shifted at edge", at: nil)))
        #expect(parse("note rolled back at 25:99") == .failure(.invalidTime("25:99")))
    }

    @Test("milestones take 'at <time>' right after the verb and an optional note")
    func milestones() {
        #expect(parse("detected") == .success(.milestone(.detected, at: nil, note: nil)))
        #expect(parse("ack at -5m paged by alertmanager") == .success(.milestone(.acknowledged, at: now.addingTimeInterval(-300), note: "paged by alertmanager")))
        #expect(parse("mitigated at 2026-11-22T13:30:00Z") == .success(.milestone(.mitigated, at: now.addingTimeInterval(-1800), note: nil)))
        #expect(parse("resolved all good") == .success(.milestone(.resolved, at: nil, note: "all good")))
        #expect(parse("started at -1h") == .success(.milestone(.started, at: now.addingTimeInterval(-3600), note: nil)))
        #expect(parse("detected at yesterday") == .failure(.invalidTime("yesterday")))
        #expect(parse("detected at") == .failure(.missingArgument(subcommand: "at", argument: "time")))
    }

    @Test("severity accepts sevN, SN and PN, and rejects anything else")
    func severity() {
        #expect(parse("sev sev1") == .success(.severity(.sev1)))
        #expect(parse("severity P2") == .success(.severity(.sev2)))
        #expect(parse("sev s4") == .success(.severity(.sev4)))
        #expect(parse("sev critical") == .failure(.invalidSeverity("critical")))
        #expect(parse("sev sev9") == .failure(.invalidSeverity("sev9")))
        #expect(parse("sev") == .failure(.missingArgument(subcommand: "sev", argument: "level")))
    }

    @Test("timeline, confirm, dismiss, pin and help parse their arguments")
    func others() {
        #expect(parse("timeline") == .success(.timeline(filter: .all, page: 1)))
        #expect(parse("timeline key page 3") == .success(.timeline(filter: .key, page: 3)))
        #expect(parse("timeline page 0") == .failure(.invalidNumber("0")))
        #expect(parse("timeline everything") == .failure(.unexpectedArgument(subcommand: "timeline", argument: "everything")))
        #expect(parse("confirm S3") == .success(.confirm(suggestion: 3)))
        #expect(parse("dismiss s12") == .success(.dismiss(suggestion: 12)))
        #expect(parse("pin E7") == .success(.pin(event: 7, on: true)))
        #expect(parse("unpin 7") == .success(.pin(event: 7, on: false)))
        #expect(parse("HELP") == .success(.help))
        #expect(parse("  ") == .failure(.empty))
        #expect(parse("frobnicate now") == .failure(.unknownSubcommand("frobnicate")))
    }
}

@Suite("Time expressions")
struct TimeExpressionTests {
    let now = Fixtures.t0 // 2026-11-22 14:00:00 UTC

    @Test("a clock time is today in the configured zone, stored as UTC")
    func clockInZone() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!  // UTC+1 in November
        #expect(TimeExpression.parse("14:05", now: now, zone: berlin) == now.addingTimeInterval(-3600 + 300))
        #expect(TimeExpression.parse("14:05", now: now, zone: .gmt) == now.addingTimeInterval(300))
        #expect(TimeExpression.parse("09:30:15", now: now, zone: .gmt) == now.addingTimeInterval(-4 * 3600 - 29 * 60 - 45))
    }

    @Test("ISO 8601 with zone, local date-time, relative times")
    func otherForms() {
        #expect(TimeExpression.parse("2026-11-22T14:05:00Z", now: now, zone: .gmt) == now.addingTimeInterval(300))
        #expect(TimeExpression.parse("2026-11-22T15:05:00+01:00", now: now, zone: .gmt) == now.addingTimeInterval(300))
        #expect(TimeExpression.parse("2026-11-22T14:05:00.500Z", now: now, zone: .gmt) == now.addingTimeInterval(300.5))
        #expect(TimeExpression.parse("2026-11-22 15:05", now: now, zone: TimeZone(identifier: "Europe/Berlin")!) == now.addingTimeInterval(300))
        #expect(TimeExpression.parse("-15m", now: now, zone: .gmt) == now.addingTimeInterval(-900))
        #expect(TimeExpression.parse("-2h", now: now, zone: .gmt) == now.addingTimeInterval(-7200))
        #expect(TimeExpression.parse("-1d", now: now, zone: .gmt) == now.addingTimeInterval(-86_400))
        #expect(TimeExpression.parse("-90s", now: now, zone: .gmt) == now.addingTimeInterval(-90))
    }

    @Test("invalid times are rejected", arguments: ["24:00", "12:60", "noon", "-15x", "-m", "2026-02-30 10:00", "2026-13-01T00:00:00Z", "1:2:3:4", ""])
    func invalid(_ text: String) {
        #expect(TimeExpression.parse(text, now: now, zone: .gmt) == nil)
    }

    @Test("UTC formatting and durations as responders read them")
    func formatting() {
        #expect(UTCFormat.dateTime(now) == "2026-11-22 14:00:00 UTC")
        #expect(UTCFormat.duration(45) == "45s")
        #expect(UTCFormat.duration(12 * 60) == "12m")
        #expect(UTCFormat.duration(12 * 60 + 5) == "12m 05s")
        #expect(UTCFormat.duration(3900) == "1h 05m")
        #expect(UTCFormat.duration(2 * 86_400 + 3 * 3600) == "2d 3h")
        #expect(UTCFormat.duration(-300) == "-5m")
    }

    @Test("days for due dates")
    func days() {
        #expect(TimeExpression.parseDay("2026-12-01", today: now).map(UTCFormat.day) == "2026-12-01")
        #expect(TimeExpression.parseDay("tomorrow", today: now).map(UTCFormat.day) == "2026-11-23")
        #expect(TimeExpression.parseDay("+2w", today: now).map(UTCFormat.day) == "2026-12-06")
        #expect(TimeExpression.parseDay("2026-02-30", today: now) == nil)
    }
}

@Suite("UTC formatting")
struct UTCFormatTests {
    @Test("arithmetic formatting agrees with Foundation's calendar across centuries, leap days and negative times")
    func agreesWithCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let samples: [TimeInterval] = [0, -1, 951_782_400, 951_868_799, 1_795_356_000.75, 4_107_542_399, -2_208_988_800, 253_402_300_799]
            + (0..<500).map { Double($0) * 7_919_993.3 - 1_000_000_000 }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            #expect(UTCFormat.dateTime(date) == expected, "\(seconds)")
            let stamp = UTCFormat.stamp(date)
            #expect("\(stamp.day) \(stamp.time) UTC" == expected, "\(seconds)")
            #expect(stamp.iso == UTCFormat.iso(date), "\(seconds)")
        }
    }
}
