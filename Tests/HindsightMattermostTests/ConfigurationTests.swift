import HindsightMattermost
import Testing

@Suite("Mattermost configuration")
struct ConfigurationTests {
    @Test("not configured gives nil; both set gives a configuration with a wss URL for https")
    func configured() throws {
        #expect(try MattermostConfiguration.fromEnvironment([:]) == nil)
        let configuration = try #require(try MattermostConfiguration.fromEnvironment([
            "MATTERMOST_URL": "https://chat.example.com/", "MATTERMOST_TOKEN": "t", "MATTERMOST_COMMAND_TOKEN": "c",
        ]))
        #expect(configuration.webSocketURL == "wss://chat.example.com/api/v4/websocket")
        #expect(configuration.commandToken == "c")
    }

    @Test("half-configured or a bad URL is a clear error")
    func errors() {
        #expect(throws: MattermostConfigurationError.missing("MATTERMOST_TOKEN", because: "MATTERMOST_URL is set")) {
            try MattermostConfiguration.fromEnvironment(["MATTERMOST_URL": "https://chat.example.com"])
        }
        #expect(throws: MattermostConfigurationError.invalidURL("chat.example.com")) {
            try MattermostConfiguration.fromEnvironment(["MATTERMOST_URL": "chat.example.com", "MATTERMOST_TOKEN": "t"])
        }
    }
}
