import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import ZoetropeCore
import ZoetropeMedia
import ZoetropeStore

/// The whole server: store, blob store, engines, render slots, expiry sweeps, webhook
/// deliveries, the worker protocol and the HTTP routes, run under swift-service-lifecycle with
/// graceful shutdown. Several gateways may share one PostgreSQL store and one S3 bucket.
public struct Gateway: Sendable {
    public var configuration: ServerConfiguration
    public var logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "zoetrope")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a shutdown signal (or cancellation). `onReady` receives the bound port and the
    /// public base URL once the server accepts connections.
    public func run(
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onReady: @escaping @Sendable (Int, String) async -> Void = { _, _ in }
    ) async throws {
        let versions = try MediaTools.check()
        logger.info("media tools: \(versions.values.sorted().joined(separator: "; "))")
        let config = configuration
        try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)

        let store = try await config.databaseLocation().open(logger: logger, queryTimeout: config.databaseTimeout)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.storageClientConfiguration(config))
        let outcome: Result<Void, any Error>
        do {
            let app = try Self.buildApplication(
                configuration: config, store: store, httpClient: httpClient, logger: logger, onReady: onReady)
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
            try await group.run()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // Close in a fresh task: when the run was cancelled, this task's cancellation must not stop
        // the store from closing cleanly.
        await Task {
            try? await httpClient.shutdown()
            try? await store.close()
        }.value
        try outcome.get()
    }

    /// Every route the router serves, as `METHOD /path/{parameter}`, wired exactly as `run` wires
    /// them (for comparing with the OpenAPI document).
    public func routes() async throws -> [String] {
        let config = configuration
        try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)
        let store = try await config.databaseLocation().open(logger: logger)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.storageClientConfiguration(config))
        let result = Result {
            try GatewayParts(
                configuration: config, store: store, httpClient: httpClient, engines: Self.builtInEngines, logger: logger
            ).router.routes.map { "\($0.method) \($0.path)" }
        }
        try? await httpClient.shutdown()
        try? await store.close()
        return try result.get()
    }

    /// The application over an open store, without running it: every route and middleware, the
    /// render slots, webhook deliveries and expiry sweeps as its services, served by the guarded
    /// HTTP/1 server. The caller owns `store` and `httpClient` (the S3 blob store's client) and
    /// closes them after the application ends. `engines` makes the render slots' engines (the
    /// built-in ones; tests pass stand-ins); `onReady` receives the bound port and the public
    /// base URL once the server accepts connections.
    public static func buildApplication(
        configuration config: ServerConfiguration, store: any DataStore, httpClient: HTTPClient,
        engines: @escaping @Sendable (InputFetcher) -> [String: any Engine] = Gateway.builtInEngines,
        logger: Logger, onReady: @escaping @Sendable (Int, String) async -> Void = { _, _ in }
    ) throws -> some ApplicationProtocol {
        let parts = try GatewayParts(
            configuration: config, store: store, httpClient: httpClient, engines: engines, logger: logger)
        let publicURL = parts.publicURL
        return Application(
            router: parts.router,
            server: GuardedHTTP1Channel.server(
                timeouts: ConnectionTimeouts(config),
                limiter: ClientConnectionLimiter(maxPerClient: config.maxConnectionsPerClient), logger: logger),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "zoetrope"),
            services: parts.services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                if config.publicURL == nil {
                    publicURL.set("http://\(Self.urlHost(config.host)):\(port)")
                }
                logger.info("zoetrope listening on \(config.host):\(port); public URL \(publicURL.current)")
                logger.info("store \(Self.describe(try? config.databaseLocation())), blobs \(config.blobURL ?? "local"), \(config.runsLocalEngine ? "\(config.concurrency) local render slot(s)" : "no local render slots (remote workers only)")")
                await onReady(port, publicURL.current)
            },
            logger: logger)
    }

    /// The built-in engines (`BuiltInEngines`), fetching inputs with `fetcher`.
    @Sendable public static func builtInEngines(fetcher: InputFetcher) -> [String: any Engine] {
        BuiltInEngines(fetcher: fetcher).engines
    }

    /// The HTTP client the S3 blob store uses: no redirects, 10 s to connect, 30 s between reads.
    /// The S3 blob store's HTTP client: no redirects, and a bucket that stops sending for
    /// `--blob-timeout` fails the request.
    static func storageClientConfiguration(_ config: ServerConfiguration) -> HTTPClient.Configuration {
        let read = TimeAmount.milliseconds(Int64(config.blobTimeout.inSeconds * 1000))
        return HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: min(.seconds(10), read), read: read),
            decompression: .disabled)
    }

    /// The store for the log, without credentials.
    static func describe(_ location: DatabaseLocation?) -> String {
        switch location {
        case .sqlite(let path)?: "sqlite:\(path)"
        case .postgres(let url)?: "postgres://…@" + (url.split(separator: "@").last.map(String.init) ?? "")
        case nil: "?"
        }
    }

    /// The host as it appears in a URL (IPv6 in brackets; the wildcard address as loopback).
    static func urlHost(_ host: String) -> String {
        if host == "0.0.0.0" { return "127.0.0.1" }
        if host == "::" { return "[::1]" }
        return host.contains(":") ? "[\(host)]" : host
    }
}
