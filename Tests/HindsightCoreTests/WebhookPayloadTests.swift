import Foundation
import Testing
import HindsightCore

@Suite("Alert and signal webhook payloads")
struct WebhookPayloadTests {
    // Shape of Alertmanager's documented version-4 payload (one firing, one resolved alert).
    let alertmanager = #"""
    {"receiver":"hindsight","status":"firing","alerts":[
      {"status":"firing","labels":{"alertname":"ProbeFailure","instance":"https://server.example.org","severity":"critical","incident":"INC-2026-1122-001"},
       "annotations":{"summary":"BlackBox Probe Failure: https://server.example.org"},
       "startsAt":"2026-11-22T13:08:45.828123456Z","endsAt":"0001-01-01T00:00:00Z",
       "generatorURL":"http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0","fingerprint":"1a30ba71cca2921f"},
      {"status":"resolved","labels":{"alertname":"HighLatency","channel":"C0INCIDENT"},"annotations":{"description":"p99 over 2s"},
       "startsAt":"2026-11-22T12:00:00+02:00","endsAt":"2026-11-22T13:30:00.5+02:00","generatorURL":"","fingerprint":"bc97ff14869b13e3"}],
     "groupLabels":{"alertname":"ProbeFailure"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://prometheus.example.org:9093",
     "version":"4","groupKey":"{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}","truncatedAlerts":0}
    """#

    // Shape of PagerDuty's documented v3 webhook for incident.acknowledged.
    let pagerduty = #"""
    {"event":{"id":"01DFJ2TT7PCE3RWJ7ZWM1A3OKN","event_type":"incident.acknowledged","resource_type":"incident",
      "occurred_at":"2026-11-22T14:03:10.169Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","type":"user_reference"},
      "client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2",
      "html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"acknowledged","incident_key":"d3640fbd41094207a1c11e58e46b1662",
      "created_at":"2026-11-22T13:59:27Z","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH",
      "id":"PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[],"urgency":"high","resolve_reason":null}}}
    """#

    @Test("each Alertmanager alert becomes a signal with its own time, route and a stable delivery id")
    func alertmanagerAlerts() throws {
        let signals = try AlertmanagerWebhook.signals(from: Data(alertmanager.utf8))
        #expect(signals.count == 2)
        let firing = signals[0]
        #expect(firing.source == .alert)
        #expect(firing.route == .incident("INC-2026-1122-001"))
        #expect(firing.isTrouble)
        #expect(firing.title == "[FIRING] ProbeFailure: BlackBox Probe Failure: https://server.example.org")
        #expect(abs(firing.occurredAt.timeIntervalSince1970 - 1_795_352_925.828) < 0.001)
        #expect(firing.link?.hasPrefix("http://prometheus.example.org") == true)
        let resolved = signals[1]
        #expect(resolved.route == .channel("C0INCIDENT"))
        #expect(!resolved.isTrouble)
        #expect(resolved.link == nil)
        #expect(resolved.title == "[RESOLVED] HighLatency: p99 over 2s")
        #expect(resolved.occurredAt == Date(timeIntervalSince1970: 1_795_347_000.5))   // endsAt 13:30:00.5+02:00 = 11:30:00.5 UTC
        #expect(try AlertmanagerWebhook.signals(from: Data(alertmanager.utf8)).map(\.deliveryID) == signals.map(\.deliveryID))
    }

    @Test("malformed and unsupported bodies are refused with a reason", arguments: [
        (#"{"version":"4","status":"firing"}"#, "alerts"),
        (#"{"version":"3","status":"firing","alerts":[]}"#, "version 3"),
        (#"not json"#, "not valid JSON"),
        (#"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"yesterday"}]}"#, "yesterday"),
        (#"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":"x","startsAt":"2026-11-22T00:00:00Z"}]}"#, "alerts.[0].labels"),
    ])
    func alertmanagerErrors(body: String, reason: String) {
        #expect {
            try AlertmanagerWebhook.signals(from: Data(body.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("PagerDuty incident events suggest the matching milestone")
    func pagerDuty() throws {
        let signal = try #require(try PagerDutyWebhook.signals(from: Data(pagerduty.utf8)).first)
        #expect(signal.source == .pager)
        #expect(signal.suggestedMilestone == .acknowledged)
        #expect(signal.title == "PagerDuty acknowledged: A little bump in the road")
        #expect(signal.labels["service"] == "API Service")
        #expect(signal.deliveryID == "pagerduty:01DFJ2TT7PCE3RWJ7ZWM1A3OKN")
        #expect(signal.link == "https://acme.pagerduty.com/incidents/PGR0VU2")
        let triggered = pagerduty.replacingOccurrences(of: "incident.acknowledged", with: "incident.triggered")
        #expect(try PagerDutyWebhook.signals(from: Data(triggered.utf8)).first?.suggestedMilestone == .detected)
        #expect(try PagerDutyWebhook.signals(from: Data(triggered.utf8)).first?.isTrouble == true)
        let other = pagerduty.replacingOccurrences(of: "incident.acknowledged", with: "service.updated")
        #expect(try PagerDutyWebhook.signals(from: Data(other.utf8)).isEmpty)
    }

    @Test("the generic format needs only a title; time, source and route are optional")
    func generic() throws {
        let now = Fixtures.t0
        let minimal = try #require(try GenericWebhook.signals(from: Data(#"{"title":"deploy api v42"}"#.utf8), receivedAt: now).first)
        #expect(minimal.source == .deploy)
        #expect(minimal.occurredAt == now)
        #expect(minimal.route == .unrouted)
        let full = try #require(try GenericWebhook.signals(from: Data(#"{"title":"flag off","source":"command","time":"2026-11-22T13:00:00Z","link":"https://x","channel":"C1","id":"f-1"}"#.utf8), receivedAt: now).first)
        #expect(full.source == .command)
        #expect(full.occurredAt == now.addingTimeInterval(-3600))
        #expect(full.route == .channel("C1"))
        #expect(full.deliveryID == "generic:f-1")
        #expect(throws: WebhookPayloadError.self) { try GenericWebhook.signals(from: Data(#"{"title":" "}"#.utf8), receivedAt: now) }
        #expect(throws: WebhookPayloadError.self) { try GenericWebhook.signals(from: Data(#"{"title":"x","source":"rumour"}"#.utf8), receivedAt: now) }
        #expect(throws: WebhookPayloadError.self) { try GenericWebhook.signals(from: Data(#"{"title":"x","time":"14:00"}"#.utf8), receivedAt: now) }
    }
}

@Suite("Nesting limit on outside JSON")
struct SafeJSONTests {
    @Test("deeply nested input is refused before Foundation's scanner sees it; brackets in strings do not count")
    func depth() throws {
        #expect(SafeJSON.tooDeep(Data(String(repeating: "[", count: 600).utf8)))
        #expect(!SafeJSON.tooDeep(Data(#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}"#.utf8)))
        #expect(throws: SafeJSON.TooDeep.self) { try SafeJSON.decode([String].self, from: Data(String(repeating: "[", count: 600).utf8)) }
        #expect(try SafeJSON.decode([[Int]].self, from: Data("[[1],[2]]".utf8)) == [[1], [2]])
        #expect(throws: WebhookPayloadError.self) { try GenericWebhook.signals(from: Data(String(repeating: "{\"a\":", count: 1000).utf8), receivedAt: Date()) }
    }
}
