import AsyncHTTPClient
import Foundation
import Logging
import ZoetropeCore

/// The upstreams and routes the operator configured, made into engines for the gateway's upstream
/// slots: one `UpstreamEngine` per routed model, sharing each upstream's calls (and the monitor
/// of its health) and each model's learned typical time.
public struct UpstreamEngines: Sendable {
    /// The engine of each routed model, by slug.
    public let engines: [String: any Engine]

    /// How long one call to an upstream may take (at most its patience: a call that outlasts it is
    /// the upstream not answering).
    static let callTimeout: Duration = .seconds(120)

    public init(
        endpoints: [UpstreamEndpoint], routes: [ModelRoute], http: HTTPClient, inputs: UpstreamInputs,
        output: UpstreamOutput, monitor: UpstreamMonitor, pollInterval: Duration, patience: Duration, logger: Logger
    ) {
        let callers = Dictionary(uniqueKeysWithValues: endpoints.map { endpoint in
            (endpoint.name, UpstreamCaller(
                client: UpstreamClient(endpoint: endpoint, http: http, timeout: min(Self.callTimeout, patience)), monitor: monitor,
                patience: patience, logger: logger))
        })
        engines = Dictionary(uniqueKeysWithValues: routes.map { route in
            (route.model, UpstreamEngine(
                route: route, callers: callers, inputs: inputs, output: output, progress: UpstreamProgress(),
                pollInterval: pollInterval, logger: logger) as any Engine)
        })
    }
}
