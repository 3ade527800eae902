import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeServer
import ZoetropeStore

/// The routes without an API key, in process: health, readiness (503 naming what is down),
/// metrics, the model list, the OpenAPI document, the playground and signed file links (403 when
/// unsigned, tampered or expired, 404 when gone, 413 over the upload cap); 404 and 405 with
/// `Allow` for unknown paths and methods.
struct SystemRouteTests {
    @Test func healthReadinessAndMetrics() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == 200 && health.text == "{\"status\":\"ok\"}\n")
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == 200 && ready.text == "{\"status\":\"ready\"}\n")
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.status == 200 && metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.text.contains("zoetrope_workers "), "\(metrics.text)")
            #expect(try await client.send(.post, "/healthz", json: [:]).status == 405)
            #expect(try await client.send(.delete, "/metrics").header("Allow") == "GET")

            // Without its outputs directory the gateway is not ready, and says why.
            try FileManager.default.removeItem(at: gateway.configuration.outputsDirectory)
            let down = try await client.send(.get, "/readyz")
            #expect(down.status == 503 && down.json["status"] as? String == "unavailable")
            #expect(down.error?.hasPrefix("blob store unreachable") == true, "\(down.text)")
        }
    }

    @Test func modelsDocumentAndPlayground() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client
            let models = try await client.send(.get, "/v1/models")
            let listed = try #require(models.json["models"] as? [[String: Any]])
            #expect(listed.compactMap { $0["slug"] as? String } == BuiltInEngines.catalog.models.map(\.slug))
            let post = try await client.send(.post, "/v1/models", key: gateway.keys.user, json: [:])
            #expect(post.status == 405 && post.header("Allow") == "GET" && post.error?.contains("not allowed") == true)

            let document = try await client.send(.get, "/openapi.json")
            #expect(document.status == 200 && document.body == OpenAPIDocument.data(catalog: BuiltInEngines.catalog))
            #expect(try await client.send(.put, "/openapi.json").status == 405)

            let page = try await client.send(.get, "/")
            #expect(page.status == 200 && page.header("Content-Type") == "text/html; charset=utf-8")
            let missing = try await client.send(.get, "/playground/nope.js")
            #expect(missing.status == 404 && missing.error == "no playground file 'nope.js'")

            // Unknown paths and models are 404; a documented path's missing method is 405.
            #expect(try await client.send(.get, "/nope").status == 404)
            #expect(try await client.send(.get, "/v3/anything").error == "endpoint GET /v3/anything not found")
            #expect(try await client.send(.post, "/v2/nope", key: gateway.keys.user, json: [:]).status == 404)
            let run = try await client.send(.get, "/v1/\(ModelCatalog.klingImageToVideo)", key: gateway.keys.user)
            #expect(run.status == 405 && run.header("Allow") == "POST")
            let request = try await client.send(.delete, "/v2/requests/abc", key: gateway.keys.user)
            #expect(request.status == 405 && request.header("Allow") == "GET")
        }
    }

    @Test func fileLinksAreSignedAndExpire() async throws {
        try await InProcessGateway.test(configure: { $0.maxUploadBytes = 1024 }) { gateway in
            let client = gateway.client
            let id = try await gateway.submit()
            _ = try await client.waitForEnd(id, key: gateway.keys.user)
            let result = try await client.send(.get, "/v2/requests/\(id)", key: gateway.keys.user)
            let link = String(try #require(result.json["output"] as? String).dropFirst("http://127.0.0.1:8080".count))
            #expect(try await client.send(.get, link).body == StubEngine.video)

            let unsigned = try await client.send(.get, "/files/\(id)-1.mp4")
            #expect(unsigned.status == 403 && unsigned.error == "this link is not signed; use the link from the result or the lease")
            let tampered = try await client.send(.get, link.replacingOccurrences(of: "signature=", with: "signature=0"))
            #expect(tampered.status == 403 && tampered.error == "this link's signature is invalid")
            let later = try await client.send(.get, link.replacingOccurrences(of: "expires=", with: "expires=1"))
            #expect(later.status == 403)
            let otherFile = try await client.send(.get, link.replacingOccurrences(of: "\(id)-1.mp4", with: "\(id)-2.mp4"))
            #expect(otherFile.status == 403)
            // A genuine signature past its time.
            let signer = try URLSigner.loadOrCreate(secretFile: gateway.configuration.signingKeyFile)
            let past = Int(Date().timeIntervalSince1970) - 60
            let expired = try await client.send(
                .get, "/files/\(id)-1.mp4?expires=\(past)&signature=\(signer.signature(path: "/files/\(id)-1.mp4", expires: past))")
            #expect(expired.status == 403 && expired.error == "this link has expired")
            // An upload needs an upload link: a download link does not do.
            let put = try await client.send(.put, link, body: Data("x".utf8))
            #expect(put.status == 403)
            let oversized = try await client.send(.put, link, body: Data(count: 2048))
            #expect(oversized.status == 413)
            #expect(try await client.send(.post, link, json: [:]).status == 405)

            // A genuine link whose file is gone is 404.
            try FileManager.default.removeItem(at: gateway.configuration.outputsDirectory.appendingPathComponent("\(id)-1.mp4"))
            let gone = try await client.send(.get, link)
            #expect(gone.status == 404 && gone.error == "file not found; the result has expired or was deleted")
        }
    }
}
