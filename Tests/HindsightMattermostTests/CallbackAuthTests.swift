@testable import HindsightBot
import Foundation
import HindsightCore
import HindsightServer
import HindsightTesting
import Testing

/// Everything a forged callback could have touched, to compare before and after.
private struct Snapshot: Equatable {
    var incident: Incident?
    var events: [TimelineEvent]
    var draft: PostmortemDraft?
    var incidents: Int
}

private func snapshot(_ h: Harness) async throws -> Snapshot {
    try await h.bot.store.read { tx in
        let incident = try tx.openIncident(in: TestIDs.channelKey) ?? tx.latestIncident(in: TestIDs.channelKey)
        return Snapshot(
            incident: incident, events: try incident.map { try tx.events(of: $0.id) } ?? [],
            draft: try incident.flatMap { try tx.postmortem(of: $0.id) }, incidents: try tx.allIncidents().count
        )
    }
}

/// The bot's proposal post with confirm/dismiss buttons for a live "rolled back" message.
private func proposalPost(_ h: Harness) async throws -> FakeMattermostPost {
    _ = await h.fake.post(channelID: TestIDs.channel, userID: TestIDs.bob.id, message: "ok, rolled back to v41, error rate back to normal")
    try await eventually("the bot's suggestion with buttons") {
        h.fake.posts(by: h.fake.botUser.id).contains { $0.props["attachments"] != nil }
    }
    return try #require(h.fake.posts(by: h.fake.botUser.id).last { $0.props["attachments"] != nil })
}

private func context(command: String, token: String?) -> FakeJSON {
    var object: [String: FakeJSON] = ["command": .string(command)]
    if let token { object["token"] = .string(token) }
    return .object(object)
}

private let otherChannel = "0therch4nnel0therch4nnel00"

@Suite("Mattermost buttons obey only the bot's own buttons")
struct ButtonAuthTests {
    @Test("a real click on the bot's suggestion button confirms the milestone for the person who clicked")
    func realClick() async throws {
        try await withHarness { h in
            let post = try await proposalPost(h)
            let response = try await h.fake.clickButton(on: post, command: "confirm", userID: TestIDs.alice.id, botURL: h.botURL)
            #expect(response.status == 200)
            let incident = try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) }
            #expect(incident?.milestones[.mitigated] != nil)
        }
    }

    @Test("a hand-written click is refused with 401 and changes nothing", arguments: [
        "no token", "another installation's token", "expired token", "token for another channel", "token for another command",
        "token issued to someone else", "garbage token",
    ])
    func forged(_ kind: String) async throws {
        try await withHarness { h in
            let before = try await snapshot(h)
            let now = Date()
            let token: String? = switch kind {
            case "no token": nil
            case "another installation's token":
                CallbackSigner(secret: Array("someone-else's-secret-material!!".utf8)).issue(.button, purpose: "resolved", channelID: TestIDs.channel)
            case "expired token":
                CallbackSigner(secret: TestIDs.callbackSecret, now: { now.addingTimeInterval(-40 * 24 * 3600) })
                    .issue(.button, purpose: "resolved", channelID: TestIDs.channel)
            case "token for another channel": TestIDs.callbacks.issue(.button, purpose: "resolved", channelID: otherChannel)
            case "token for another command": TestIDs.callbacks.issue(.button, purpose: "severity sev3", channelID: TestIDs.channel)
            case "token issued to someone else":
                TestIDs.callbacks.issue(.button, purpose: "resolved", channelID: TestIDs.channel, userID: TestIDs.bob.id)
            default: "v1.eyJrIjoiYnV0dG9uIn0.AAAA"
            }
            let response = try await h.fake.clickButton(
                to: h.botURL + "/mattermost/action", context: context(command: "resolved", token: token),
                channelID: TestIDs.channel, userID: TestIDs.alice.id, postID: FakeMattermostID.make()
            )
            #expect(response.status == 401)
            #expect(response.json?["error"]?.string?.contains("nothing was changed") == true)
            #expect(try await snapshot(h) == before)
        }
    }

    @Test("a real button's context replayed in another channel is refused")
    func realTokenOtherChannel() async throws {
        try await withHarness { h in
            let post = try await proposalPost(h)
            var moved = post
            moved.channel_id = otherChannel
            let before = try await snapshot(h)
            let response = try await h.fake.clickButton(on: moved, command: "confirm", userID: TestIDs.alice.id, botURL: h.botURL)
            #expect(response.status == 401)
            #expect(try await snapshot(h) == before)
        }
    }
}

@Suite("Mattermost dialogs accept only what the bot opened, for whom it opened it")
struct DialogAuthTests {
    /// Opens the "start" dialog for alice and returns its callback id and state.
    private func openDialog(_ h: Harness) async throws -> (callbackID: String, state: String) {
        let response = try await h.fake.slashCommand(
            to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id,
            text: "start", triggerID: "tr1gger"
        )
        #expect(response.status == 200)
        let dialog = try #require(h.fake.openedDialogs.last)
        return (try #require(dialog["dialog"]?["callback_id"]?.string), dialog["dialog"]?["state"]?.string ?? "")
    }

    private func submit(_ h: Harness, callbackID: String, state: String, channelID: String = TestIDs.channel, userID: String = TestIDs.alice.id)
        async throws -> FakeIntegrationResponse
    {
        try await h.fake.submitDialog(
            to: h.botURL + "/mattermost/dialog", callbackID: callbackID, state: state, channelID: channelID, userID: userID,
            submission: ["title": .string("Forged incident"), "severity": .string("sev1")]
        )
    }

    @Test("a hand-written dialog submission is refused with 401 and stores nothing", arguments: [
        "empty state", "state without token", "state from another installation", "another person", "another channel", "another form",
        "tampered context",
    ])
    func forged(_ kind: String) async throws {
        try await withHarness(openIncident: false) { h in
            let (callbackID, state) = try await openDialog(h)
            let before = try await snapshot(h)
            let response: FakeIntegrationResponse
            switch kind {
            case "empty state": response = try await submit(h, callbackID: callbackID, state: "")
            case "state without token": response = try await submit(h, callbackID: callbackID, state: #"{"c":""}"#)
            case "state from another installation":
                let token = CallbackSigner(secret: Array("someone-else's-secret-material!!".utf8))
                    .issue(.dialog, purpose: callbackID, channelID: TestIDs.channel, userID: TestIDs.alice.id)
                response = try await submit(h, callbackID: callbackID, state: #"{"c":"","t":"\#(token)"}"#)
            case "another person": response = try await submit(h, callbackID: callbackID, state: state, userID: TestIDs.bob.id)
            case "another channel": response = try await submit(h, callbackID: callbackID, state: state, channelID: otherChannel)
            case "another form": response = try await submit(h, callbackID: "impact", state: state)
            default:
                let decoded = try #require(FakeJSON.parse(Data(state.utf8)))
                let token = decoded["t"]?.string ?? ""
                response = try await submit(h, callbackID: callbackID, state: #"{"c":"forged-context","t":"\#(token)"}"#)
            }
            #expect(response.status == 401, "\(kind)")
            #expect(try await snapshot(h) == before, "\(kind)")
            #expect(try await h.bot.store.read { tx in try tx.openIncident(in: TestIDs.channelKey) } == nil)
        }
    }

    @Test("a dialog submission replayed after it was accepted is refused and changes nothing more")
    func replayed() async throws {
        try await withHarness(openIncident: false) { h in
            let (callbackID, state) = try await openDialog(h)
            let accepted = try await submit(h, callbackID: callbackID, state: state)
            #expect(accepted.status == 200)
            #expect(accepted.json == .object([:]))
            let after = try await snapshot(h)
            #expect(after.incidents == 1)
            let replay = try await submit(h, callbackID: callbackID, state: state)
            #expect(replay.status == 401)
            #expect(replay.json?["error"]?.string?.contains("already used") == true)
            #expect(try await snapshot(h) == after)
        }
    }
}

@Suite("Hostile bodies on every route get a 4xx with a reason and store nothing")
struct HostileBodyTests {
    static let deepJSON = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
    static let bodies: [(name: String, body: Data, contentType: String)] = [
        ("truncated JSON", Data(#"{"user_id":"al1ce","channel_id":"ch4n","context":{"comm"#.utf8), "application/json"),
        ("binary noise", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }), "application/octet-stream"),
        ("wrong content type", Data("user_id=al1ce&channel_id=ch4n&command=resolved".utf8), "text/plain"),
        ("deeply nested JSON", Data(deepJSON.utf8), "application/json"),
        ("10 MB body", Data(repeating: UInt8(ascii: "a"), count: 10 << 20), "application/json"),
        ("JSON of the wrong shape", Data(#"[1, "two", {"three": null}]"#.utf8), "application/json"),
    ]

    @Test("each Mattermost route", arguments: ["/mattermost/command", "/mattermost/dialog", "/mattermost/action"])
    func mattermostRoute(_ path: String) async throws {
        try await withHarness { h in
            let before = try await snapshot(h)
            for (name, body, type) in Self.bodies {
                let response = try await TestHTTP.post(h.botURL + path, body: body, contentType: type)
                #expect((400..<500).contains(response.status), "\(name) on \(path): \(response.status)")
                if response.status != 413 {
                    #expect(!response.body.isEmpty, "\(name) on \(path): a 4xx says why")
                }
            }
            #expect(try await snapshot(h) == before)
            // Still serving.
            let fine = try await h.fake.slashCommand(
                to: h.botURL + "/mattermost/command", token: TestIDs.commandToken, channelID: TestIDs.channel, userID: TestIDs.alice.id, text: "status"
            )
            #expect(fine.status == 200)
        }
    }
}

@Suite("Callback tokens")
struct CallbackSignerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var signer: CallbackSigner { CallbackSigner(secret: TestIDs.callbackSecret, now: { [now] in now }) }

    @Test("a token verifies only for exactly what it was issued for, and names why not")
    func claims() {
        let token = signer.issue(.dialog, purpose: "impact", channelID: "C1", userID: "U1", bound: "ctx")
        #expect(throws: Never.self) { try signer.verify(token, kind: .dialog, purpose: "impact", channelID: "C1", userID: "U1", bound: "ctx").get() }
        #expect(signer.verify(token, kind: .button, purpose: "impact", channelID: "C1", userID: "U1", bound: "ctx") == .failure(.wrongKind))
        #expect(signer.verify(token, kind: .dialog, purpose: "why", channelID: "C1", userID: "U1", bound: "ctx") == .failure(.wrongPurpose))
        #expect(signer.verify(token, kind: .dialog, purpose: "impact", channelID: "C2", userID: "U1", bound: "ctx") == .failure(.wrongChannel))
        #expect(signer.verify(token, kind: .dialog, purpose: "impact", channelID: "C1", userID: "U2", bound: "ctx") == .failure(.wrongUser))
        #expect(signer.verify(token, kind: .dialog, purpose: "impact", channelID: "C1", userID: "U1", bound: "other") == .failure(.badSignature))
        #expect(signer.verify(nil, kind: .dialog, purpose: "impact", channelID: "C1", userID: "U1") == .failure(.missing))
        #expect(signer.verify("v2.x.y", kind: .dialog, purpose: "impact", channelID: "C1", userID: "U1") == .failure(.malformed))
        let later = CallbackSigner(secret: TestIDs.callbackSecret, now: { [now] in now.addingTimeInterval(25 * 3600) })
        #expect(later.verify(token, kind: .dialog, purpose: "impact", channelID: "C1", userID: "U1", bound: "ctx") == .failure(.expired))
    }

    @Test("editing the claims of a real token breaks its signature")
    func tamperedClaims() throws {
        let token = signer.issue(.button, purpose: "severity sev3", channelID: "C1")
        let parts = token.split(separator: ".")
        let standard = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let claims = try #require(Data(base64Encoded: standard.padding(toLength: (standard.count + 3) / 4 * 4, withPad: "=", startingAt: 0)))
        let edited = String(decoding: claims, as: UTF8.self).replacingOccurrences(of: "severity sev3", with: "resolved")
        let encoded = Data(edited.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let forged = "v1.\(encoded).\(parts[2])"
        #expect(signer.verify(forged, kind: .button, purpose: "resolved", channelID: "C1", userID: "U9") == .failure(.badSignature))
    }
}
