import ArgumentParser
import AsyncHTTPClient
import Foundation
import ServiceLifecycle
import ZoetropeCore
import ZoetropeMedia
import ZoetropeSettings
import ZoetropeWorker

/// `zoetrope worker`: renders a gateway's jobs on this machine with the built-in engines, over
/// the worker protocol (see the OpenAPI document's `/v1/worker/…`).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Render a gateway's jobs on this machine (a remote worker).",
        discussion: SettingsHelp.discussion(
            SettingsTable.help(WorkerSettings.all, defaults: WorkerSettings()),
            SettingsTable.help(LoggingSettings.all, defaults: LoggingSettings())))

    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    func run() async throws {
        var options = WorkerSettings()
        var logging = LoggingSettings()
        try SettingsHelp.reading {
            let reader = try SettingsReader(
                arguments: settings, settings: WorkerSettings.all.map(\.declaration) + LoggingSettings.all.map(\.declaration))
            try reader.apply(WorkerSettings.all, to: &options)
            try reader.apply(LoggingSettings.all, to: &logging)
        }
        guard let gateway = options.gateway, gateway.hasPrefix("http://") || gateway.hasPrefix("https://") else {
            throw ValidationError("--gateway (ZOETROPE_GATEWAY) must be the gateway's http(s) base URL")
        }
        guard let token = options.token, !token.isEmpty else {
            throw ValidationError("--token (ZOETROPE_WORKER_TOKEN) is required: a worker token from `zoetrope keys create --worker`")
        }
        let models = options.models, slots = options.concurrency, workDirectory = options.workDirectory
        let logger = try logging.makeLogger()
        let versions = try MediaTools.check()
        logger.info("media tools: \(versions.values.sorted().joined(separator: "; "))")

        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let fetcher = InputFetcher(policy: options.outbound)
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
            executor: JobExecutor(
                engines: engines, workDirectory: work, heartbeatInterval: .seconds(1),
                stallLimit: options.stallLimit, logger: logger),
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
