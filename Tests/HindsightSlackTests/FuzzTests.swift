import Foundation
import HindsightCore
import HindsightTesting
import Testing
@testable import HindsightSlack

/// Hostile input for the Slack decoders: 100,000 random and mutated Socket Mode frames must each be decoded,
/// acknowledged-and-skipped, or rejected — never crash or hang. Seeded, so a failure reproduces.
@Suite("Fuzzing the Slack frame decoders")
struct SlackFuzzTests {
    static let seeds: [String] = [
        ##"{"envelope_id":"57d6a792-0000","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"","payload":{"token":"t","team_id":"T0","api_app_id":"A0","type":"event_callback","event_id":"Ev01","event_time":1700000000,"event":{"type":"message","channel":"C0","channel_type":"channel","user":"U1","text":"rolled back","ts":"1700000000.000100","event_ts":"1700000000.000100"}}}"##,
        ##"{"envelope_id":"57d6a792-0001","type":"events_api","retry_attempt":1,"payload":{"event_id":"Ev02","event":{"type":"reaction_added","user":"U1","reaction":"pushpin","item":{"type":"message","channel":"C0","ts":"1700000000.000100"}}}}"##,
        ##"{"envelope_id":"57d6a792-0002","type":"events_api","payload":{"event_id":"Ev03","event":{"type":"message","subtype":"message_changed","channel":"C0","message":{"user":"U1","text":"new","ts":"1700000000.000100","edited":{"user":"U1","ts":"1700000001.000000"}}}}}"##,
        ##"{"envelope_id":"s1","type":"slash_commands","accepts_response_payload":true,"payload":{"channel_id":"C0","user_id":"U1","command":"/postmortem","text":"status","response_url":"https://hooks/x","trigger_id":"tr"}}"##,
        ##"{"envelope_id":"i1","type":"interactive","payload":{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"note","private_metadata":"{\"channel\":\"C0\",\"context\":\"\"}","state":{"values":{"text":{"v":{"type":"plain_text_input","value":"x"}}}}}}}"##,
        ##"{"type":"hello","num_connections":1,"debug_info":{"host":"applink","approximate_connection_time":18060},"connection_info":{"app_id":"A0"}}"##,
        ##"{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink"}}"##,
    ]

    func mutate(_ seed: String, _ rng: inout SeededRandom) -> String {
        var bytes = Array(seed.utf8)
        switch rng.next() % 10 {
        case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))                       // truncated
        case 1: for _ in 0..<4 { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }  // invalid UTF-8
        case 2: return seed.replacingOccurrences(of: "\"retry_attempt\":0", with: "\"retry_attempt\":\"zero\"")  // wrong type
        case 3: return seed.replacingOccurrences(of: "\"event\":{", with: "\"event\":[{")                   // wrong shape
        case 4: return seed.replacingOccurrences(of: "events_api", with: "type_\(rng.next() % 1000)")       // unknown envelope
        case 5: return String(repeating: "[", count: Int(rng.next() % 5000) + 1)                            // deeply nested
        case 6: return seed.replacingOccurrences(of: "1700000000.000100", with: "\(rng.next())e308")       // absurd ts
        case 7: return String((0..<Int(rng.next() % 200)).map { _ in Character(UnicodeScalar(UInt8(32 + rng.next() % 95))) })  // noise
        case 8: return seed.replacingOccurrences(of: "\"user\":\"U1\"", with: "\"user\":null")              // missing author
        default: bytes.insert(contentsOf: Array("\"extra\":{\"a\":[1,2,{}]},".utf8), at: 1)              // unexpected fields
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("100,000 mutated frames: each decoded, skipped with an ack, or rejected; none crashes")
    func hundredThousandFrames() async throws {
        var rng = SeededRandom(seed: 20_261_123)
        let translator = EventTranslator(botUserID: "U0BOT", botID: "B0BOT")
        var decoded = 0, unreadable = 0, rejected = 0, inputs = 0
        for i in 0..<100_000 {
            let frame = mutate(Self.seeds[i % Self.seeds.count], &rng)
            // Tests run in parallel in one process: leave the cooperative threads to the socket tests now and then.
            if i % 256 == 0 { await Task.yield() }
            do {
                switch try SocketFrame.decode(frame) {
                case .events(let envelope):
                    inputs += await translator.inputs(for: envelope.payload.event, names: IDNames()).count
                    decoded += 1
                case .unreadable:
                    unreadable += 1
                default:
                    decoded += 1
                }
            } catch {
                rejected += 1
            }
        }
        #expect(decoded + unreadable + rejected == 100_000)
        #expect(rejected > 10_000, "most mutations are refused")
        #expect(unreadable > 1_000, "envelopes with a broken payload are still acknowledged")
        #expect(decoded > 10_000, "harmless mutations still decode")
        #expect(inputs > 1_000)
    }

    @Test("a 10 MB text and a frame nested 100,000 deep are rejected or decoded without crashing")
    func hugeFrames() async throws {
        let huge = ##"{"envelope_id":"big","type":"events_api","payload":{"event":{"type":"message","channel":"C0","user":"U1","ts":"1.0","text":""## + String(repeating: "x", count: 10 << 20) + ##""}}}"##
        let deep = #"{"type":"hello","x":"# + String(repeating: "{\"a\":", count: 100_000)
        let (length, deepDecodes) = try await offThePool { () throws -> (Int?, Bool) in
            guard case .events(let envelope) = try SocketFrame.decode(huge) else { return (nil, false) }
            return (envelope.payload.event.text?.utf8.count, (try? SocketFrame.decode(deep)) != nil)
        }
        #expect(length == 10 << 20, "a long message is decoded and kept whole")
        #expect(!deepDecodes, "a frame nested 100,000 deep is refused")
    }

    /// What `decode` answers for an `events_api` frame, whichever reader read it.
    static func sameAnswer(_ fast: SocketFrame?, _ frame: String) -> Bool {
        guard case .events(let read)? = fast else { return true }
        guard case .events(let decoded)? = try? SocketFrame.decodeWithJSONDecoder(frame) else { return false }
        return read.id == decoded.id && read.retryAttempt == decoded.retryAttempt && read.payload == decoded.payload
    }

    @Test("every frame read by hand reads exactly as through JSONDecoder, over 100,000 mutated frames")
    func readByHandAsDecoded() async throws {
        // On a thread of its own (`offThePool`): each frame is read twice, seconds of work in a debug build that would
        // hold a thread of the pool the socket tests beside it wait on.
        let (read, differing) = try await offThePool { [self] () -> (Int, [String]) in
            var rng = SeededRandom(seed: 20_261_206)
            var read = 0
            var differing: [String] = []
            for i in 0..<100_000 {
                let frame = mutate(Self.seeds[i % Self.seeds.count], &rng)
                let fast = SocketFrame.readEvents(frame)
                if fast != nil { read += 1 }
                if !Self.sameAnswer(fast, frame) { differing.append(frame) }
            }
            return (read, differing)
        }
        #expect(differing.isEmpty, "read otherwise than JSONDecoder reads them: \(differing.prefix(3))")
        #expect(read > 10_000, "most event frames take the hand-written path")
    }

    @Test("escapes, nulls, key order, files, edits, pins and nesting: read by hand as decoded, or left to JSONDecoder")
    func readByHandEdgeCases() throws {
        let readable: [String] = [
            ##"{"payload":{"event":{"ts":"1.0","type":"message","text":"caf\u00e9 \ud83d\ude00 \/ \"q\" \\ \n\t","user":"U1"},"event_id":"Ev1"},"type":"events_api","envelope_id":"e1"}"##,
            ##"{ "envelope_id" : "e2" , "type" : "events_api" , "retry_attempt" : 2 , "payload" : { "event" : { "type" : "message" , "subtype" : null , "user" : null , "files" : [ { "id" : "F1" , "name" : "a.txt" , "size" : 12.5e3 } ] } } }"##,
            ##"{"envelope_id":"e3","type":"events_api","payload":{"event_time":-0,"event":{"type":"message","subtype":"message_changed","hidden":true,"message":{"text":"new","edited":{"user":"U1","ts":"2.0"},"reply_count":3,"blocks":[{"type":"rich_text","elements":[]}]},"previous_message":null}}}"##,
            ##"{"envelope_id":"e4","type":"events_api","payload":{"event":{"type":"pin_added","item":{"type":"message","message":{"text":"pinned","ts":"3.0"}},"x":[true,false,null,{}]}}}"##,
            ##"{"envelope_id":"e6","type":"events_api","payload":{"event":{"type":"message","permalink":"https:\/\/x\/p\u00e9 \ud83d\ude00 \"q\""}}}"##,
            ##"{"envelope_id":"e5","type":"events_api","reason":null,"num_connections":1,"debug_info":{"host":"h","approximate_connection_time":null},"payload":{"event":{"type":"message","files":null}}}"##,
        ]
        for frame in readable {
            let fast = SocketFrame.readEvents(frame)
            #expect(fast != nil, "\(frame)")
            #expect(Self.sameAnswer(fast, frame), "\(frame)")
        }
        let nested = { (levels: Int) in
            ##"{"envelope_id":"d","type":"events_api","payload":{"event":{"type":"message","x":"## + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "}}}"
        }
        // Left to JSONDecoder: what it might read differently (a duplicate key, an escaped key, an integer written as
        // a fraction, a lone surrogate), what it refuses (too deep, trailing bytes), and every other kind of frame.
        let leftAlone: [String] = [
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"type":"message","text":"a","text":"b"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"typ\u0065":"message"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","retry_attempt":1.0,"payload":{"event":{"type":"message"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"type":"message","text":"\ud83d"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"type":"message","skipped":"\x"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"type":"message","skipped":"\udc00"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"type":"message"}}} x"##,
            ##"{"envelope_id":"","type":"events_api","payload":{"event":{"type":"message"}}}"##,
            ##"{"envelope_id":"e","type":"events_api","payload":{"event":{"user":"U1"}}}"##,
            nested(62), Self.seeds[3], Self.seeds[5],
        ]
        for frame in leftAlone { #expect(SocketFrame.readEvents(frame) == nil, "\(frame)") }
        #expect(SocketFrame.readEvents(nested(61)) != nil, "61 levels inside the event are 64 in all, as deep as SafeJSON lets through")
        #expect(Self.sameAnswer(SocketFrame.readEvents(nested(61)), nested(61)))
    }
}
