import AsyncHTTPClient
import Foundation
import Logging
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound
import ZoetropeWorker

/// What serving models through upstreams adds to a gateway, wired from its configuration: the
/// monitor of each upstream's health (for `/readyz`, `/metrics` and the log), the engine of each
/// routed model, and the upstream slots that run their jobs.
struct UpstreamParts {
    let monitor: UpstreamMonitor
    /// The engine of each routed model, by slug.
    let engines: [String: any Engine]
    /// The upstream slots; nil when no model is routed.
    let runner: Runner?

    /// How long an idle upstream slot waits before looking again (an overflow wait ending sends no signal).
    static let idleLook: Double = 1
    /// How often an upstream slot reports progress and keeps its job's lease.
    static let heartbeat: Duration = .seconds(1)
    /// The longest fetch of an upstream's output video.
    static let outputFetchTimeout: Duration = .seconds(600)

    init(
        configuration config: ServerConfiguration, httpClient: HTTPClient, blobs: any BlobStore, desk: LeaseDesk,
        voices: any VoiceStore, metrics: GatewayMetrics, logger: Logger
    ) {
        monitor = UpstreamMonitor(upstreams: config.upstreams.map(\.name)) { upstream, state in
            metrics.upstreamTrouble(upstream: upstream, state: state)
        }
        // Links only when the gateway has a public URL the upstream can reach; inline data otherwise.
        let sign: @Sendable (String, Date) -> String = { key, expires in blobs.signedURL(key: key, expires: expires) }
        let link = config.publicURL == nil ? nil : sign
        var trusted = OutboundPolicy(allowPrivate: true, fetchTimeout: Self.outputFetchTimeout)
        trusted.minimumRate = config.outboundPolicy.minimumRate
        var policed = config.outboundPolicy
        policed.fetchTimeout = max(policed.fetchTimeout, Self.outputFetchTimeout)
        engines = UpstreamEngines(
            endpoints: config.upstreams, routes: config.routes, http: httpClient,
            inputs: UpstreamInputs(link: link, retention: config.retention),
            output: UpstreamOutput(
                trusted: InputFetcher(client: OutboundClient(policy: trusted), maxBytes: config.maxUploadBytes),
                policed: InputFetcher(client: OutboundClient(policy: policed), maxBytes: config.maxUploadBytes)),
            monitor: monitor, pollInterval: .milliseconds(Int64(config.upstreamPollInterval * 1000)),
            patience: .milliseconds(Int64(config.upstreamPatience * 1000)), logger: logger
        ).engines
        guard !config.routes.isEmpty else {
            runner = nil
            return
        }
        let executor = JobExecutor(
            engines: engines, workDirectory: config.workDirectory.appendingPathComponent("upstream", isDirectory: true),
            heartbeatInterval: Self.heartbeat, logger: logger)
        runner = Runner(
            desk: desk, voices: voices, executor: executor, concurrency: config.upstreamConcurrency,
            pollInterval: Self.idleLook, logger: logger, upstream: true)
    }
}
