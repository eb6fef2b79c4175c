import ArgumentParser
import HindsightConfig
import HindsightCore
import HindsightWebhooks

/// The webhook endpoints' secrets and routing table from the settings.
enum WebhookSetup {
    static func configuration(_ source: SettingsSource) throws -> WebhookRoutes.Configuration {
        let generic = source["GENERIC_WEBHOOK_SECRET"]
        return WebhookRoutes.Configuration(
            alertmanager: WebhookAuth(bearer: source["ALERTMANAGER_WEBHOOK_TOKEN"], signatureHeader: "X-Hindsight-Signature", signaturePrefix: "sha256="),
            pagerduty: WebhookAuth(hmacSecret: source["PAGERDUTY_WEBHOOK_SECRET"], signatureHeader: "X-PagerDuty-Signature", signaturePrefix: "v1="),
            generic: WebhookAuth(
                bearer: generic, hmacSecret: generic, signatureHeader: "X-Hindsight-Signature", signaturePrefix: "sha256=",
                timestampHeader: "X-Hindsight-Timestamp"
            ),
            routes: try routes(source["HINDSIGHT_SIGNAL_ROUTES"] ?? "")
        )
    }

    /// `service=checkout,env=prod>mattermost:abc123; team=search>slack:C42` → routes, in order.
    static func routes(_ text: String) throws -> [SignalRoute] {
        try text.split(separator: ";").map { entry in
            let parts = entry.split(separator: ">", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let target = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
            guard parts.count == 2, target.count == 2, let platform = Platforms.named(target[0]) else {
                throw ValidationError("HINDSIGHT_SIGNAL_ROUTES entry '\(entry)' is not label=value[,label=value]>platform:channel (e.g. service=checkout>mattermost:<channel id>).")
            }
            var match: [String: String] = [:]
            for pair in parts[0].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2 else { throw ValidationError("HINDSIGHT_SIGNAL_ROUTES: '\(pair)' in '\(entry)' is not label=value.") }
                match[kv[0]] = kv[1]
            }
            return SignalRoute(match: match, channel: ChannelKey(platform: platform, channelID: target[1]))
        }
    }
}
