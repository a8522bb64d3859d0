// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ingest",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingest", targets: ["ingest"]),
        .library(name: "IngestModel", targets: ["IngestModel"]),
        .library(name: "IngestCore", targets: ["IngestCore"]),
        .library(name: "IngestSandbox", targets: ["IngestSandbox"]),
        .library(name: "IngestKafka", targets: ["IngestKafka"]),
        .library(name: "IngestKafkaFront", targets: ["IngestKafkaFront"]),
        .library(name: "IngestTUI", targets: ["IngestTUI"]),
        .executable(name: "ingest-tui-demo", targets: ["ingest-tui-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Guards TOMLKit's parser against input it would abort on (found by fuzzing).
        .target(name: "TOMLPrecheck"),
        // Pure values and rules: events, templates, JSON positions, topic names, encoding,
        // outcomes and the ledger, doctor check ids, the stream segment machine, SendPlan. No I/O.
        .target(
            name: "IngestModel",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The core never imports curses: the console and the CLI are thin faces over it.
        .target(
            name: "IngestCore",
            dependencies: [
                "IngestModel",
                "IngestSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                "TOMLPrecheck",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                "IngestKafka",
            ]
        ),
        // The offline stand-in for the platform's REST proxy.
        .target(
            name: "IngestSandbox",
            dependencies: [
                "IngestModel",
                "IngestKafka",
                "IngestKafkaFront",
                "CRdKafka",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The console's services over the core: the adapter between IngestTUI and IngestCore.
        .target(
            name: "IngestConsole",
            dependencies: ["IngestCore", "IngestTUI"]
        ),
        .executableTarget(
            name: "ingest",
            dependencies: [
                "IngestCore",
                "IngestConsole",
                "IngestSandbox",
                "IngestTUI",
                "IngestKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The native Kafka producer: wire codec, SCRAM, NIO connections. Depends on no other target here.
        .target(
            name: "IngestKafka",
            dependencies: [
                "CCRC32C", "CLZ4", "CZstd", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // CRC-32C in hardware for record batch checksums (C: Swift cannot use the CPU's CRC instruction).
        .target(name: "CCRC32C"),
        // Record batch compression: Debian's liblz4 and libzstd, and the system zlib for gzip.
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // A TLS + SASL SCRAM front for a plaintext Kafka broker (the sandbox's secure listener).
        .target(
            name: "IngestKafkaFront",
            dependencies: [
                "IngestKafka",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // bench/native-vs-kcat.sh: runs the mock cluster, and our producer over a file of records.
        .executableTarget(
            name: "ingest-kafka-bench",
            dependencies: ["IngestKafka", "IngestSandbox"]
        ),
        // bench/journal.sh: the journal writer's cost per record, apart from a send.
        .executableTarget(
            name: "ingest-journal-bench",
            dependencies: ["IngestCore"],
            path: "bench/JournalBench"
        ),
        // bench/native-send.sh: what each stage of a native send costs per record.
        .executableTarget(
            name: "ingest-stage-bench",
            dependencies: ["IngestCore", "IngestKafka"],
            path: "bench/StageBench"
        ),
        // librdkafka (Debian librdkafka-dev), for the sandbox's mock cluster; IngestKafka never uses it.
        // The providers make a build without it name the package to install.
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .testTarget(
            name: "IngestKafkaTests",
            dependencies: ["IngestKafka", "IngestKafkaFront", "IngestSandbox", "TestSupport"]
        ),
        // ncursesw, wide-character build. All curses calls live in IngestTUI/Runtime/NCursesBackend.swift.
        .systemLibrary(
            name: "CNCurses",
            path: "Sources/CNCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"]), .brew(["ncurses"])]
        ),
        // The operator console, over the model's own types. Does not depend on IngestCore: the
        // core is adapted to ConsoleServices (Sources/ingest/Console).
        .target(
            name: "IngestTUI",
            dependencies: [
                "IngestModel",
                "CNCurses",
                "TOMLPrecheck",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // In-memory ConsoleServices over the model's rules: for golden screens, update tests and
        // the demo. Never linked into `ingest`.
        .target(
            name: "ConsolePreview",
            dependencies: ["IngestTUI", "IngestModel"]
        ),
        // The console over ConsolePreview, for demos and the tmux smoke test.
        .executableTarget(
            name: "ingest-tui-demo",
            dependencies: ["IngestTUI", "ConsolePreview", "IngestModel"]
        ),
        // Shared by the test targets: a tmux driver for the console's end-to-end tests, and
        // the model's seeded random generator for the fuzz tests.
        .target(name: "TestSupport", dependencies: ["IngestModel"], path: "Tests/TestSupport"),
        .testTarget(
            name: "IngestTUITests",
            dependencies: ["IngestTUI", "ConsolePreview", "IngestModel", "TestSupport"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "IngestCoreTests",
            dependencies: ["IngestCore", "IngestKafka", "TOMLPrecheck", "TestSupport"]
        ),
        // Real HTTP over loopback: the client against the sandbox and against servers answering
        // crafted bodies, TLS servers capped at a version, and the built `ingest` binary.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "IngestCore", "IngestConsole", "IngestTUI", "IngestSandbox", "IngestKafkaFront", "ingest", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ]
)
