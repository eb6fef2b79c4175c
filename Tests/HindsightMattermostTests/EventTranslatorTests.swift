import Foundation
import HindsightCore
import HindsightMattermost
import Testing

struct FixedNames: UserNameLookup {
    func displayName(of userID: String) async -> String { "name-of-\(userID)" }
}

@Suite("Mattermost events into capture inputs")
struct EventTranslatorTests {
    let translator = EventTranslator(botUserID: "bot", serverURL: "https://chat.example.com")

    func frame(_ event: String, post: String? = nil, reaction: String? = nil, channel: String = "ch") throws -> SocketEvent {
        var data: [String: String] = [:]
        if let post { data["post"] = post }
        if let reaction { data["reaction"] = reaction }
        let json = try JSONSerialization.data(withJSONObject: ["event": event, "seq": 3, "data": data, "broadcast": ["channel_id": channel]])
        guard case .event(let decoded) = try SocketMessage.decode(String(decoding: json, as: UTF8.self)) else { throw SocketMessageError.unrecognised }
        return decoded
    }

    func post(id: String = "p1", user: String = "u1", type: String = "", root: String = "", files: String = "[]", edit: Int = 0, delete: Int = 0, props: String = "{}") -> String {
        #"{"id":"\#(id)","create_at":1700000000123,"update_at":1700000000123,"edit_at":\#(edit),"delete_at":\#(delete),"user_id":"\#(user)","channel_id":"ch","root_id":"\#(root)","message":"rolling back","type":"\#(type)","props":\#(props),"hashtags":"","file_ids":\#(files)}"#
    }

    @Test("posts from incoming webhooks and bots are marked as integration posts; people's posts are not")
    func integrationPosts() async throws {
        for props in [#"{"from_webhook":"true","override_username":"PagerDuty"}"#, #"{"from_bot":"true"}"#] {
            let inputs = try await translator.inputs(for: frame("posted", post: post(props: props)), names: FixedNames())
            guard case .message(let message)? = inputs.first else { Issue.record("no message"); return }
            #expect(message.isFromIntegration, "\(props)")
        }
        let inputs = try await translator.inputs(for: frame("posted", post: post()), names: FixedNames())
        guard case .message(let message)? = inputs.first else { Issue.record("no message"); return }
        #expect(!message.isFromIntegration)
    }

    @Test("posted decodes the JSON-string post: create_at is the time, root_id the thread, files attachments")
    func posted() async throws {
        let inputs = try await translator.inputs(for: frame("posted", post: post(root: "r00t", files: #"["f1"]"#)), names: FixedNames())
        guard case .message(let message)? = inputs.first else { Issue.record("no message"); return }
        #expect(message.messageID == "p1")
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_700_000_000.123))
        #expect(message.threadParentID == "r00t")
        #expect(message.author == Person(id: "u1", name: "name-of-u1"))
        #expect(message.attachments == [Attachment(name: "f1", url: "https://chat.example.com/api/v4/files/f1")])
        #expect(message.channel == ChannelKey(platform: .mattermost, channelID: "ch"))
    }

    @Test("system posts are skipped; the bot's own posts are marked for the pipeline to drop")
    func skipped() async throws {
        #expect(try await translator.inputs(for: frame("posted", post: post(type: "system_join_channel")), names: FixedNames()).isEmpty)
        let own = try await translator.inputs(for: frame("posted", post: post(user: "bot")), names: FixedNames())
        guard case .message(let message)? = own.first else { Issue.record("own post not translated: \(own)"); return }
        #expect(message.isFromThisBot)
        #expect(CapturePipeline.standard(redact: { $0 }).run(.message(message)) == .drop(.fromThisBot))
        let someone = try await translator.inputs(for: frame("posted", post: post()), names: FixedNames())
        guard case .message(let said)? = someone.first else { Issue.record("a person's post not translated: \(someone)"); return }
        #expect(!said.isFromThisBot)
    }

    @Test("post_edited becomes an edit at edit_at; post_deleted a deletion at delete_at")
    func editAndDelete() async throws {
        let edited = try await translator.inputs(for: frame("post_edited", post: post(edit: 1700000005000)), names: FixedNames())
        #expect(edited == [.edit(channel: .init(platform: .mattermost, channelID: "ch"), messageID: "p1", newText: "rolling back",
                                 editedAt: Date(timeIntervalSince1970: 1_700_000_005))])
        let deleted = try await translator.inputs(for: frame("post_deleted", post: post(delete: 1700000009000)), names: FixedNames())
        #expect(deleted == [.deletion(channel: .init(platform: .mattermost, channelID: "ch"), messageID: "p1",
                                      deletedAt: Date(timeIntervalSince1970: 1_700_000_009))])
    }

    @Test("reactions decode their JSON string; the channel comes from the broadcast when absent")
    func reactions() async throws {
        let reaction = #"{"user_id":"u2","post_id":"p1","emoji_name":"pushpin","create_at":1700000000000}"#
        let added = try await translator.inputs(for: frame("reaction_added", reaction: reaction, channel: "chX"), names: FixedNames())
        #expect(added == [.reaction(channel: .init(platform: .mattermost, channelID: "chX"), messageID: "p1", emoji: "pushpin",
                                    by: Person(id: "u2", name: "name-of-u2"), added: true)])
        let removed = try await translator.inputs(for: frame("reaction_removed", reaction: reaction, channel: "chX"), names: FixedNames())
        guard case .reaction(_, _, _, _, let wasAdded, _)? = removed.first else { Issue.record("no reaction"); return }
        #expect(!wasAdded)
        // The bot's own reaction is marked for the pipeline to drop.
        let own = try await translator.inputs(
            for: frame("reaction_added", reaction: #"{"user_id":"bot","post_id":"p1","emoji_name":"white_check_mark","create_at":1700000000000}"#, channel: "chX"),
            names: FixedNames())
        guard case .reaction(_, _, _, _, _, let fromThisBot)? = own.first else { Issue.record("no reaction"); return }
        #expect(fromThisBot)
        #expect(CapturePipeline.standard(redact: { $0 }).run(own[0]) == .drop(.fromThisBot))
    }

    @Test("other events (typing, channel_viewed) are ignored")
    func ignored() async throws {
        #expect(try await translator.inputs(for: frame("typing"), names: FixedNames()).isEmpty)
    }

    @Test("an action reply is recognised")
    func reply() throws {
        #expect(try SocketMessage.decode(#"{"status":"OK","seq_reply":4,"data":{"text":"pong"}}"#) == .reply(seqReply: 4, ok: true))
    }
}
