import HindsightCore
import HindsightSlack
import Testing

@Suite("Slack markup in message text")
struct SlackMarkupTests {
    let md = Markdown(markup: SlackMarkup(), names: ["U123": "Alice Chen"])

    @Test("mentions, links and channels become readable names and Markdown links in the report")
    func report() {
        #expect(md.inline("<@U123> rolled back") == "@Alice Chen rolled back")
        #expect(md.inline("<@U999|bob> paged") == "@bob paged")
        #expect(md.inline("see <https://status.example.com|the status page>") == "see [the status page](https://status.example.com)")
        #expect(md.inline("see <https://grafana.example.com/d/x?a=1>") == "see [https://grafana.example.com/d/x?a=1](https://grafana.example.com/d/x?a=1)")
        #expect(md.inline("in <#C42|incident-db>") == ##"in \#incident-db"##)
        #expect(md.inline("<!here> heads up") == "@here heads up")
        #expect(md.inline("latency < 200ms and > 100ms") == "latency &lt; 200ms and &gt; 100ms")
    }

    @Test("a mention is <@id> or @handle; a handle picked in a form is written as a mention")
    func mentions() {
        let markup = SlackMarkup()
        #expect(markup.isMention("<@U123>"))
        #expect(markup.isMention("@dana"))
        #expect(!markup.isMention("<https://example.com>"))
        #expect(!markup.isMention("@"))
        #expect(markup.mention(handle: "U123") == "<@U123>")
        #expect(markup.mention(handle: "<@U123>") == "<@U123>")
        #expect(markup.plain("<@U123> and <@U9|kim> own it", names: ["U123": "Alice Chen"]) == "@Alice Chen and @kim own it")
    }
}
