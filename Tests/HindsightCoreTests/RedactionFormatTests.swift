import Foundation
import Testing
import HindsightCore
import HindsightPrompts

/// One credential format: a template for a made-up value (see `FakeSecret`) and the pattern that must remove it.
struct CredentialFormat: Sendable, CustomTestStringConvertible {
    let provider: String
    let template: String
    let id: String

    init(_ provider: String, _ template: String, _ id: String) {
        self.provider = provider
        self.template = template
        self.id = id
    }

    var testDescription: String { provider }
}

@Suite("Redaction of real credential formats, with the shipped Prompts/redaction.yaml")
struct RedactionFormatTests {
    static let redactor = Fixtures.prompts.redactor

    /// Made-up values in each provider's published format. The first six were stored as typed before (issue 16).
    static let formats: [CredentialFormat] = [
        CredentialFormat("npm access token", "NPM_TOKEN=npm_{alnum:36}", "npm-token"),
        CredentialFormat("Azure storage connection string",
                         "DefaultEndpointsProtocol=https;AccountName=hindsightdemo;AccountKey={b64:86}==;EndpointSuffix=core.windows.net",
                         "azure-storage-key"),
        CredentialFormat("OpenAI project key", "OPENAI_API_KEY=sk-proj-{b64u:156}", "openai-key"),
        CredentialFormat("OpenAI legacy key", "the key was sk-{alnum:48} all along", "openai-key"),
        CredentialFormat("Datadog API key", "DD_API_KEY={hex:32}", "datadog-key"),
        CredentialFormat("Twilio API key", "twilio sid SK{hex:32}", "twilio-api-key"),
        CredentialFormat("SendGrid API key", "SENDGRID_API_KEY=SG.{b64u:22}.{b64u:43}", "sendgrid-key"),
        CredentialFormat("Datadog application key", "export DD_APP_KEY=\"{hex:40}\"", "datadog-key"),
        CredentialFormat("Datadog key in YAML", "datadog:\n  api_key: {hex:32}", "secret"),
        CredentialFormat("AWS access key id", "aws_access_key_id = AKIA{UPPER:16}", "aws-access-key"),
        CredentialFormat("AWS temporary key id", "ASIA{UPPER:16} expires at 15:00", "aws-access-key"),
        CredentialFormat("AWS secret access key", "aws_secret_access_key = {b64:40}", "aws-secret-key"),
        CredentialFormat("AWS session token", "AWS_SESSION_TOKEN={b64:180}", "aws-session-token"),
        CredentialFormat("Google API key", "maps key AIza{b64u:35}", "gcp-api-key"),
        CredentialFormat("Google service account key id", "\"private_key_id\": \"{hex:40}\",", "gcp-private-key-id"),
        CredentialFormat("Azure Service Bus connection string",
                         "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={b64:43}=",
                         "azure-shared-access-key"),
        CredentialFormat("Azure SAS URL", "https://acct.blob.core.windows.net/dumps/heap.bin?sv=2022-11-02&sp=r&se=2026-12-31T00:00:00Z&sig={b64:43}%3D",
                         "azure-sas-signature"),
        CredentialFormat("Entra ID client secret", "client secret {alnum:3}8Q~{alnum:31}", "azure-ad-client-secret"),
        CredentialFormat("Alibaba Cloud access key", "LTAI{alnum:20}", "alibaba-access-key"),
        CredentialFormat("DigitalOcean token", "doctl auth init -t dop_v1_{hex:64}", "digitalocean-token"),
        CredentialFormat("Heroku API key", "HEROKU_API_KEY=HRKU-AA{b64u:58}", "heroku-api-key"),
        CredentialFormat("Fly.io token", "FLY_API_TOKEN=fo1_{b64u:43}", "flyio-token"),
        CredentialFormat("Cloudflare API token", "CLOUDFLARE_API_TOKEN={b64u:40}", "cloudflare-api-key"),
        CredentialFormat("Yandex IAM token", "YANDEX_IAM_TOKEN=t1.{b64u:30}.{b64u:86}", "yandex-cloud-key"),
        CredentialFormat("Scalingo token", "tk-us-{b64u:48}", "scalingo-token"),
        CredentialFormat("PlanetScale password", "pscale_pw_{b64u:43}", "planetscale-token"),
        CredentialFormat("Doppler token", "DOPPLER_TOKEN=dp.st.prd.{alnum:43}", "doppler-token"),
        CredentialFormat("Vault service token", "vault login hvs.{b64u:95}", "vault-token"),
        CredentialFormat("Vault legacy token", "VAULT_TOKEN=s.{alnum:24}", "vault-legacy-token"),
        CredentialFormat("Terraform Cloud token", "token = \"{alnum:14}.atlasv1.{b64u:67}\"", "terraform-cloud-token"),
        CredentialFormat("OpenShift token", "oc login --token=sha256~{b64u:43}", "openshift-token"),
        CredentialFormat("Databricks token", "dapi{hex:32}", "databricks-token"),
        CredentialFormat("age secret key", "AGE-SECRET-KEY-1{bech:58}", "age-secret-key"),
        CredentialFormat("1Password secret key", "A3-{UPPER:6}-{UPPER:11}-{UPPER:5}-{UPPER:5}-{UPPER:5}", "1password-secret-key"),
        CredentialFormat("GitHub personal token", "ghp_{alnum:36}", "github-token"),
        CredentialFormat("GitHub OAuth token", "gho_{alnum:36}", "github-token"),
        CredentialFormat("GitHub app token", "ghs_{alnum:36}", "github-token"),
        CredentialFormat("GitHub fine-grained token", "github_pat_{alnum:22}_{alnum:59}", "github-fine-grained-token"),
        CredentialFormat("GitLab personal token", "GITLAB_TOKEN glpat-{b64u:20}", "gitlab-token"),
        CredentialFormat("GitLab runner token", "glrt-{b64u:20}", "gitlab-token"),
        CredentialFormat("GitLab runner registration token", "GR1348941{b64u:20}", "gitlab-runner-registration-token"),
        CredentialFormat("Atlassian API token", "ATATT3{b64u:180}", "atlassian-api-token"),
        CredentialFormat("Sourcegraph token", "sgp_{hex:16}_{hex:40}", "sourcegraph-token"),
        CredentialFormat("npm token in .npmrc", "//registry.npmjs.org/:_authToken=npm_{alnum:36}", "npm-token"),
        CredentialFormat("PyPI upload token", "pypi-AgEIcHlwaS5vcmc{b64u:70}", "pypi-token"),
        CredentialFormat("RubyGems API key", "rubygems_{hex:48}", "rubygems-token"),
        CredentialFormat("NuGet API key", "oy2{lower:43}", "nuget-api-key"),
        CredentialFormat("Clojars token", "CLOJARS_{lower:60}", "clojars-token"),
        CredentialFormat("Docker Hub token", "docker login -p dckr_pat_{b64u:27}", "docker-hub-token"),
        CredentialFormat("NuGet.config password", "<add key=\"ClearTextPassword\" value=\"{pass:16}\" />", "nuget-config-password"),
        CredentialFormat("Sidekiq gem server credentials", "BUNDLE_GEMS__CONTRIBSYS__COM={hex:8}:{hex:8}", "sidekiq-secret"),
        CredentialFormat("password in a Kubernetes Secret", "kind: Secret\ndata:\n  password: {b64:24}", "password"),
        CredentialFormat("Artifactory API key", "AKCp{alnum:69}", "artifactory-token"),
        CredentialFormat("CircleCI token", "CCIPAT_{alnum:22}_{hex:40}", "circleci-token"),
        CredentialFormat("SonarQube token", "squ_{hex:40}", "sonar-token"),
        CredentialFormat("Pulumi token", "PULUMI_ACCESS_TOKEN=pul-{hex:40}", "pulumi-token"),
        CredentialFormat("Postman key", "PMAK-{hex:24}-{hex:34}", "postman-token"),
        CredentialFormat("Octopus Deploy key", "API-{UPPER:26}", "octopus-deploy-key"),
        CredentialFormat("Harness token", "pat.{b64u:22}.{alnum:24}.{alnum:20}", "harness-token"),
        CredentialFormat("Linear API key", "lin_api_{alnum:40}", "linear-api-key"),
        CredentialFormat("Sentry user token", "SENTRY_AUTH_TOKEN=sntryu_{hex:64}", "sentry-token"),
        CredentialFormat("Grafana service account token", "glsa_{alnum:32}_{hex:8}", "grafana-token"),
        CredentialFormat("Grafana Cloud token", "glc_{b64:48}", "grafana-token"),
        CredentialFormat("New Relic user key", "NRAK-{UPPER:27}", "new-relic-key"),
        CredentialFormat("Dynatrace token", "dt0c01.{UPPER:24}.{alnum:64}", "dynatrace-token"),
        CredentialFormat("Okta API token", "OKTA_API_TOKEN=00{b64u:40}", "okta-token"),
        CredentialFormat("Anthropic API key", "ANTHROPIC_API_KEY=sk-ant-api03-{b64u:93}AA", "anthropic-key"),
        CredentialFormat("Hugging Face token", "hf_{alpha:34}", "huggingface-token"),
        CredentialFormat("Perplexity key", "pplx-{alnum:48}", "perplexity-key"),
        CredentialFormat("Groq key", "gsk_{alnum:52}", "groq-key"),
        CredentialFormat("Replicate token", "r8_{alnum:37}", "replicate-token"),
        CredentialFormat("Slack bot token", "xoxb-{digits:11}-{digits:13}-{alnum:24}", "slack-token"),
        CredentialFormat("Slack user token", "xoxp-{digits:11}-{digits:11}-{digits:13}-{hex:32}", "slack-token"),
        CredentialFormat("Slack app token", "SLACK_APP_TOKEN=xapp-1-A{UPPER:10}-{digits:13}-{hex:64}", "slack-token"),
        CredentialFormat("Slack webhook", "posting to https://hooks.slack.com/services/T{UPPER:8}/B{UPPER:8}/{alnum:24}", "slack-webhook"),
        CredentialFormat("Discord webhook", "https://discord.com/api/webhooks/{digits:18}/{b64u:68}", "discord-webhook"),
        CredentialFormat("Teams webhook", "https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/{hex:32}/{uuid}", "teams-webhook"),
        CredentialFormat("Telegram bot token", "bot {digits:10}:AA{b64u:33}", "telegram-bot-token"),
        CredentialFormat("Facebook page token", "EAAC{alnum:120}", "facebook-token"),
        CredentialFormat("Brevo API key", "xkeysib-{hex:64}-{alnum:16}", "brevo-key"),
        CredentialFormat("Mailgun key", "MAILGUN_API_KEY=key-{hex:32}", "mailgun-key"),
        CredentialFormat("Mailchimp key", "{hex:32}-us14", "mailchimp-key"),
        CredentialFormat("Twilio auth token", "TWILIO_AUTH_TOKEN={hex:32}", "twilio-auth-token"),
        CredentialFormat("Stripe secret key", "sk_live_{alnum:24}", "stripe-key"),
        CredentialFormat("Stripe restricted key", "rk_test_{alnum:24}", "stripe-key"),
        CredentialFormat("Stripe webhook secret", "whsec_{alnum:32}", "stripe-webhook-secret"),
        CredentialFormat("Square OAuth secret", "sq0csp-{b64u:43}", "square-token"),
        CredentialFormat("Braintree token", "access_token$production${lower:16}${hex:32}", "braintree-token"),
        CredentialFormat("Shopify token", "shpat_{hex:32}", "shopify-token"),
        CredentialFormat("Flutterwave secret key", "FLWSECK_TEST-{ah:32}-X", "flutterwave-key"),
        CredentialFormat("EasyPost key", "EZAK{alnum:54}", "easypost-key"),
        CredentialFormat("Shippo token", "shippo_live_{hex:40}", "shippo-token"),
        CredentialFormat("Duffel token", "duffel_test_{b64u:43}", "duffel-token"),
        CredentialFormat("HubSpot private app token", "pat-na1-{uuid}", "hubspot-token"),
        CredentialFormat("Mapbox secret token", "sk.eyJ{b64u:60}.{b64u:22}", "mapbox-token"),
        CredentialFormat("Typeform token", "tfp_{b64u:59}", "typeform-token"),
        CredentialFormat("Notion token", "ntn_{digits:11}{alnum:35}", "notion-token"),
        CredentialFormat("Cloudflare Origin CA key", "v1.0-{hex:24}-{hex:146}", "cloudflare-origin-ca-key"),
        CredentialFormat("ClickHouse Cloud key", "4b1d{alnum:38}", "clickhouse-cloud-key"),
        CredentialFormat("1Password service account token", "OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ{b64:260}", "1password-service-token"),
        CredentialFormat("GitLab session cookie", "Cookie: _gitlab_session={lower:32}", "gitlab-session-cookie"),
        CredentialFormat("Prefect API key", "pnu_{alnum:36}", "prefect-token"),
        CredentialFormat("ReadMe API key", "rdme_{lower:70}", "readme-token"),
        CredentialFormat("Infracost API key", "ico-{alnum:32}", "infracost-token"),
        CredentialFormat("Bittrex API key", "BITTREX_API_KEY={lower:32}", "bittrex-key"),
        CredentialFormat("Adobe client secret", "p8e-{alnum:32}", "adobe-secret"),
        CredentialFormat("Airtable personal access token", "pat{alnum:14}.{hex:64}", "airtable-token"),
        CredentialFormat("Frame.io token", "fio-u-{b64u:64}", "frameio-token"),
        CredentialFormat("MaxMind license key", "{alnum:6}_{alnum:29}_mmk", "maxmind-license-key"),
        CredentialFormat("SettleMint token", "sm_pat_{alnum:16}", "settlemint-token"),
        CredentialFormat("Authress access key", "sc_{alnum:10}.{alnum:5}.acc_{lower:20}.{b64u:40}", "authress-key"),
        CredentialFormat("Defined Networking token", "dnkey-{b64u:26}-{b64u:52}", "defined-networking-token"),
        CredentialFormat("42 intra client secret", "s-s4t2ud-{hex:64}", "intra42-secret"),
        CredentialFormat("base64-encoded JWT", "ZXlK{b64:80}", "jwt-base64"),
        // Values that are only recognisable by the provider's name next to them.
        CredentialFormat("Adafruit IO key", "ADAFRUIT_IO_KEY={lower:32}", "adafruit-key"),
        CredentialFormat("Adobe client id", "ADOBE_CLIENT_ID={hex:32}", "adobe-client-id"),
        CredentialFormat("Airtable API key", "AIRTABLE_API_KEY={lower:17}", "airtable-key"),
        CredentialFormat("Algolia admin key", "ALGOLIA_ADMIN_KEY={lower:32}", "algolia-key"),
        CredentialFormat("Asana client secret", "ASANA_CLIENT_SECRET={lower:32}", "asana-secret"),
        CredentialFormat("Beamer API key", "BEAMER_API_KEY=b_{b64u:44}", "beamer-token"),
        CredentialFormat("Bitbucket client secret", "BITBUCKET_CLIENT_SECRET={b64u:64}", "bitbucket-secret"),
        CredentialFormat("Codecov token", "CODECOV_TOKEN={uuid}", "codecov-token"),
        CredentialFormat("Cohere API key", "COHERE_API_KEY={alnum:40}", "cohere-key"),
        CredentialFormat("Coinbase token", "COINBASE_ACCESS_TOKEN={b64u:64}", "coinbase-token"),
        CredentialFormat("Confluent API secret", "CONFLUENT_API_SECRET={alnum:64}", "confluent-secret"),
        CredentialFormat("Contentful delivery token", "CONTENTFUL_DELIVERY_TOKEN={b64u:43}", "contentful-token"),
        CredentialFormat("Discord bot token", "DISCORD_BOT_TOKEN={b64u:26}.{b64u:6}.{b64u:38}", "discord-secret"),
        CredentialFormat("Drone token", "DRONE_TOKEN={alnum:32}", "drone-ci-token"),
        CredentialFormat("Dropbox short-lived token", "DROPBOX_TOKEN=sl.{b64u:140}", "dropbox-token"),
        CredentialFormat("Etsy API key", "ETSY_API_KEY={lower:24}", "etsy-token"),
        CredentialFormat("Facebook app secret", "FACEBOOK_APP_SECRET={hex:32}", "facebook-secret"),
        CredentialFormat("Fastly API token", "FASTLY_API_TOKEN={b64u:32}", "fastly-token"),
        CredentialFormat("Finicity app key", "FINICITY_APP_KEY={hex:32}", "finicity-secret"),
        CredentialFormat("Finnhub token", "FINNHUB_TOKEN={lower:20}", "finnhub-token"),
        CredentialFormat("Flickr key", "FLICKR_KEY={lower:32}", "flickr-token"),
        CredentialFormat("FreshBooks token", "FRESHBOOKS_TOKEN={lower:64}", "freshbooks-token"),
        CredentialFormat("Gitter token", "GITTER_TOKEN={lower:40}", "gitter-token"),
        CredentialFormat("GoCardless token", "GOCARDLESS_ACCESS_TOKEN=live_{b64u:40}", "gocardless-token"),
        CredentialFormat("Heroku legacy API key", "HEROKU_API_KEY={uuid}", "heroku-legacy-api-key"),
        CredentialFormat("HubSpot legacy API key", "HUBSPOT_API_KEY={uuid}", "hubspot-key"),
        CredentialFormat("Intercom token", "INTERCOM_ACCESS_TOKEN={b64u:60}", "intercom-token"),
        CredentialFormat("JFrog access token", "JFROG_ACCESS_TOKEN={lower:64}", "jfrog-token"),
        CredentialFormat("Kraken API secret", "KRAKEN_API_SECRET={b64:86}", "kraken-token"),
        CredentialFormat("KuCoin API key", "KUCOIN_API_KEY={hex:24}", "kucoin-key"),
        CredentialFormat("LaunchDarkly token", "LAUNCHDARKLY_ACCESS_TOKEN={b64u:40}", "launchdarkly-token"),
        CredentialFormat("Linear client secret", "LINEAR_CLIENT_SECRET={hex:32}", "linear-client-secret"),
        CredentialFormat("LinkedIn client secret", "LINKEDIN_CLIENT_SECRET={lower:16}", "linkedin-secret"),
        CredentialFormat("Lob API key", "LOB_API_KEY=live_{hex:35}", "lob-key"),
        CredentialFormat("Mapbox public token", "MAPBOX_TOKEN=pk.{lower:60}.{lower:22}", "mapbox-public-token"),
        CredentialFormat("Mattermost token", "MATTERMOST_TOKEN={lower:26}", "mattermost-token"),
        CredentialFormat("Meraki API key", "MERAKI_API_KEY={hex:40}", "meraki-key"),
        CredentialFormat("MessageBird API key", "MESSAGEBIRD_API_KEY={lower:25}", "messagebird-key"),
        CredentialFormat("Netlify token", "NETLIFY_AUTH_TOKEN={b64u:43}", "netlify-token"),
        CredentialFormat("New Relic license key", "NEW_RELIC_LICENSE_KEY={hex:36}NRAL", "new-relic-license-key"),
        CredentialFormat("New York Times API key", "NYTIMES_API_KEY={b64u:32}", "nytimes-token"),
        CredentialFormat("Opsgenie API key", "OPSGENIE_API_KEY={uuid}", "opsgenie-key"),
        CredentialFormat("PagerDuty token", "PAGERDUTY_TOKEN={b64u:20}", "pagerduty-token"),
        CredentialFormat("Plaid secret", "PLAID_SECRET={lower:30}", "plaid-secret"),
        CredentialFormat("Postmark server token", "POSTMARK_SERVER_TOKEN={uuid}", "postmark-token"),
        CredentialFormat("RapidAPI key header", "X-RapidAPI-Key: {b64u:50}", "rapidapi-token"),
        CredentialFormat("Sendbird token", "SENDBIRD_API_TOKEN={hex:40}", "sendbird-token"),
        CredentialFormat("Sentry legacy token", "SENTRY_TOKEN={hex:64}", "sentry-legacy-token"),
        CredentialFormat("Snyk token", "SNYK_TOKEN={uuid}", "snyk-token"),
        CredentialFormat("Sonar legacy token", "SONAR_TOKEN={lower:40}", "sonar-legacy-token"),
        CredentialFormat("Squarespace API key", "SQUARESPACE_API_KEY={uuid}", "squarespace-token"),
        CredentialFormat("Sumo Logic access key", "SUMO_ACCESS_KEY={alnum:64}", "sumologic-key"),
        CredentialFormat("Travis CI token", "TRAVIS_TOKEN={lower:22}", "travis-ci-token"),
        CredentialFormat("Twitch client secret", "TWITCH_CLIENT_SECRET={lower:30}", "twitch-token"),
        CredentialFormat("Twitter API secret", "TWITTER_API_SECRET={alnum:50}", "twitter-secret"),
        CredentialFormat("Zendesk API token", "ZENDESK_API_TOKEN={lower:40}", "zendesk-secret"),
        CredentialFormat("Alibaba Cloud secret", "ALIBABA_ACCESS_KEY_SECRET={alnum:30}", "alibaba-secret-key"),
        CredentialFormat("Jira API token of the older form", "JIRA_API_TOKEN={lower:20}{hex:4}", "atlassian-legacy-token"),
        CredentialFormat("CircleCI legacy token", "CIRCLE_TOKEN={hex:40}", "circleci-legacy-token"),
        CredentialFormat("Private AI key", "PRIVATE_AI_KEY={lower:32}", "private-ai-key"),
        CredentialFormat("JSON Web Token", "cookie was eyJ{b64u:20}.eyJ{b64u:40}.{b64u:43}", "jwt"),
        CredentialFormat("RSA private key", "-----BEGIN RSA PRIVATE KEY-----\n{b64:64}\n{b64:64}\n-----END RSA PRIVATE KEY-----", "private-key"),
        CredentialFormat("OpenSSH private key", "-----BEGIN OPENSSH PRIVATE KEY-----\n{b64:70}\n{b64:30}\n-----END OPENSSH PRIVATE KEY-----", "private-key"),
        CredentialFormat("truncated private key", "-----BEGIN PRIVATE KEY-----\n{b64:64}\n{b64:40}", "private-key-fragment"),
        CredentialFormat("password in a database URL", "DATABASE_URL=postgres://app:{alnum:16}@db.internal:5432/app", "url-password"),
        CredentialFormat("password in a Redis URL", "redis://:{alnum:20}@cache.internal:6379/0", "url-password"),
        CredentialFormat("bearer token header", "curl -H 'Authorization: Bearer {b64u:40}' https://api.internal/v1", "authorization"),
        CredentialFormat("basic auth header", "Authorization: Basic {b64:24}==", "authorization"),
        CredentialFormat("curl user and password", "curl -u deploy:{alnum:16} https://ci.internal/job", "curl-user"),
        CredentialFormat("password assignment", "set password={pass:14} on the replica", "password"),
        CredentialFormat("password in YAML", "DB_PASSWORD: \"{pass:16}\"", "password"),
        CredentialFormat("generic secret", "API_SECRET={b64u:32}", "secret"),
        CredentialFormat("generic token variable", "MY_SERVICE_TOKEN={alnum:40}", "secret"),
        CredentialFormat("generic api_key in JSON", "{\"api_key\": \"{alnum:32}\"}", "secret"),
        CredentialFormat("API key header", "x-api-key: {alnum:32}", "secret"),
        CredentialFormat("client secret", "client_secret={alnum:40}", "secret"),
        CredentialFormat("API key without separator in the name", "APIKEY={alnum:32}", "secret"),
        CredentialFormat("camel-case token in JSON", "{\"apiToken\": \"{b64u:40}\"}", "secret"),
        CredentialFormat("deploy key", "DEPLOY_KEY={b64:44}", "secret"),
        CredentialFormat("key said in a sentence", "the api key is {alnum:32} until rotation", "secret-value"),
    ]

    /// Sentences around the secret, which must come through unchanged.
    static let around: [(String, String)] = [
        ("oops, pasted", "by mistake"), ("from the runbook:", "please rotate"), ("in the job log:", "(line 204)"),
        ("here's the config", "— will revoke after"), ("ran", "and it worked"),
    ]

    @Test("each credential format is replaced by its kind and no part of the secret is stored", arguments: zip(formats, formats.indices))
    func removesSecret(_ format: CredentialFormat, _ index: Int) {
        let fake = FakeSecret(format.template, seed: UInt64(index))
        let (lead, tail) = Self.around[index % Self.around.count]
        let text = "\(lead) \(fake.text) \(tail)"
        let result = Self.redactor.redact(text)
        #expect(result.counts[format.id] != nil, "\(format.id) did not fire: \(text) → \(result.text)")
        #expect(result.text.contains("[redacted:"))
        for part in fake.parts where part.count >= 6 {
            #expect(!result.text.contains(part), "\(part) survived in \(result.text)")
        }
        #expect(result.text.hasPrefix(lead + " "), "\(result.text)")
        #expect(result.text.hasSuffix(" " + tail), "\(result.text)")
    }

    @Test("the table covers at least sixty formats and the six that were stored as typed")
    func coverage() {
        #expect(Self.formats.count >= 60)
        let ids = Set(Self.formats.map(\.id))
        for id in ["npm-token", "azure-storage-key", "openai-key", "datadog-key", "twilio-api-key", "sendgrid-key"] {
            #expect(ids.contains(id))
        }
        #expect(Set(Self.redactor.patternIDs).isSuperset(of: ids))
    }
}
