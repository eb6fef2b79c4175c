import Foundation
import HindsightCore
import HindsightMattermost
import HindsightTesting
import Testing

/// Hostile input for the Mattermost decoders: 100,000 random and mutated frames must each be decoded or rejected,
/// never crash or hang. Seeded, so a failure reproduces.
@Suite("Fuzzing the Mattermost frame decoders")
struct FuzzTests {
    struct Names: UserNameLookup {
        func displayName(of userID: String) async -> String { userID }
    }

    static let seeds: [String] = [
        #"{"event":"posted","data":{"channel_display_name":"incident","channel_type":"O","post":"{\"id\":\"p0stp0stp0stp0stp0stp0st00\",\"create_at\":1795356000000,\"update_at\":1795356000000,\"edit_at\":0,\"delete_at\":0,\"user_id\":\"al1ceal1ceal1ceal1ceal1ce0\",\"channel_id\":\"ch4nch4nch4nch4nch4nch4nch\",\"root_id\":\"\",\"message\":\"rolled back\",\"type\":\"\",\"props\":{}}","sender_name":"@alice"},"broadcast":{"channel_id":"ch4nch4nch4nch4nch4nch4nch"},"seq":7}"#,
        #"{"event":"reaction_added","data":{"reaction":"{\"user_id\":\"al1ceal1ceal1ceal1ceal1ce0\",\"post_id\":\"p0stp0stp0stp0stp0stp0st00\",\"emoji_name\":\"pushpin\",\"create_at\":1795356000000,\"channel_id\":\"ch4nch4nch4nch4nch4nch4nch\"}"},"broadcast":{"channel_id":"ch4nch4nch4nch4nch4nch4nch"},"seq":8}"#,
        #"{"event":"hello","data":{"connection_id":"c0nn","server_version":"9.11.0"},"broadcast":{},"seq":0}"#,
        #"{"status":"OK","seq_reply":3}"#,
    ]

    func mutate(_ seed: String, _ rng: inout SeededRandom) -> String {
        var bytes = Array(seed.utf8)
        switch rng.next() % 9 {
        case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))                       // truncated
        case 1: for _ in 0..<4 { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }  // flipped bytes, invalid UTF-8
        case 2: return seed.replacingOccurrences(of: "\"seq\":7", with: "\"seq\":\"seven\"")             // wrong type
        case 3: return seed.replacingOccurrences(of: "\"post\":\"", with: "\"post\":{\"x\":\"")         // post not a string
        case 4: return seed.replacingOccurrences(of: "posted", with: "event_\(rng.next() % 1000)")       // unknown event
        case 5: return String(repeating: "[", count: Int(rng.next() % 5000) + 1)                            // deeply nested
        case 6: return seed.replacingOccurrences(of: "1795356000000", with: "\(Int64.max)")               // absurd time
        case 7: return String((0..<Int(rng.next() % 200)).map { _ in Character(UnicodeScalar(UInt8(32 + rng.next() % 95))) })  // noise
        default: bytes.insert(contentsOf: Array("\"extra\":{\"a\":[1,2,{}]},".utf8), at: 1)              // unexpected fields
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("100,000 mutated frames: each decoded or rejected, none crashes")
    func hundredThousandFrames() async throws {
        var rng = SeededRandom(seed: 20_261_123)
        let translator = EventTranslator(botUserID: "b0tb0tb0tb0tb0tb0tb0tb0tb0", serverURL: "https://chat.example.com")
        var decoded = 0, rejected = 0, inputs = 0
        for i in 0..<100_000 {
            let frame = mutate(Self.seeds[i % Self.seeds.count], &rng)
            // Tests run in parallel in one process: leave the cooperative threads to the socket tests now and then.
            if i % 256 == 0 { await Task.yield() }
            do {
                if case let .event(event) = try SocketMessage.decode(frame) {
                    inputs += try await translator.inputs(for: event, names: Names()).count
                }
                decoded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(decoded + rejected == 100_000)
        #expect(rejected > 10_000, "most mutations are refused")
        #expect(decoded > 10_000, "harmless mutations still decode")
        #expect(inputs > 1_000)
    }

    @Test("a 10 MB text and a frame nested 100,000 deep are rejected or decoded without crashing")
    func hugeFrames() async throws {
        let huge = #"{"event":"posted","data":{"post":"{\"message\":\""# + String(repeating: "x", count: 10 << 20) + #"\"}"},"seq":1}"#
        let deep = String(repeating: "{\"a\":", count: 100_000)
        try await offThePool {
            for frame in [huge, deep] { _ = try? SocketMessage.decode(frame) }
        }
    }
}
