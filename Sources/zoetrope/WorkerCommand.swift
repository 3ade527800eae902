import ArgumentParser
import AsyncHTTPClient
import Foundation
import ServiceLifecycle
import ZoetropeCore
import ZoetropeMedia
import ZoetropeWorker

/// `zoetrope worker`: renders a gateway's jobs on this machine with the built-in engines, over
/// the worker protocol (see the OpenAPI document's `/v1/worker/…`).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Render a gateway's jobs on this machine (a remote worker).")

    @Option(help: "The gateway's base URL (ZOETROPE_GATEWAY).") var gateway: String?
    @Option(help: "A worker token from `zoetrope keys create --worker` (ZOETROPE_WORKER_TOKEN).") var token: String?
    @Option(name: .customLong("model"), help: "A model to serve (repeat); default: every model of the built-in engines.")
    var models: [String] = []
    @Option(help: "Jobs rendered at once (ZOETROPE_CONCURRENCY, default 1).") var concurrency: Int?
    @Option(name: .customLong("work-dir"), help: "Scratch space for inputs and outputs (default: a temporary directory).")
    var workDirectory: String?
    @OptionGroup var outbound: OutboundOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        guard let gateway = gateway ?? Environment.string("ZOETROPE_GATEWAY"),
            gateway.hasPrefix("http://") || gateway.hasPrefix("https://")
        else { throw ValidationError("--gateway must be the gateway's http(s) base URL") }
        guard let token = token ?? Environment.string("ZOETROPE_WORKER_TOKEN"), !token.isEmpty else {
            throw ValidationError("--token is required: a worker token from `zoetrope keys create --worker`")
        }
        let slots = try concurrency ?? Environment.string("ZOETROPE_CONCURRENCY").map(ServeCommand.int(named: "ZOETROPE_CONCURRENCY")) ?? 1
        guard slots >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        let logger = try logging.makeLogger()
        let versions = try MediaTools.check()
        logger.info("media tools: \(versions.values.sorted().joined(separator: "; "))")

        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let fetcher = InputFetcher(policy: try outbound.policy())
        let engines = BuiltInEngines(fetcher: fetcher).engines
        let served = models.isEmpty ? engines.keys.sorted() : models
        for model in served where engines[model] == nil {
            let hint = model == ModelCatalog.ltx2ImageToVideo ? " (the LTX-2 GPU worker in ltx-worker/ serves it)" : ""
            throw ValidationError(
                "no built-in engine serves '\(model)'\(hint); known: \(engines.keys.sorted().joined(separator: ", "))")
        }
        let work = workDirectory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-worker-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)

        let worker = RemoteWorker(
            client: WorkerClient(gateway: gateway, token: token, httpClient: httpClient),
            executor: JobExecutor(engines: engines, workDirectory: work, heartbeatInterval: .seconds(1), logger: logger),
            models: served, concurrency: slots, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let outcome: Result<Void, any Error>
        do {
            try await group.run()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await Task {
            try? await httpClient.shutdown()
            if workDirectory == nil { try? FileManager.default.removeItem(at: work) }
        }.value
        try outcome.get()
    }
}
