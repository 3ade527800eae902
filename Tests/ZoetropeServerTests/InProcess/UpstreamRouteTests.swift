import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeWorker

/// A gateway with models routed to an upstream that does not answer (a closed loopback port), in
/// process: `/v1/models` shows the routes, `/readyz` each upstream's health, remote workers never
/// take a model only the upstream serves, a routed model refuses `voice_ids`, and the job ends
/// FAILED once the upstream's patience is spent; every answer follows the OpenAPI document.
struct UpstreamRouteTests {
    static func routed(_ config: inout ServerConfiguration) {
        config.upstreams = [UpstreamEndpoint(name: "down", baseURL: URL(string: "http://127.0.0.1:9")!, key: UpstreamKey("down-key-0123456789"))]
        config.routes = [
            ModelRoute(model: ModelCatalog.ltx2ImageToVideo, upstream: "down"),
            ModelRoute(model: ModelCatalog.klingImageToVideo, upstream: "down", overflowAfter: 3600),
        ]
        config.upstreamPollInterval = 0.05
        config.upstreamPatience = 0.3
    }

    @Test func routedModelsAndTheirUpstreamsHealthFollowTheDocument() async throws {
        try await InProcessGateway.test(configure: Self.routed) { gateway in
            var run = AnswerContractTests.ContractRun(gateway: gateway)
            let models = try await run.send(.get, "/v1/models")
            let listed = try #require(models.json["models"] as? [[String: Any]])
            let ltx = try #require(listed.first { $0["slug"] as? String == ModelCatalog.ltx2ImageToVideo })
            #expect(ltx["engine"] as? String == "upstream")
            let kling = try #require(listed.first { $0["slug"] as? String == ModelCatalog.klingImageToVideo })
            #expect((kling["upstream"] as? [String: Any])?["overflow_after_seconds"] as? Double == 3600)
            let unused = try await run.send(.get, "/readyz")
            #expect(((unused.json["upstreams"] as? [String: Any])?["down"] as? [String: Any])?["status"] as? String == "unused")

            // A remote worker asking for the upstream-only model gets nothing.
            let ltxBody: [String: Any] = ["prompt": "x", "start_image_url": "aGVsbG8=", "duration": "3"]
            let refused = try await run.send(
                .post, "/v2/\(ModelCatalog.ltx2ImageToVideo)", key: gateway.keys.user,
                json: ltxBody.merging(["voice_ids": ["voice_1"]]) { $1 })
            #expect(refused.status == 400)
            let id = try await gateway.submit(ltxBody, model: ModelCatalog.ltx2ImageToVideo)
            let lease = try await gateway.client.send(.post, "/v1/worker/lease", key: gateway.keys.worker, json: [
                "protocol_version": 2, "worker_id": "w", "models": [ModelCatalog.ltx2ImageToVideo], "wait_seconds": 0,
            ])
            #expect(lease.status == 204, "\(lease.text)")

            let ended = try await gateway.client.waitForEnd(id, key: gateway.keys.user)
            #expect(ended.json["error"] as? String == "upstream: the service that runs this model could not be reached; try again later")
            let result = try await run.send(.get, "/v2/requests/{id}", "/v2/requests/\(id)", key: gateway.keys.user)
            #expect(!result.text.contains("down-key"))
            let ready = try await run.send(.get, "/readyz")
            let down = try #require((ready.json["upstreams"] as? [String: Any])?["down"] as? [String: Any])
            #expect(ready.status == 200 && down["status"] as? String == "unreachable" && down["error"] != nil)
            #expect(run.problems.isEmpty, "\(run.problems.joined(separator: "\n"))")
        }
    }
}
