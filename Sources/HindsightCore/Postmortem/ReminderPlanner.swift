import Foundation

/// When reminders are due, from `Prompts/postmortem.yaml` (`reminders:`).
public struct ReminderRules: Codable, Hashable, Sendable {
    /// Nudge a resolved incident with no published post-mortem after this many hours.
    public var nudgeAfterHours: Int
    /// Remind an action's owner this many days before it is due.
    public var dueSoonDays: Int
    /// Weekly digest of open action items: the weekday (1 = Sunday … 7 = Saturday, UTC) and hour (UTC).
    public var digestWeekday: Int
    public var digestHour: Int

    enum CodingKeys: String, CodingKey {
        case nudgeAfterHours = "nudge_after_hours", dueSoonDays = "due_soon_days", digestWeekday = "digest_weekday", digestHour = "digest_hour"
    }
}

/// A reminder to post: where, what, and the key that makes sure it is posted once.
public struct DueReminder: Hashable, Sendable {
    public var key: String
    public var channel: ChannelKey
    public var reply: Reply

    public init(key: String, channel: ChannelKey, reply: Reply) {
        self.key = key
        self.channel = channel
        self.reply = reply
    }
}

extension IncidentDesk {
    /// Every reminder due at `now` that has not been sent (by key). Pure: the caller marks them sent in the same
    /// transaction, so a restart never sends one twice.
    public func dueReminders(now: Date, records: some IncidentRecords, sent: (String) throws -> Bool) throws -> [DueReminder] {
        let rules = guide.reminders
        let today = Calendar.utc.startOfDay(for: now)
        let drafts = Dictionary(try records.allPostmortems().map { ($0.incidentID, $0) }, uniquingKeysWith: { first, _ in first })
        var due: [DueReminder] = []
        func add(_ key: String, _ channel: ChannelKey, _ text: PostmortemText, _ values: [String: String]) throws {
            guard try !sent(key) else { return }
            due.append(DueReminder(key: key, channel: channel, reply: Reply(.channel, guide.render(text, values))))
        }
        var openByChannel: [ChannelKey: [(Incident, ActionItem)]] = [:]
        for incident in try records.allIncidents() {
            let draft = drafts[incident.id]
            let base = ["id": incident.id.rawValue, "title": incident.title]
            if incident.state == .resolved, let resolvedAt = incident.milestones[.resolved], (draft?.publications ?? 0) == 0,
               now.timeIntervalSince(resolvedAt) >= Double(rules.nudgeAfterHours) * 3600 {
                try add("nudge:\(incident.id.rawValue)", incident.channel, .reminderNudge, base.merging(["hours": "\(rules.nudgeAfterHours)"]) { $1 })
            }
            if let review = draft?.followUpReview, review <= today {
                try add("followup:\(incident.id.rawValue)", incident.channel, .reminderFollowUp, base.merging(["date": UTCFormat.day(review)]) { $1 })
            }
            for item in draft?.actions ?? [] where item.isOpen {
                openByChannel[incident.channel, default: []].append((incident, item))
                guard let dueDate = item.due else { continue }
                let values = base.merging([
                    "ref": item.reference, "text": item.text, "owner": item.owner ?? guide.render(.notSet), "due": UTCFormat.day(dueDate),
                ]) { $1 }
                if dueDate < today {
                    try add("overdue:\(incident.id.rawValue):\(item.reference)", incident.channel, .reminderOverdue, values)
                } else if dueDate.timeIntervalSince(today) <= Double(rules.dueSoonDays) * 86_400 {
                    try add("due-soon:\(incident.id.rawValue):\(item.reference)", incident.channel, .reminderDueSoon, values)
                }
            }
        }
        let parts = Calendar.utc.dateComponents([.weekday, .hour, .yearForWeekOfYear, .weekOfYear], from: now)
        if parts.weekday == rules.digestWeekday, (parts.hour ?? 0) >= rules.digestHour {
            let week = "\(parts.yearForWeekOfYear ?? 0)-W\(parts.weekOfYear ?? 0)"
            for (channel, items) in openByChannel.sorted(by: { $0.key.channelID < $1.key.channelID }) {
                let lines = items.map { incident, item in
                    guide.render(.reminderDigestLine, [
                        "id": incident.id.rawValue, "ref": item.reference, "text": item.text, "owner": item.owner ?? guide.render(.notSet),
                        "due": item.due.map(UTCFormat.day) ?? guide.render(.notSet), "status": item.status.rawValue,
                    ])
                }
                try add("digest:\(channel.platform.rawValue):\(channel.channelID):\(week)", channel, .reminderDigest,
                        ["count": "\(items.count)", "items": lines.joined(separator: "\n")])
            }
        }
        return due
    }
}
