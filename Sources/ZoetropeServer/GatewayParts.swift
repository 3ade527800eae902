import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound
import ZoetropeStore
import ZoetropeWorker

/// What a gateway is made of, wired from its configuration over an open store: the router with
/// every route and middleware, the services that run beside it (render slots, webhook
/// deliveries, expiry sweeps), and the public URL links are built from.
struct GatewayParts {
    let router: Router<ZoetropeRequestContext>
    let services: [any Service]
    let publicURL: PublicURL

    /// `engines` makes the engines of this process's render slots from the input fetcher the
    /// configuration's outbound policy governs.
    init(
        configuration config: ServerConfiguration, store: any DataStore, httpClient: HTTPClient,
        engines makeEngines: @Sendable (InputFetcher) -> [String: any Engine], logger: Logger
    ) throws {
        try config.validateInboundLimits()
        let publicURL = PublicURL(config.publicURL ?? "http://\(Gateway.urlHost(config.host)):\(config.port)")
        let blobLocation = try BlobLocation.open(config, httpClient: httpClient, publicURL: publicURL)
        let blobs = blobLocation.store
        try? FileManager.default.removeItem(at: config.workDirectory)
        let outbound = OutboundClient(policy: config.outboundPolicy)
        let fetcher = InputFetcher(client: outbound)
        let policy = try PolicyParts(configuration: config)
        let queue = JobQueue(
            store: store, blobs: blobs, maxAttempts: config.maxAttempts, screeningBudget: policy.screeningBudget)
        try config.validateUpstreams(catalog: BuiltInEngines.catalog)
        let catalog = BuiltInEngines.catalog.routed(config.routes)
        let localEngines = makeEngines(fetcher).filter { !config.upstreamOnlyModels.contains($0.key) }
        let pricing = try Self.pricing(config, catalog: catalog)
        let rateLimits = KeyRateLimits(configuration: config, store: store)
        let bodyMemory = BodyMemoryBudget(capacity: config.bodyMemoryBytes)
        let metrics = GatewayMetrics(bodyMemory: bodyMemory)
        let desk = LeaseDesk(
            queue: queue, leaseDuration: config.leaseDuration, metrics: metrics, logger: logger, routes: config.routes)
        let upstream = UpstreamParts(
            configuration: config, httpClient: httpClient, blobs: blobs, desk: desk, voices: store, metrics: metrics,
            logger: logger)
        // The engine that validates and plans each model's jobs: its own, else its upstream's.
        let engines = localEngines.merging(upstream.engines) { local, _ in local }
        let presenter = JobPresenter(engines: engines, blobs: blobs, retention: config.retention)

        let router = Router(context: ZoetropeRequestContext.self)
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: BrowserHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(
            maxBodyBytes: config.maxBodyBytes, maxUploadBytes: config.maxUploadBytes, budget: bodyMemory))
        router.add(middleware: MethodNotAllowedMiddleware(methods: OpenAPIDocument.methods(catalog: catalog)))
        // Without an API key.
        OperationsController(store: store, blobs: blobs, metrics: metrics, upstreams: upstream.monitor).addRoutes(to: router)
        PlaygroundController().addRoutes(to: router)
        ModelsController(catalog: catalog).addRoutes(to: router)
        if case .local(let local) = blobLocation { FileController(blobs: local).addRoutes(to: router) }
        // With one: APIKeyMiddleware authenticates, checks the key's role and access, and rate-limits.
        let authenticated = router.group().add(middleware: APIKeyMiddleware(keys: store, rateLimits: rateLimits))
        let submitter = JobSubmitter(
            catalog: catalog, queue: queue, voices: store, engines: engines, pricing: pricing,
            maxBodyBytes: config.maxBodyBytes, maxUnfinishedJobs: config.maxUnfinishedJobs,
            outboundPolicy: config.outboundPolicy, screening: policy.inbox)
        GenerationsController(
            submitter: submitter, blobs: blobLocation, presenter: presenter, publicURL: publicURL,
            syncTimeout: config.syncTimeout
        ).addRoutes(to: authenticated)
        RequestsController(queue: queue, positions: QueuePositions(store: store), presenter: presenter)
            .addRoutes(to: authenticated)
        CreditsController().addRoutes(to: authenticated)
        WebhooksController(jobs: store, webhooks: store).addRoutes(to: authenticated)
        VoicesController(voices: store).addRoutes(to: authenticated)
        AdminController(keys: store, models: catalog.models.map(\.slug)).addRoutes(to: authenticated)
        AdminPolicyController(policy: store).addRoutes(to: authenticated)
        let uploadCheck = UploadedVideoCheck(maxBytes: config.maxUploadBytes, acceptsAnySize: config.acceptsAnyVideoSize)
        WorkerController(desk: desk, voices: store, catalog: catalog, uploadCheck: uploadCheck).addRoutes(to: authenticated)

        var services: [any Service] = []
        if config.runsLocalEngine {
            let executor = JobExecutor(
                engines: localEngines, workDirectory: config.workDirectory, heartbeatInterval: .milliseconds(500),
                stallLimit: config.stallLimit, logger: logger, stagesObserver: { [metrics] in metrics.stages($0) })
            services.append(Runner(
                desk: desk, voices: store, executor: executor, concurrency: config.concurrency,
                pollInterval: config.pollInterval, logger: logger))
        }
        if let runner = upstream.runner { services.append(runner) }
        services.append(WebhookService(
            store: store, jobs: store, outbound: outbound, presenter: presenter, retryBase: config.webhookRetryBase,
            attemptTimeout: config.webhookTimeout,
            maxAttempts: config.webhookMaxAttempts, pollInterval: 0.25, logger: logger))
        services.append(ScreeningService(
            inbox: policy.inbox,
            screen: ContentScreen(
                book: policy.book, hashList: store, queue: queue, fetcher: fetcher, moderation: policy.moderation,
                moderationFailOpen: config.contentPolicy.moderationFailOpen, workDirectory: config.workDirectory,
                logger: logger),
            queue: queue, events: store, metrics: metrics, budget: policy.screeningBudget, sweepInterval: .seconds(2),
            logger: logger))
        services.append(PolicyReloader(book: policy.book, interval: .seconds(1), logger: logger))
        services.append(ExpiryService(
            queue: queue, blobs: blobs, retention: config.retention, interval: config.expiryInterval, desk: desk,
            rateLimits: rateLimits, logger: logger))

        self.router = router
        self.services = services
        self.publicURL = publicURL
    }

    /// Each model's own price, then the `--price` assignments.
    static func pricing(_ config: ServerConfiguration, catalog: ModelCatalog) throws -> ModelPricing {
        var pricing = ModelPricing(catalog: catalog)
        for assignment in config.prices {
            do { try pricing.set(assignment, catalog: catalog) } catch let error as ConfigurationError {
                throw ConfigurationError("--price: \(error.message)")
            }
        }
        return pricing
    }
}
