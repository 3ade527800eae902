import Foundation
import Hummingbird
import ZoetropeCore
import ZoetropeWorker

/// Routes for operators and load balancers, without an API key: `/healthz` (the process is
/// up), `/readyz` (the store and the blob store answer; 503 naming the one that does not; and how
/// each upstream has been answering, which does not make the gateway unready) and `/metrics`
/// (Prometheus text format).
struct OperationsController {
    let store: any DataStore
    let blobs: any BlobStore
    let metrics: GatewayMetrics
    let upstreams: UpstreamMonitor

    func addRoutes(to router: Router<ZoetropeRequestContext>) {
        router.get("/healthz") { _, _ in try JSONResponse.make(encoding: HealthAnswer(status: "ok")) }
        router.get("/readyz") { _, context in
            var problems: [String] = []
            do { try await store.checkReachable() } catch { problems.append("store unreachable: \(error)") }
            do { try await blobs.checkReachable() } catch { problems.append("blob store unreachable: \(error)") }
            let health = upstreams.health()
            let upstreamHealth = health.isEmpty ? nil : health.mapValues(HealthAnswer.Upstream.init)
            guard problems.isEmpty else {
                context.logger.warning("not ready: \(problems.joined(separator: "; "))")
                return try JSONResponse.make(
                    encoding: HealthAnswer(
                        status: "unavailable", error: problems.joined(separator: "; "), upstreams: upstreamHealth),
                    status: .serviceUnavailable)
            }
            return try JSONResponse.make(encoding: HealthAnswer(status: "ready", upstreams: upstreamHealth))
        }
        router.get("/metrics") { _, _ in
            metrics.upstreamHealth(upstreams.health())
            let text = try await metrics.render(store: store)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
