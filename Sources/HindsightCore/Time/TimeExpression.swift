import Foundation

/// A time a responder typed after `at`: `14:05` (today in the configured zone), an ISO 8601 instant,
/// `2026-11-22 14:05` (in the configured zone) or a relative `-15m` / `-2h` / `-1d` / `-90s`.
public enum TimeExpression {
    /// Resolves `text` to a UTC instant, or nil when it is none of the accepted forms.
    public static func parse(_ text: String, now: Date, zone: TimeZone) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let relative = relative(text, now: now) { return relative }
        if let clock = clockTime(text, day: now, zone: zone) { return clock }
        if let iso = iso8601(text) { return iso }
        return localDateTime(text, zone: zone)
    }

    private static func relative(_ text: String, now: Date) -> Date? {
        guard text.first == "-" || text.first == "+", text.count >= 3, let unit = text.last else { return nil }
        let sign: Double = text.first == "-" ? -1 : 1
        guard let amount = Double(text.dropFirst().dropLast()), amount >= 0, amount.rounded() == amount else { return nil }
        let seconds: Double
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3600
        case "d": seconds = amount * 86_400
        default: return nil
        }
        return now.addingTimeInterval(sign * seconds)
    }

    private static func clockParts(_ text: Substring) -> (hour: Int, minute: Int, second: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 || ($0.count == 1 && parts.first == $0) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        let second = parts.count == 3 ? Int(parts[2]) : 0
        guard let second, (0..<60).contains(second) else { return nil }
        return (hour, minute, second)
    }

    private static func clockTime(_ text: String, day: Date, zone: TimeZone) -> Date? {
        guard let (hour, minute, second) = clockParts(Substring(text)) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var components = calendar.dateComponents([.year, .month, .day], from: day)
        components.hour = hour
        components.minute = minute
        components.second = second
        return calendar.date(from: components)
    }

    private static func iso8601(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text) ?? withFraction.date(from: text)
    }

    private static func localDateTime(_ text: String, zone: TimeZone) -> Date? {
        let pieces = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard pieces.count == 2, let (hour, minute, second) = clockParts(pieces[1]) else { return nil }
        let date = pieces[0].split(separator: "-")
        guard date.count == 3, date[0].count == 4, let year = Int(date[0]), let month = Int(date[1]), let dayOfMonth = Int(date[2]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute, second: second)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    /// Parses a calendar day (`2026-12-01`, `today`, `tomorrow`, `+3d`, `in 2 weeks` is not accepted) to midnight UTC.
    public static func parseDay(_ text: String, today: Date) -> Date? {
        let lower = text.lowercased()
        let startOfToday = Calendar.utc.startOfDay(for: today)
        if lower == "today" { return startOfToday }
        if lower == "tomorrow" { return startOfToday.addingTimeInterval(86_400) }
        if lower.hasPrefix("+"), let unit = lower.last, let n = Int(lower.dropFirst().dropLast()), n >= 0 {
            switch unit {
            case "d": return Calendar.utc.date(byAdding: .day, value: n, to: startOfToday)
            case "w": return Calendar.utc.date(byAdding: .day, value: 7 * n, to: startOfToday)
            default: return nil
            }
        }
        return calendarDay(lower)
    }

    /// Midnight UTC of `YYYY-MM-DD` (a day that exists: 2026-02-30 does not), nil for anything else.
    public static func calendarDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        let components = DateComponents(year: y, month: m, day: d)
        guard components.isValidDate(in: Calendar.utc) else { return nil }
        return Calendar.utc.date(from: components)
    }
}

/// UTC formatting used everywhere a time is shown. Plain arithmetic on the epoch (proleptic Gregorian, UTC has no
/// offsets to look up), because the report formats one time per timeline event and Calendar is slow at that.
public enum UTCFormat {
    /// Year, month, day, hour, minute, second of `date` in UTC.
    typealias Parts = (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)

    static func parts(_ date: Date) -> Parts {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var rest = total % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Howard Hinnant's days-to-civil.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, rest / 3600, (rest % 3600) / 60, rest % 60)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        if width == 2, (0..<100).contains(value) { return twoDigits[value] }
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// "00" … "99": a report formats several for each of its timeline's events.
    private static let twoDigits = (0..<100).map { $0 < 10 ? "0\($0)" : "\($0)" }

    /// The day, the time and the ISO 8601 form of one instant, its calendar worked out once (a report row shows all three).
    public static func stamp(_ date: Date) -> (day: String, time: String, iso: String) {
        let p = parts(date)
        guard (0...9999).contains(p.year) else {
            let (d, t) = (day(p), time(p))
            return (d, t, "\(d)T\(t)Z")
        }
        // Written as bytes: string interpolation costs more than the calendar over a 100,000-row transcript.
        let iso = String(unsafeUninitializedCapacity: 20) { out in
            func put(_ value: Int, _ width: Int, at start: Int) {
                var value = value
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(p.year, 4, at: 0); out[4] = UInt8(ascii: "-"); put(p.month, 2, at: 5); out[7] = UInt8(ascii: "-"); put(p.day, 2, at: 8)
            out[10] = UInt8(ascii: "T")
            put(p.hour, 2, at: 11); out[13] = UInt8(ascii: ":"); put(p.minute, 2, at: 14); out[16] = UInt8(ascii: ":"); put(p.second, 2, at: 17)
            out[19] = UInt8(ascii: "Z")
            return 20
        }
        let utf8 = iso.utf8
        return (String(Substring(utf8.prefix(10))), String(Substring(utf8.dropFirst(11).prefix(8))), iso)
    }

    /// `2026-11-22 14:05:00 UTC`
    public static func dateTime(_ date: Date) -> String {
        let p = parts(date)
        return "\(day(p)) \(time(p)) UTC"
    }

    /// `2026-11-22T14:05:00Z` (ISO 8601, for machine-readable output)
    public static func iso(_ date: Date) -> String {
        let p = parts(date)
        return "\(day(p))T\(time(p))Z"
    }

    /// `14:05:00`
    public static func time(_ date: Date) -> String { time(parts(date)) }

    /// `2026-11-22`
    public static func day(_ date: Date) -> String { day(parts(date)) }

    private static func day(_ p: Parts) -> String { "\(pad(p.year, 4))-\(pad(p.month, 2))-\(pad(p.day, 2))" }
    private static func time(_ p: Parts) -> String { "\(pad(p.hour, 2)):\(pad(p.minute, 2)):\(pad(p.second, 2))" }

    /// A duration as responders say it: `45s`, `12m`, `1h 05m`, `2d 3h`; negative durations keep their sign.
    public static func duration(_ interval: TimeInterval) -> String {
        let sign = interval < 0 ? "-" : ""
        let total = Int(abs(interval).rounded())
        let days = total / 86_400, hours = (total % 86_400) / 3600, minutes = (total % 3600) / 60, seconds = total % 60
        if days > 0 { return "\(sign)\(days)d \(hours)h" }
        if hours > 0 { return sign + String(format: "%dh %02dm", hours, minutes) }
        if minutes > 0 { return "\(sign)\(minutes)m" + (seconds > 0 ? String(format: " %02ds", seconds) : "") }
        return "\(sign)\(seconds)s"
    }
}
