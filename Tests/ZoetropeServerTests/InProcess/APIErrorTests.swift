import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// Every refusal the API makes before a job exists: a JSON `{"error"}` with the right status that
/// names the field or the cause. In process, through the router (`InProcessGateway`).
struct APIErrorTests {
    static let model = "kling-3-pro-image2video"

    @Test func validationErrorsName400Fields() async throws {
        try await InProcessGateway.test { gateway in try await Self.validationErrors(gateway) }
    }

    static func validationErrors(_ gateway: InProcessGateway) async throws {
        let image = "https://example.com/a.jpg"
        let cases: [([String: Any], String)] = [
            (["start_image_url": image], "prompt"),
            (["prompt": "", "start_image_url": image], "prompt"),
            (["prompt": String(repeating: "a", count: 2501), "start_image_url": image], "prompt"),
            (["prompt": 5, "start_image_url": image], "prompt"),
            (["prompt": "x"], "start_image_url"),
            (["prompt": "x", "start_image_url": ""], "start_image_url"),
            (["prompt": "x", "start_image_url": "ftp://example.com/a.jpg"], "start_image_url"),
            (["prompt": "x", "start_image_url": "not base64 at all!"], "start_image_url"),
            (["prompt": "x", "start_image_url": "data:image/png,abc"], "start_image_url"),
            (["prompt": "x", "start_image_url": image, "end_image_url": 3], "end_image_url"),
            (["prompt": "x", "start_image_url": image, "aspect_ratio": "4:3"], "aspect_ratio"),
            (["prompt": "x", "start_image_url": image, "cfg_scale": 1.5], "cfg_scale"),
            (["prompt": "x", "start_image_url": image, "cfg_scale": "high"], "cfg_scale"),
            (["prompt": "x", "start_image_url": image, "duration": "2"], "duration"),
            (["prompt": "x", "start_image_url": image, "duration": "16"], "duration"),
            (["prompt": "x", "start_image_url": image, "duration": "five"], "duration"),
            (["prompt": "x", "start_image_url": image, "negative_prompt": String(repeating: "n", count: 2501)], "negative_prompt"),
            (["prompt": "x", "start_image_url": image, "generate_audio": "yes"], "generate_audio"),
            (["prompt": "x", "start_image_url": image, "shot_type": "intelligent"], "shot_type"),
            (["prompt": "x", "start_image_url": image, "multi_prompt": "shot"], "multi_prompt"),
            (["start_image_url": image, "multi_prompt": [["duration": "3"]]], "multi_prompt[0].prompt"),
            (["start_image_url": image, "multi_prompt": [["prompt": String(repeating: "p", count: 513)]]], "multi_prompt[0].prompt"),
            (["start_image_url": image, "multi_prompt": Array(repeating: ["prompt": "a", "duration": "1"], count: 6)], "multi_prompt"),
            (["start_image_url": image, "multi_prompt": [["prompt": "a", "duration": "1"]]], "multi_prompt"),
            (["start_image_url": image, "duration": "5", "multi_prompt": [["prompt": "a", "duration": "3"]]], "duration"),
            (["start_image_url": image, "multi_prompt": [["prompt": "a", "duration": "9"], ["prompt": "b", "duration": "9"]]], "multi_prompt"),
            (["start_image_url": image, "multi_prompt": [["prompt": "a", "camera": "x"]]], "camera"),
            (["prompt": "x", "start_image_url": image, "elements": Array(repeating: ["frontal_image_url": image], count: 4)], "elements"),
            (["prompt": "x", "start_image_url": image, "elements": [["frontal_image_url": "nope://x"]]], "elements[0].frontal_image_url"),
            (["prompt": "x", "start_image_url": image, "elements": [["reference_image_urls": [image, image, image, image]]]], "elements[0].reference_image_urls"),
            (["prompt": "x", "start_image_url": image, "voice_ids": ["a", "b", "c"]], "voice_ids"),
            (["prompt": "x", "start_image_url": image, "voice_ids": ["v1"]], "voice_ids"),
            (["prompt": "x", "start_image_url": image, "promt": "typo"], "promt"),
        ]
        for (body, field) in cases {
            let reply = try await gateway.client.send(
                .post, "/v2/\(Self.model)", key: gateway.keys.user, json: body)
            #expect(reply.status == 400, "\(body.keys.sorted()): \(reply.status) \(reply.text)")
            #expect(reply.error?.contains(field) == true, "expected '\(field)' in: \(reply.error ?? "nil")")
        }
        // The same validation guards the blocking endpoint.
        let sync = try await gateway.client.send(
            .post, "/v1/\(Self.model)", key: gateway.keys.user, json: ["prompt": "x"])
        #expect(sync.status == 400)
        #expect(sync.error?.contains("start_image_url") == true)
        // A body that is JSON but not an object, and one that is not JSON.
        let array = try await gateway.client.send(
            .post, "/v2/\(Self.model)", key: gateway.keys.user, json: [1, 2])
        #expect(array.status == 400)
        let broken = try await gateway.client.send(
            .post, "/v2/\(Self.model)", key: gateway.keys.user, body: Data("{\"prompt\":".utf8),
            contentType: "application/json")
        #expect(broken.status == 400)
        #expect(broken.error?.contains("JSON") == true)
        // Nothing was queued by any refused request.
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: gateway.configuration.outputsDirectory.path)) ?? []
        #expect(stored.filter { $0 != ".partial" }.isEmpty, "\(stored)")
    }

    @Test func authenticationNotFoundAndContentType() async throws {
        try await InProcessGateway.test { gateway in try await Self.authenticationNotFoundAndContentType(gateway) }
    }

    static func authenticationNotFoundAndContentType(_ gateway: InProcessGateway) async throws {
        let body: [String: Any] = ["prompt": "x", "start_image_url": "https://example.com/a.jpg"]
        let missing = try await gateway.client.send(.post, "/v2/\(Self.model)", json: body)
        #expect(missing.status == 401)
        #expect(missing.error?.contains("x-api-key") == true)
        let wrong = try await gateway.client.send(.post, "/v2/\(Self.model)", key: "zk_wrong", json: body)
        #expect(wrong.status == 401)
        #expect(wrong.error == "invalid API key")
        let statusWithoutKey = try await gateway.client.send(.get, "/v2/requests/abc/status")
        #expect(statusWithoutKey.status == 401)

        let unknownModel = try await gateway.client.send(.post, "/v2/no-such-model", key: gateway.keys.user, json: body)
        #expect(unknownModel.status == 404)
        #expect(unknownModel.error == "model 'no-such-model' not found")
        let unknownModelV1 = try await gateway.client.send(.post, "/v1/no-such-model", key: gateway.keys.user, json: body)
        #expect(unknownModelV1.status == 404)
        let unknownRequest = try await gateway.client.send(.get, "/v2/requests/nope/status", key: gateway.keys.user)
        #expect(unknownRequest.status == 404)
        #expect(unknownRequest.error?.contains("nope") == true)
        let unknownResult = try await gateway.client.send(.get, "/v2/requests/nope", key: gateway.keys.user)
        #expect(unknownResult.status == 404)
        let unknownEndpoint = try await gateway.client.send(.get, "/v3/anything")
        #expect(unknownEndpoint.status == 404)
        #expect(unknownEndpoint.error != nil)

        let form = try await gateway.client.send(
            .post, "/v2/\(Self.model)", key: gateway.keys.user, body: Data("prompt=x".utf8),
            contentType: "application/x-www-form-urlencoded")
        #expect(form.status == 415)
        #expect(form.error?.contains("application/json") == true)
        // Only application/json, in UTF-8, is JSON.
        for contentType in ["application/json; charset=utf-16", "application/vnd.api+json", "text/json", "application/jsonx"] {
            let refused = try await gateway.client.send(
                .post, "/v2/\(Self.model)", key: gateway.keys.user, body: Data("{}".utf8),
                contentType: contentType)
            #expect(refused.status == 415, "\(contentType): \(refused.status)")
        }
        let utf8 = try await gateway.client.send(
            .post, "/v2/\(Self.model)", key: gateway.keys.user, body: Data("{}".utf8),
            contentType: "Application/JSON; Charset=\"UTF-8\"")
        #expect(utf8.status == 400 && utf8.error?.contains("required") == true, "\(utf8.text)")
        // Unknown parameters are named a few at a time, however many there are.
        var many: [String: Any] = ["prompt": "x", "start_image_url": "https://example.com/a.jpg"]
        for index in 0..<1000 { many["unknown_\(index)_" + String(repeating: "z", count: 100)] = 1 }
        let unknown = try await gateway.client.send(
            .post, "/v2/\(Self.model)", key: gateway.keys.user, json: many)
        #expect(unknown.status == 400)
        let message = unknown.error ?? ""
        #expect(message.hasPrefix("unknown parameters: ") && message.hasSuffix(" and 995 more") && message.count < 400, "\(message)")

        let models = try await gateway.client.send(.get, "/v1/models")
        #expect(models.status == 200)
        let listed = try #require(models.json["models"] as? [[String: Any]])
        #expect(listed.contains { $0["slug"] as? String == Self.model && $0["parameters"] is [String: Any] })

        let openapi = try await gateway.client.send(.get, "/openapi.json")
        #expect(openapi.status == 200)
        #expect((openapi.json["openapi"] as? String)?.hasPrefix("3.1") == true)
    }

    @Test func anotherKeysRequestIsNotFound() async throws {
        try await InProcessGateway.test { gateway in
            let id = try await gateway.submit()
            for path in ["/v2/requests/\(id)/status", "/v2/requests/\(id)", "/v2/requests/\(id)/stream", "/v2/requests/\(id)/webhooks"] {
                let foreign = try await gateway.client.send(.get, path, key: gateway.keys.other)
                #expect(foreign.status == 404, "\(path): \(foreign.status)")
                #expect(foreign.error == "request '\(id)' not found (unknown, expired, or not yours)")
            }
            #expect(try await gateway.client.send(.post, "/v2/requests/\(id)/cancel", key: gateway.keys.other).status == 404)
            let own = try await gateway.client.send(.get, "/v2/requests/\(id)/status", key: gateway.keys.user)
            #expect(own.status == 200)
        }
    }
}
