import HindsightCore

/// `events_api` frames read by hand: nearly every frame is one, and `JSONDecoder` cost more than the rest of
/// capturing the message it carries (a fifth of the bot's CPU at 1,000 events a second). Each field is read as its
/// `Decodable` declaration in SocketFrame.swift says (optional fields absent or `null` are nil, others of the wrong
/// type refuse the frame); anything unusual hands the frame back to `JSONDecoder`, so what `decode` answers does not
/// depend on which of the two read it.
extension SocketFrame {
    /// The frame as an `events_api` envelope, or nil: another type of frame, or something this reader leaves to
    /// `JSONDecoder` (which then answers as it always did, errors included).
    static func readEvents(_ text: String) -> SocketFrame? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = JSONReader(bytes)
            var type: String?, envelopeID: String?, retryAttempt: Int?
            var payload: UnsafeBufferPointer<UInt8>?
            var seen = JSONFieldsSeen()
            do {
                try reader.members { r, key in
                    if key.spells("type") {
                        try seen.first(0)
                        type = try r.string()
                    } else if key.spells("envelope_id") {
                        try seen.first(1)
                        envelopeID = try r.optionalString()
                    } else if key.spells("retry_attempt") {
                        try seen.first(2)
                        retryAttempt = try r.optionalInt()
                    } else if key.spells("payload") {
                        try seen.first(3)
                        payload = try r.rawValue()
                    } else if key.spells("reason") {
                        try seen.first(4)
                        _ = try r.optionalString()
                    } else if key.spells("num_connections") {
                        try seen.first(5)
                        _ = try r.optionalInt()
                    } else if key.spells("debug_info") {
                        try seen.first(6)
                        guard try !r.null() else { return }
                        var inner = JSONFieldsSeen()
                        try r.members { r, key in
                            guard key.spells("approximate_connection_time") else { return try r.skip() }
                            try inner.first(0)
                            _ = try r.optionalInt()
                        }
                    } else {
                        try r.skip()
                    }
                }
                try reader.end()
                guard type == "events_api", let envelopeID, !envelopeID.isEmpty, let payload else { return nil }
                var inner = JSONReader(payload, depth: 1)
                let callback = try EventCallback(reading: &inner)
                return .events(Envelope(id: envelopeID, retryAttempt: retryAttempt ?? 0, payload: callback))
            } catch {
                return nil
            }
        }
    }
}

extension EventCallback {
    init(reading r: inout JSONReader) throws {
        var eventID: String?, eventTime: Int?, event: SlackEvent?
        var seen = JSONFieldsSeen()
        try r.members { r, key in
            if key.spells("event_id") {
                try seen.first(0)
                eventID = try r.optionalString()
            } else if key.spells("event_time") {
                try seen.first(1)
                eventTime = try r.optionalInt()
            } else if key.spells("event") {
                try seen.first(2)
                event = try SlackEvent(reading: &r)
            } else {
                try r.skip()
            }
        }
        guard let event else { throw JSONReader.Unexpected() }
        self.init(event_id: eventID, event_time: eventTime, event: event)
    }
}

extension SlackEvent {
    init(reading r: inout JSONReader) throws {
        var event = SlackEvent(type: "")
        var type: String?
        var seen = JSONFieldsSeen()
        try r.members { r, key in
            if key.spells("type") {
                try seen.first(0)
                type = try r.string()
            } else if key.spells("subtype") {
                try seen.first(1)
                event.subtype = try r.optionalString()
            } else if key.spells("channel") {
                try seen.first(2)
                event.channel = try r.optionalString()
            } else if key.spells("channel_id") {
                try seen.first(3)
                event.channel_id = try r.optionalString()
            } else if key.spells("user") {
                try seen.first(4)
                event.user = try r.optionalString()
            } else if key.spells("bot_id") {
                try seen.first(5)
                event.bot_id = try r.optionalString()
            } else if key.spells("text") {
                try seen.first(6)
                event.text = try r.optionalString()
            } else if key.spells("ts") {
                try seen.first(7)
                event.ts = try r.optionalString()
            } else if key.spells("event_ts") {
                try seen.first(8)
                event.event_ts = try r.optionalString()
            } else if key.spells("thread_ts") {
                try seen.first(9)
                event.thread_ts = try r.optionalString()
            } else if key.spells("files") {
                try seen.first(10)
                event.files = try SlackFile.readList(&r)
            } else if key.spells("hidden") {
                try seen.first(11)
                event.hidden = try r.optionalBool()
            } else if key.spells("message") {
                try seen.first(12)
                event.message = try r.null() ? nil : SlackMessage(reading: &r)
            } else if key.spells("deleted_ts") {
                try seen.first(13)
                event.deleted_ts = try r.optionalString()
            } else if key.spells("previous_message") {
                try seen.first(14)
                event.previous_message = try r.null() ? nil : SlackMessage(reading: &r)
            } else if key.spells("reaction") {
                try seen.first(15)
                event.reaction = try r.optionalString()
            } else if key.spells("item") {
                try seen.first(16)
                event.item = try r.null() ? nil : Item(reading: &r)
            } else {
                try r.skip()
            }
        }
        guard let type else { throw JSONReader.Unexpected() }
        event.type = type
        self = event
    }
}

extension SlackEvent.Item {
    init(reading r: inout JSONReader) throws {
        var item = SlackEvent.Item()
        var seen = JSONFieldsSeen()
        try r.members { r, key in
            if key.spells("type") {
                try seen.first(0)
                item.type = try r.optionalString()
            } else if key.spells("channel") {
                try seen.first(1)
                item.channel = try r.optionalString()
            } else if key.spells("ts") {
                try seen.first(2)
                item.ts = try r.optionalString()
            } else if key.spells("message") {
                try seen.first(3)
                item.message = try r.null() ? nil : SlackMessage(reading: &r)
            } else {
                try r.skip()
            }
        }
        self = item
    }
}

extension SlackMessage {
    init(reading r: inout JSONReader) throws {
        var message = SlackMessage()
        var seen = JSONFieldsSeen()
        try r.members { r, key in
            if key.spells("type") {
                try seen.first(0)
                message.type = try r.optionalString()
            } else if key.spells("subtype") {
                try seen.first(1)
                message.subtype = try r.optionalString()
            } else if key.spells("user") {
                try seen.first(2)
                message.user = try r.optionalString()
            } else if key.spells("bot_id") {
                try seen.first(3)
                message.bot_id = try r.optionalString()
            } else if key.spells("text") {
                try seen.first(4)
                message.text = try r.optionalString()
            } else if key.spells("ts") {
                try seen.first(5)
                message.ts = try r.optionalString()
            } else if key.spells("thread_ts") {
                try seen.first(6)
                message.thread_ts = try r.optionalString()
            } else if key.spells("files") {
                try seen.first(7)
                message.files = try SlackFile.readList(&r)
            } else if key.spells("edited") {
                try seen.first(8)
                guard try !r.null() else { return }
                var edited = Edited()
                var inner = JSONFieldsSeen()
                try r.members { r, key in
                    if key.spells("user") {
                        try inner.first(0)
                        edited.user = try r.optionalString()
                    } else if key.spells("ts") {
                        try inner.first(1)
                        edited.ts = try r.optionalString()
                    } else {
                        try r.skip()
                    }
                }
                message.edited = edited
            } else if key.spells("reply_count") {
                try seen.first(9)
                message.reply_count = try r.optionalInt()
            } else if key.spells("latest_reply") {
                try seen.first(10)
                message.latest_reply = try r.optionalString()
            } else {
                try r.skip()
            }
        }
        self = message
    }
}

extension SlackFile {
    /// `files`: nil for `null`, else an array of file objects (a `null` element refuses the frame, as `Decodable` does).
    static func readList(_ r: inout JSONReader) throws -> [SlackFile]? {
        guard try !r.null() else { return nil }
        var files: [SlackFile] = []
        try r.elements { r in
            var file = SlackFile()
            var seen = JSONFieldsSeen()
            try r.members { r, key in
                if key.spells("id") {
                    try seen.first(0)
                    file.id = try r.optionalString()
                } else if key.spells("name") {
                    try seen.first(1)
                    file.name = try r.optionalString()
                } else if key.spells("title") {
                    try seen.first(2)
                    file.title = try r.optionalString()
                } else if key.spells("url_private") {
                    try seen.first(3)
                    file.url_private = try r.optionalString()
                } else if key.spells("permalink") {
                    try seen.first(4)
                    file.permalink = try r.optionalString()
                } else {
                    try r.skip()
                }
            }
            files.append(file)
        }
        return files
    }
}
