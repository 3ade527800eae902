import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import ZoetropeCore
import ZoetropeMedia
import ZoetropeStore

/// The whole server: store, blob store, engine, render slots, expiry sweeps and the HTTP routes,
/// run under swift-service-lifecycle with graceful shutdown.
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

        let store = try await SQLiteJobStore.open(path: try config.sqlitePath(), logger: logger)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: InputFetcher.clientConfiguration)
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

    private func serve(
        store: SQLiteJobStore, httpClient: HTTPClient, signals: [UnixSignal],
        onReady: @escaping @Sendable (Int, String) async -> Void
    ) async throws {
        let config = configuration
        let publicURL = PublicURL(config.publicURL ?? "http://\(Self.urlHost(config.host)):\(config.port)")
        let blobs = try LocalBlobStore(
            root: config.outputsDirectory, signer: try URLSigner.loadOrCreate(secretFile: config.signingKeyFile),
            publicBase: { publicURL.current })
        blobs.removeStalePartials()
        let queue = JobQueue(store: store, inputsRoot: config.inputsDirectory, maxAttempts: config.maxAttempts)
        let fetcher = InputFetcher(httpClient: httpClient, allowPrivateInputs: config.allowPrivateInputs)
        let videoEngine = MotionEngine(fetcher: fetcher)
        let voiceEngine = VoiceCloneEngine(fetcher: fetcher)
        let catalog = ModelCatalog.standard(videoEngine: videoEngine.name, voiceEngine: voiceEngine.name)
        let engines: [String: any Engine] = Dictionary(uniqueKeysWithValues: catalog.models.map {
            ($0.slug, $0.makesVideo ? videoEngine as any Engine : voiceEngine)
        })

        var pricing = ModelPricing.standard
        for assignment in config.prices {
            do { try pricing.set(assignment, catalog: catalog) } catch let error as APIError {
                throw ConfigurationError("--price: \(error.message)")
            }
        }
        let limiter = RateLimiter(requestsPerMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst)

        let router = Router(context: ZoetropeRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("/openapi.json") { _, _ in try OpenAPIDocument.response() }
        PlaygroundController().addRoutes(to: router)
        let api = APIController(
            catalog: catalog, queue: queue, blobs: blobs, publicURL: publicURL, retention: config.retention,
            syncTimeout: config.syncTimeout, maxBodyBytes: config.maxBodyBytes,
            parser: GenerationRequestParser(), voices: store, webhooks: store, engines: engines, pricing: pricing,
            maxUnfinishedJobs: config.maxUnfinishedJobs, fetcher: fetcher)
        api.addPublicRoutes(to: router)
        FileController(blobs: blobs).addRoutes(to: router)
        let authenticated = router.group().add(middleware: APIKeyMiddleware(keys: store, limiter: limiter))
        api.addAuthenticatedRoutes(to: authenticated)
        AdminController(keys: store).addRoutes(to: authenticated)

        let runner = Runner(
            queue: queue, engines: engines,
            blobs: blobs, voices: store, concurrency: config.concurrency, leaseDuration: config.leaseDuration,
            pollInterval: config.pollInterval, logger: logger)
        let webhooks = WebhookService(
            store: store, jobs: store, fetcher: fetcher, httpClient: httpClient, resultBody: { api.resultBody(for: $0).0 },
            retryBase: config.webhookRetryBase, maxAttempts: config.webhookMaxAttempts, pollInterval: 0.25,
            logger: logger)
        let expiry = ExpiryService(
            queue: queue, blobs: blobs, retention: config.retention, interval: config.expiryInterval, logger: logger)

        let logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "zoetrope"),
            services: [runner, expiry, webhooks],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                if config.publicURL == nil {
                    publicURL.set("http://\(Self.urlHost(config.host)):\(port)")
                }
                logger.info("zoetrope listening on \(config.host):\(port); public URL \(publicURL.current)")
                await onReady(port, publicURL.current)
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }

    /// The host as it appears in a URL (IPv6 in brackets; the wildcard address as loopback).
    static func urlHost(_ host: String) -> String {
        if host == "0.0.0.0" { return "127.0.0.1" }
        if host == "::" { return "[::1]" }
        return host.contains(":") ? "[\(host)]" : host
    }
}
