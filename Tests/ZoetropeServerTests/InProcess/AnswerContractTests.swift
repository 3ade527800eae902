import Foundation
import HTTPTypes
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeServer

/// Every answer the routes give, in process, checked against the OpenAPI document the server
/// publishes: a documented status's body against its schema (nulls, integers, required and
/// undocumented fields included), any other status against the error shape.
struct AnswerContractTests {
    static let checker = SchemaChecker(document: OpenAPIDocument.document(catalog: BuiltInEngines.catalog))

    /// Sends requests and checks each answer against the document.
    struct ContractRun {
        let gateway: InProcessGateway
        var problems: [String] = []
        /// `METHOD /path status` of answers the document does not list.
        var undocumented: Set<String> = []

        /// Sends to `uri` (the path template itself when nil) and checks the answer against `template`'s operation.
        @discardableResult
        mutating func send(
            _ method: HTTPRequest.Method, _ template: String, _ uri: String? = nil, key: String? = nil,
            json: Any? = nil
        ) async throws -> RouteReply {
            let reply = try await gateway.client.send(method, uri ?? template, key: key, json: json)
            let operation = "\(method.rawValue) \(template) \(reply.status)"
            let schema: JSONValue
            if let documented = AnswerContractTests.checker.responseSchema(path: template, method: method.rawValue, status: reply.status) {
                schema = documented
            } else {
                if !AnswerContractTests.checker.documentedStatuses(path: template, method: method.rawValue).contains(reply.status) {
                    undocumented.insert(operation)
                }
                guard reply.status >= 400 else {
                    if reply.status != 204 { problems.append("\(operation): not documented") }
                    return reply
                }
                schema = ["$ref": "#/components/schemas/Error"]
            }
            guard let body = try? JSONValue.parse(reply.body) else {
                problems.append("\(operation): the body is not JSON: \(reply.text.prefix(200))")
                return reply
            }
            problems += AnswerContractTests.checker.problems(body, against: schema).map { "\(operation): \($0)" }
            return reply
        }
    }

    @Test func everyAnswerFollowsTheDocument() async throws {
        try await InProcessGateway.test(configure: { $0.webhookRetryBase = 60 }) { gateway in
            let keys = gateway.keys
            let model = InProcessGateway.model, voiceModel = InProcessGateway.voiceModel
            var run = ContractRun(gateway: gateway)

            // Generation: completed, failed and refused requests, on both APIs.
            let submitted = try await run.send(.post, "/v2/\(model)", key: keys.user, json: InProcessGateway.video())
            let id = try #require(submitted.json["request_id"] as? String)
            _ = try await gateway.client.waitForEnd(id, key: keys.user)
            let hooked = try await gateway.submit(key: keys.hooked)
            _ = try await gateway.client.waitForEnd(hooked, key: keys.hooked)
            // The webhook service's first attempt, awaited (a loaded machine makes it late).
            let logPath = "/v2/requests/\(hooked)/webhooks"
            for _ in 0..<600 where !(try await gateway.client.send(.get, logPath, key: keys.hooked).text.contains("status_code")) {
                try await Task.sleep(for: .milliseconds(100))
            }
            let log = try await run.send(.get, "/v2/requests/{id}/webhooks", "/v2/requests/\(hooked)/webhooks", key: keys.hooked)
            #expect(log.text.contains("\"status_code\":null"), "\(log.text)")
            let failed = try await gateway.submit(InProcessGateway.video("[fail] x"))
            _ = try await gateway.client.waitForEnd(failed, key: keys.user)
            let voiceJob = try await gateway.submit(["voice_name": "N", "voice_url": "https://example.com/a.wav"], model: voiceModel)
            _ = try await gateway.client.waitForEnd(voiceJob, key: keys.user)
            try await run.send(.post, "/v1/\(model)", key: keys.user, json: InProcessGateway.video("[fail] y"))
            try await run.send(.post, "/v1/\(voiceModel)", key: keys.user, json: ["voice_name": "M", "voice_url": "https://example.com/b.wav"])
            for (body, key) in [
                (["prompt": 5] as [String: Any], keys.user), (InProcessGateway.video(), keys.voiceOnly),
                (InProcessGateway.video(duration: 15), keys.metered), (InProcessGateway.video(), "zk_nope"),
            ] {
                try await run.send(.post, "/v2/\(model)", key: key, json: body)
                try await run.send(.post, "/v1/\(model)", key: key, json: body)
            }
            try await run.send(.post, "/v2/\(model)", "/v2/nope", key: keys.user, json: [:])

            // The request routes, for each kind of request.
            for request in [id, failed, voiceJob, "nope"] {
                try await run.send(.get, "/v2/requests/{id}/status", "/v2/requests/\(request)/status", key: keys.user)
                try await run.send(.get, "/v2/requests/{id}", "/v2/requests/\(request)", key: keys.user)
                try await run.send(.get, "/v2/requests/{id}/webhooks", "/v2/requests/\(request)/webhooks", key: keys.user)
                try await run.send(.post, "/v2/requests/{id}/cancel", "/v2/requests/\(request)/cancel", key: keys.user)
            }
            try await run.send(.get, "/v2/requests/{id}/status", "/v2/requests/\(id)/status", key: keys.submitOnly)
            let metered = try await gateway.submit(key: keys.metered)
            _ = try await gateway.client.waitForEnd(metered, key: keys.metered)
            try await run.send(.get, "/v2/requests/{id}", "/v2/requests/\(metered)", key: keys.metered)
            let queued = try await gateway.submit(InProcessGateway.video("[hold] x"))
            try await run.send(.get, "/v2/requests/{id}/status", "/v2/requests/\(queued)/status", key: keys.user)
            try await run.send(.get, "/v2/requests/{id}", "/v2/requests/\(queued)", key: keys.user)
            try await run.send(.post, "/v2/requests/{id}/cancel", "/v2/requests/\(queued)/cancel", key: keys.user)
            for query in ["", "?status=completed&per_page=2", "?page=0"] {
                try await run.send(.get, "/v1/requests", "/v1/requests\(query)", key: keys.user)
            }

            // Accounts and voices.
            try await run.send(.get, "/v1/get-user-credits", key: keys.user)
            try await run.send(.get, "/v1/get-user-credits", key: keys.metered)
            try await run.send(.get, "/v1/get-user-credits")
            try await run.send(.get, "/v1/webhooks/secret", key: keys.user)
            try await run.send(.get, "/v1/voices", key: keys.user)
            let voiceID = VoiceProfile.voiceID(jobID: voiceJob)
            try await run.send(.get, "/v1/voices/{id}", "/v1/voices/\(voiceID)", key: keys.user)
            try await run.send(.get, "/v1/voices/{id}", "/v1/voices/nope", key: keys.user)
            try await run.send(.delete, "/v1/voices/{id}", "/v1/voices/\(voiceID)", key: keys.user)
            try await run.send(.delete, "/v1/voices/{id}", "/v1/voices/\(voiceID)", key: keys.user)

            // The admin API.
            try await run.send(.get, "/v1/admin/keys", key: keys.admin)
            try await run.send(.get, "/v1/admin/keys", key: keys.user)
            let created = try await run.send(.post, "/v1/admin/keys", key: keys.admin, json: ["name": "c", "credits": "2"])
            let newID = try #require(created.json["id"] as? String)
            try await run.send(.post, "/v1/admin/keys", key: keys.admin, json: ["name": ""])
            try await run.send(.post, "/v1/admin/keys/{id}/credits", "/v1/admin/keys/\(newID)/credits", key: keys.admin, json: ["add": "1"])
            try await run.send(.post, "/v1/admin/keys/{id}/credits", "/v1/admin/keys/\(newID)/credits", key: keys.admin, json: ["set": NSNull()])
            try await run.send(.post, "/v1/admin/keys/{id}/credits", "/v1/admin/keys/nope/credits", key: keys.admin, json: ["add": "1"])
            try await run.send(.post, "/v1/admin/keys/{id}/revoke", "/v1/admin/keys/\(newID)/revoke", key: keys.admin)
            try await run.send(.post, "/v1/admin/keys/{id}/revoke", "/v1/admin/keys/nope/revoke", key: keys.admin)

            // The worker protocol.
            let me: [String: Any] = ["protocol_version": 2, "worker_id": "w", "models": [ModelCatalog.ltx2ImageToVideo]]
            try await run.send(.post, "/v1/worker/lease", key: keys.worker, json: me)
            let remote = try await gateway.submit(["prompt": "x", "start_image_url": "aGVsbG8=", "duration": "3"], model: ModelCatalog.ltx2ImageToVideo)
            // Waiting: on a loaded machine the content policy's screen may still be passing the job.
            var waiting = me
            waiting["wait_seconds"] = 20
            let lease = try await run.send(.post, "/v1/worker/lease", key: keys.worker, json: waiting)
            #expect(lease.json["id"] as? String == remote)
            try await run.send(.post, "/v1/worker/lease", key: keys.worker, json: ["worker_id": "w", "models": []])
            try await run.send(.post, "/v1/worker/jobs/{id}/heartbeat", "/v1/worker/jobs/\(remote)/heartbeat", key: keys.worker, json: ["worker_id": "w", "progress": 0.5])
            try await run.send(.post, "/v1/worker/jobs/{id}/heartbeat", "/v1/worker/jobs/\(remote)/heartbeat", key: keys.worker, json: ["worker_id": "x", "progress": 0.5])
            try await run.send(.post, "/v1/worker/jobs/{id}/complete", "/v1/worker/jobs/\(remote)/complete", key: keys.worker, json: ["worker_id": "w", "output_key": "x"])
            try await run.send(.post, "/v1/worker/jobs/{id}/release", "/v1/worker/jobs/\(remote)/release", key: keys.worker, json: ["worker_id": "w"])
            _ = try await run.send(.post, "/v1/worker/lease", key: keys.worker, json: me)
            try await run.send(.post, "/v1/worker/jobs/{id}/fail", "/v1/worker/jobs/\(remote)/fail", key: keys.worker, json: ["worker_id": "w", "error": "out of memory"])
            try await run.send(.post, "/v1/worker/jobs/{id}/fail", "/v1/worker/jobs/nope/fail", key: keys.worker, json: ["worker_id": "w", "error": "x"])

            // Without a key.
            try await run.send(.get, "/healthz")
            try await run.send(.get, "/readyz")
            try await run.send(.get, "/v1/models")
            try await run.send(.get, "/files/{key}", "/files/\(id)-1.mp4")

            #expect(run.problems.isEmpty, "\(run.problems.joined(separator: "\n"))")
            // Statuses the document does not list for the operation (their bodies are still checked
            // as errors) are only the 403s of keys whose access forbids a route, which the read
            // operations do not list yet.
            #expect(run.undocumented.allSatisfy { $0.hasSuffix(" 403") }, "\(run.undocumented.sorted())")
        }
    }
}
