import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound
import ZoetropeStore
import ZoetropeWorker

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

        let store = try await config.databaseLocation().open(logger: logger)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.storageClientConfiguration)
        let outcome: Result<Void, any Error>
        do {
            try await serve(store: store, httpClient: httpClient, signals: gracefulShutdownSignals, onReady: onReady)
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
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.storageClientConfiguration)
        let result = Result { try wire(store: store, httpClient: httpClient).router.routes.map { "\($0.method) \($0.path)" } }
        try? await httpClient.shutdown()
        try? await store.close()
        return try result.get()
    }

    private func serve(
        store: any DataStore, httpClient: HTTPClient, signals: [UnixSignal],
        onReady: @escaping @Sendable (Int, String) async -> Void
    ) async throws {
        let config = configuration
        let (router, services, publicURL) = try wire(store: store, httpClient: httpClient)
        let logger = self.logger
        let app = Application(
            router: router,
            server: GuardedHTTP1Channel.server(
                timeouts: ConnectionTimeouts(config),
                limiter: ClientConnectionLimiter(maxPerClient: config.maxConnectionsPerClient), logger: logger),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "zoetrope"),
            services: services,
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
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }

    /// The router with every route and middleware, and the services that run beside it.
    private func wire(store: any DataStore, httpClient: HTTPClient) throws
        -> (router: Router<ZoetropeRequestContext>, services: [any Service], publicURL: PublicURL)
    {
        let config = configuration
        try config.validateInboundLimits()
        let publicURL = PublicURL(config.publicURL ?? "http://\(Self.urlHost(config.host)):\(config.port)")
        let blobLocation = try BlobLocation.open(config, httpClient: httpClient, publicURL: publicURL)
        let blobs = blobLocation.store
        try? FileManager.default.removeItem(at: config.workDirectory)
        let queue = JobQueue(store: store, blobs: blobs, maxAttempts: config.maxAttempts)
        let outbound = OutboundClient(policy: config.outboundPolicy)
        let fetcher = InputFetcher(client: outbound)
        let builtIn = BuiltInEngines(fetcher: fetcher)
        let catalog = builtIn.catalog, engines = builtIn.engines

        var pricing = ModelPricing(catalog: catalog)
        for assignment in config.prices {
            do { try pricing.set(assignment, catalog: catalog) } catch let error as APIError {
                throw ConfigurationError("--price: \(error.message)")
            }
        }
        let limiter = RateLimiter(requestsPerMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst)

        let bodyMemory = BodyMemoryBudget(capacity: config.bodyMemoryBytes)
        let metrics = GatewayMetrics(bodyMemory: bodyMemory)
        let router = Router(context: ZoetropeRequestContext.self)
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: BrowserHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(
            maxBodyBytes: config.maxBodyBytes, maxUploadBytes: config.maxUploadBytes, budget: bodyMemory))
        router.add(middleware: MethodNotAllowedMiddleware(methods: OpenAPIDocument.methods(catalog: catalog)))
        OperationsController(store: store, blobs: blobs, metrics: metrics).addRoutes(to: router)
        let openAPI = OpenAPIDocument.data(catalog: catalog)
        router.get("/openapi.json") { _, _ in OpenAPIDocument.response(openAPI) }
        PlaygroundController().addRoutes(to: router)
        let api = APIController(
            catalog: catalog, queue: queue, blobs: blobs, publicURL: publicURL, retention: config.retention,
            syncTimeout: config.syncTimeout, maxBodyBytes: config.maxBodyBytes,
            voices: store, webhooks: store, engines: engines, pricing: pricing,
            maxUnfinishedJobs: config.maxUnfinishedJobs, fetcher: fetcher, positions: QueuePositions(store: store))
        api.addPublicRoutes(to: router)
        if case .local(let local) = blobLocation { FileController(blobs: local).addRoutes(to: router) }
        let authenticated = router.group().add(middleware: APIKeyMiddleware(keys: store, limiter: limiter))
        api.addAuthenticatedRoutes(to: authenticated)
        AdminController(keys: store, models: catalog.models.map(\.slug)).addRoutes(to: authenticated)
        let desk = LeaseDesk(queue: queue, leaseDuration: config.leaseDuration, metrics: metrics, logger: logger)
        WorkerController(desk: desk, voices: store, catalog: catalog).addRoutes(to: authenticated)

        var services: [any Service] = []
        if config.runsLocalEngine {
            let executor = JobExecutor(
                engines: engines, workDirectory: config.workDirectory, heartbeatInterval: .milliseconds(500),
                logger: logger)
            services.append(Runner(
                desk: desk, voices: store, executor: executor, concurrency: config.concurrency,
                pollInterval: config.pollInterval, logger: logger))
        }
        let webhooks = WebhookService(
            store: store, jobs: store, outbound: outbound, resultBody: { api.resultBody(for: $0).0 },
            retryBase: config.webhookRetryBase, maxAttempts: config.webhookMaxAttempts, pollInterval: 0.25,
            logger: logger)
        services.append(webhooks)
        services.append(ExpiryService(
            queue: queue, blobs: blobs, retention: config.retention, interval: config.expiryInterval, desk: desk,
            logger: logger))

        return (router, services, publicURL)
    }

    /// The HTTP client the S3 blob store uses: no redirects, 10 s to connect, 30 s between reads.
    static let storageClientConfiguration = HTTPClient.Configuration(
        redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(30)),
        decompression: .disabled)

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
