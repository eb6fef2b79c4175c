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
            var header = Header()
            do {
                try reader.read(&header, Header.fields)
                try reader.end()
                guard header.type == "events_api", let id = header.envelopeID, !id.isEmpty, let payload = header.payload else { return nil }
                var inner = JSONReader(payload, depth: 1)
                var callback = EventCallback(event_id: nil, event_time: nil, event: SlackEvent(type: ""))
                try inner.read(&callback, EventCallback.fields)
                return .events(Envelope(id: id, retryAttempt: header.retryAttempt ?? 0, payload: callback))
            } catch {
                return nil
            }
        }
    }

    /// What `decode` reads of a frame before its payload (its `Header`), and where the payload is.
    private struct Header {
        var type: String?
        var envelopeID: String?
        var retryAttempt: Int?
        var payload: UnsafeBufferPointer<UInt8>?

        static let fields: [JSONField<Header>] = [
            JSONField("type", required: true) { r, header in header.type = try r.string() },
            .string("envelope_id", \.envelopeID), .int("retry_attempt", \.retryAttempt),
            JSONField("payload") { r, header in header.payload = try r.rawValue() },
            // Read only to refuse what `Header`'s declaration refuses (a reason that is not a string, say).
            JSONField("reason") { r, _ in _ = try r.optionalString() },
            JSONField("num_connections") { r, _ in _ = try r.optionalInt() },
            JSONField("debug_info") { r, _ in
                _ = try r.optional((), [JSONField<Void>("approximate_connection_time") { r, _ in _ = try r.optionalInt() }])
            },
        ]
    }
}

extension EventCallback {
    static let fields: [JSONField<EventCallback>] = [
        .string("event_id", \.event_id), .int("event_time", \.event_time),
        JSONField("event", required: true) { r, callback in try r.read(&callback.event, SlackEvent.fields) },
    ]
}

extension SlackEvent {
    static let fields: [JSONField<SlackEvent>] = [
        JSONField("type", required: true) { r, event in event.type = try r.string() },
        .string("subtype", \.subtype), .string("channel", \.channel), .string("channel_id", \.channel_id), .string("user", \.user),
        .string("bot_id", \.bot_id), .string("text", \.text), .string("ts", \.ts), .string("event_ts", \.event_ts),
        .string("thread_ts", \.thread_ts), .string("deleted_ts", \.deleted_ts), .string("reaction", \.reaction),
        .bool("hidden", \.hidden),
        JSONField("files") { r, event in event.files = try SlackFile.readList(&r) },
        JSONField("message") { r, event in event.message = try SlackMessage.readOptional(&r) },
        JSONField("previous_message") { r, event in event.previous_message = try SlackMessage.readOptional(&r) },
        JSONField("item") { r, event in event.item = try r.optional(Item(), Item.fields) },
    ]
}

extension SlackEvent.Item {
    static let fields: [JSONField<SlackEvent.Item>] = [
        .string("type", \.type), .string("channel", \.channel), .string("ts", \.ts),
        JSONField("message") { r, item in item.message = try SlackMessage.readOptional(&r) },
    ]
}

extension SlackMessage {
    static let fields: [JSONField<SlackMessage>] = [
        .string("type", \.type), .string("subtype", \.subtype), .string("user", \.user), .string("bot_id", \.bot_id),
        .string("text", \.text), .string("ts", \.ts), .string("thread_ts", \.thread_ts), .int("reply_count", \.reply_count),
        .string("latest_reply", \.latest_reply),
        JSONField("files") { r, message in message.files = try SlackFile.readList(&r) },
        JSONField("edited") { r, message in message.edited = try r.optional(Edited(), [.string("user", \.user), .string("ts", \.ts)]) },
    ]

    /// A message object, or nil for `null`.
    static func readOptional(_ r: inout JSONReader) throws -> SlackMessage? { try r.optional(SlackMessage(), fields) }
}

extension SlackFile {
    static let fields: [JSONField<SlackFile>] = [
        .string("id", \.id), .string("name", \.name), .string("title", \.title), .string("url_private", \.url_private),
        .string("permalink", \.permalink),
    ]

    /// `files`: nil for `null`, else an array of file objects (a `null` element refuses the frame, as `Decodable` does).
    static func readList(_ r: inout JSONReader) throws -> [SlackFile]? {
        guard try !r.null() else { return nil }
        var files: [SlackFile] = []
        try r.elements { r in
            var file = SlackFile()
            try r.read(&file, fields)
            files.append(file)
        }
        return files
    }
}
