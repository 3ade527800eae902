import Foundation
import Hummingbird
import ZoetropeCore

/// Routes for operators and load balancers, without an API key: `/healthz` (the process is
/// up), `/readyz` (the store and the blob store answer; 503 naming the one that does not) and
/// `/metrics` (Prometheus text format).
struct OperationsController {
    let store: any DataStore
    let blobs: any BlobStore
    let metrics: GatewayMetrics

    func addRoutes(to router: Router<ZoetropeRequestContext>) {
        router.get("/healthz") { _, _ in try JSONResponse.make(encoding: HealthAnswer(status: "ok")) }
        router.get("/readyz") { _, context in
            var problems: [String] = []
            do { try await store.checkReachable() } catch { problems.append("store unreachable: \(error)") }
            do { try await blobs.checkReachable() } catch { problems.append("blob store unreachable: \(error)") }
            guard problems.isEmpty else {
                context.logger.warning("not ready: \(problems.joined(separator: "; "))")
                return try JSONResponse.make(
                    encoding: HealthAnswer(status: "unavailable", error: problems.joined(separator: "; ")),
                    status: .serviceUnavailable)
            }
            return try JSONResponse.make(encoding: HealthAnswer(status: "ready"))
        }
        router.get("/metrics") { _, _ in
            let text = try await metrics.render(store: store)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
