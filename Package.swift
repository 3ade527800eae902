// swift-tools-version:6.2
import PackageDescription

/// Test targets that only drive the code under test, with no pixel or sample loops of their own,
/// are built without optimization: the modules they test are still optimized (renders take
/// seconds, as in production), and these targets build in about a third of the time.
/// (`ZoetropeMediaTests` measures pictures and sound in loops of its own and stays optimized.)
let unoptimizedTestTarget: [SwiftSetting] = [.unsafeFlags(["-Onone"])]

let package = Package(
    name: "zoetrope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "zoetrope", targets: ["zoetrope"]),
        .library(name: "ZoetropeCore", targets: ["ZoetropeCore"]),
        .library(name: "ZoetropeClient", targets: ["ZoetropeClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(
            url: "https://github.com/apple/swift-configuration.git", from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "ZoetropeCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZoetropeStore",
            dependencies: [
                "ZoetropeCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ZoetropeOutbound",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ZoetropePolicy",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "ZoetropeMedia",
            dependencies: [
                "CZlib",
                "ZoetropeCore",
                "ZoetropeOutbound",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZoetropeWorker",
            dependencies: [
                "ZoetropeCore",
                "ZoetropeMedia",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ZoetropeServer",
            dependencies: [
                "ZoetropeCore",
                "ZoetropeStore",
                "ZoetropeMedia",
                "ZoetropeOutbound",
                "ZoetropePolicy",
                "ZoetropeWorker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/playground")]
        ),
        .target(
            name: "ZoetropeSettings",
            dependencies: [
                "ZoetropeCore",
                "ZoetropeOutbound",
                "ZoetropeServer",
                "ZoetropeWorker",
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .target(
            name: "ZoetropeClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "zoetrope",
            dependencies: [
                "ZoetropeClient",
                "ZoetropeCore",
                "ZoetropeStore",
                "ZoetropeMedia",
                "ZoetropeOutbound",
                "ZoetropePolicy",
                "ZoetropeServer",
                "ZoetropeSettings",
                "ZoetropeWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/bench-still.jpg")]
        ),
        .target(
            name: "ZoetropeTestSupport",
            dependencies: [
                "ZoetropeStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ZoetropeTestSupport"
        ),
        .testTarget(
            name: "ZoetropeCoreTests",
            dependencies: ["ZoetropeCore"],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropeStoreTests",
            dependencies: [
                "ZoetropeCore", "ZoetropeStore", "ZoetropeTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropeOutboundTests",
            dependencies: ["ZoetropeOutbound"],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropePolicyTests",
            dependencies: [
                "ZoetropePolicy",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropeSettingsTests",
            dependencies: ["ZoetropeSettings", "ZoetropeServer", "ZoetropeOutbound"],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropeMediaTests",
            dependencies: ["CZlib", "ZoetropeCore", "ZoetropeMedia", "ZoetropeOutbound"]
        ),
        .testTarget(
            name: "ZoetropeClientTests",
            dependencies: [
                "ZoetropeClient",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropeServerTests",
            dependencies: [
                "ZoetropeClient",
                "ZoetropeCore",
                "ZoetropeStore",
                "ZoetropeMedia",
                "ZoetropeOutbound",
                "ZoetropeServer",
                "ZoetropeTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: unoptimizedTestTarget
        ),
        .testTarget(
            name: "ZoetropeWorkerTests",
            dependencies: [
                "ZoetropeCore", "ZoetropeWorker",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: unoptimizedTestTarget
        ),
    ]
)
