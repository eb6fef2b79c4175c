// swift-tools-version:6.1
// GRDB 7 needs tools 6.1. Every module is declared here so a reader can see the whole shape at once:
// C wrappers → HindsightNet; pure HindsightCore; HindsightStore (SQLite); HindsightPostgres (the same records on
// PostgreSQL); HindsightPrompts (data files);
// HindsightBot (core + store); one adapter module per platform; HindsightServer (HTTP); the `hindsight` executable.
import PackageDescription

let package = Package(
    name: "hindsight",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hindsight", targets: ["Hindsight"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/JohnSundell/Ink.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
    ],
    targets: [
        // MARK: C libraries (module map + shim header only)
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibWebSockets",
            pkgConfig: "libwebsockets",
            providers: [.apt(["libwebsockets-dev"])]
        ),

        // MARK: Networking: the only Swift code that touches C networking pointers
        .target(
            name: "HindsightNet",
            dependencies: [
                "CCurl", "CLibWebSockets",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Domain logic, no I/O
        .target(name: "HindsightCore"),

        // MARK: Durable storage (SQLite through GRDB)
        .target(
            name: "HindsightStore",
            dependencies: [
                "HindsightCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // MARK: The same records on PostgreSQL (HINDSIGHT_DB=postgres://…), for replicas sharing one database
        .target(
            name: "HindsightPostgres",
            dependencies: [
                "HindsightCore", "HindsightStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // MARK: Prompts/ data files → core values; the defaults are built in (EmbedPrompts), a folder overrides them
        .target(
            name: "HindsightPrompts",
            dependencies: [
                "HindsightCore", "HindsightReport",
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["EmbedPrompts"]
        ),
        .executableTarget(name: "PromptsEmbedder"),
        .plugin(name: "EmbedPrompts", capability: .buildTool(), dependencies: ["PromptsEmbedder"]),

        // MARK: Alert and deploy webhooks into the timeline, on the bot's HTTP server
        .target(
            name: "HindsightWebhooks",
            dependencies: [
                "HindsightCore", "HindsightBot", "HindsightServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Prometheus queries for /postmortem metrics
        .target(
            name: "HindsightPrometheus",
            dependencies: ["HindsightCore", "HindsightNet"]
        ),

        // MARK: Issue trackers (GitHub, GitLab, Jira) for action items, over HindsightNet's libcurl client
        .target(
            name: "HindsightTrackers",
            dependencies: ["HindsightCore", "HindsightNet"]
        ),

        // MARK: The post-mortem report: the Mustache template in Prompts/ rendered from the core's report model
        .target(
            name: "HindsightReport",
            dependencies: [
                "HindsightCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),

        // MARK: Settings: one YAML file, environment overrides, *_FILE secrets
        .target(
            name: "HindsightConfig",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: The bot: core decisions made durable through the store
        .target(
            name: "HindsightBot",
            dependencies: [
                "HindsightCore", "HindsightStore", "HindsightTrackers", "HindsightPrometheus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Evaluation: labelled war rooms replayed through the bot, labelled sentences through the checks
        .target(
            name: "HindsightEvaluation",
            dependencies: [
                "HindsightCore", "HindsightBot", "HindsightStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Channel adapters, side by side
        .target(
            name: "HindsightConsole",
            dependencies: [
                "HindsightCore", "HindsightBot",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HindsightSlack",
            dependencies: [
                "HindsightCore", "HindsightBot", "HindsightNet",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HindsightMattermost",
            dependencies: [
                "HindsightCore", "HindsightBot", "HindsightNet", "HindsightServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // MARK: The bot's own HTTP server (health, metrics, webhooks)
        .target(
            name: "HindsightServer",
            dependencies: [
                "HindsightCore", "HindsightBot",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: The web archive of incidents and post-mortems, on the bot's HTTP server (HINDSIGHT_WEB=on)
        .target(
            name: "HindsightWeb",
            dependencies: [
                "HindsightCore", "HindsightStore", "HindsightServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: The executable: composition only
        .executableTarget(
            name: "Hindsight",
            dependencies: [
                "HindsightCore", "HindsightStore", "HindsightPostgres", "HindsightPrompts", "HindsightBot", "HindsightConfig",
                "HindsightNet", "HindsightConsole", "HindsightSlack", "HindsightMattermost", "HindsightServer", "HindsightTrackers",
                "HindsightWebhooks", "HindsightEvaluation", "HindsightWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: Test support: in-process fake servers speaking the real protocols
        .target(
            name: "HindsightTesting",
            dependencies: [
                "HindsightCore", "HindsightNet", "HindsightBot", "HindsightPrompts", "HindsightStore", "HindsightServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/HindsightTesting"
        ),

        // MARK: Benchmark of the real binary against the fake Slack (figures in README.md, "Performance")
        .executableTarget(
            name: "hindsight-slack-bench",
            dependencies: [
                "HindsightTesting", "HindsightNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HindsightSlackBench"
        ),

        // MARK: Tests (Swift Testing)
        .testTarget(
            name: "HindsightCoreTests",
            // HindsightSlack: the desk's fixtures speak as a Slack channel, with Slack's markup, as the bot composes it.
            dependencies: ["HindsightCore", "HindsightPrompts", "HindsightReport", "HindsightSlack", "HindsightTesting", .product(name: "Ink", package: "Ink")]
        ),
        .testTarget(
            name: "HindsightNetTests",
            dependencies: ["HindsightNet", "HindsightCore", "HindsightTesting", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "HindsightEvaluationTests",
            dependencies: ["HindsightEvaluation", "HindsightCore", "HindsightPrompts"]
        ),
        .testTarget(
            name: "HindsightStoreTests",
            dependencies: [
                "HindsightStore", "HindsightPostgres", "HindsightCore", "HindsightPrompts", "HindsightTesting", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "HindsightConfigTests",
            dependencies: [
                "HindsightConfig", "HindsightServer",
                .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"),
            ]
        ),

        .testTarget(
            name: "HindsightBotTests",
            dependencies: [
                "HindsightBot", "HindsightCore", "HindsightStore", "HindsightPrompts", "HindsightConsole", "HindsightTrackers",
                "HindsightNet", "HindsightTesting", "HindsightWebhooks", "HindsightServer", "HindsightPrometheus",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "HindsightSlackTests",
            dependencies: [
                "HindsightSlack", "HindsightBot", "HindsightStore", "HindsightPrompts", "HindsightNet", "HindsightTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "HindsightMattermostTests",
            dependencies: [
                "HindsightMattermost", "HindsightBot", "HindsightStore", "HindsightPrompts", "HindsightNet", "HindsightTesting",
                "HindsightServer", "HindsightWebhooks", "HindsightWeb", .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "HindsightWebTests",
            dependencies: [
                "HindsightWeb", "HindsightCore", "HindsightStore", "HindsightServer", "HindsightPrompts", "HindsightNet", "HindsightTesting",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HindsightEndToEndTests",
            dependencies: [
                "HindsightTesting", "HindsightStore", "HindsightPostgres", "HindsightCore", "HindsightNet", .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
