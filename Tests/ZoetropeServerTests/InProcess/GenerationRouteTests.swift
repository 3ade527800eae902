import Foundation
import Testing
import ZoetropeCore

/// `POST /v2/{model}` and `POST /v1/{model}` in process, rendered by `StubEngine`: the answers of
/// a completed, failed and timed-out request, and every refusal a submit can meet (401, 403, 404,
/// 405, 406, 409, 413, 415, 429, 400).
struct GenerationRouteTests {
    static let model = InProcessGateway.model

    @Test func v2AnswersLinksAndTheResultCarriesPlanMetricsAndAVideoLink() async throws {
        try await InProcessGateway.test { gateway in
            let reply = try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.user, json: InProcessGateway.video())
            #expect(reply.status == 200, "\(reply.text)")
            let id = try #require(reply.json["request_id"] as? String)
            #expect(reply.json["status"] as? String == "QUEUED")
            #expect(reply.json["status_url"] as? String == "http://127.0.0.1:8080/v2/requests/\(id)/status")
            #expect(reply.json["response_url"] as? String == "http://127.0.0.1:8080/v2/requests/\(id)")
            #expect(reply.json["poll_url"] as? String == reply.json["response_url"] as? String)
            #expect(reply.header("X-RateLimit-Limit") == "600")

            let status = try await gateway.client.waitForEnd(id, key: gateway.keys.user)
            #expect(status.json["status"] as? String == "COMPLETED" && status.json["progress"] as? Double == 1)
            #expect(status.json["queue_position"] as? Int == 0 && status.json["error"] == nil)
            let result = try await gateway.client.send(.get, "/v2/requests/\(id)", key: gateway.keys.user)
            #expect(result.status == 200)
            #expect(result.json["model"] as? String == Self.model && result.json["error"] == nil)
            #expect((result.json["plan"] as? [String: Any])?["engine"] as? String == "stub")
            let metrics = try #require(result.json["metrics"] as? [String: Any])
            #expect(metrics["retry_count"] as? Int == 0 && metrics["cost"] as? Double == 0.3)
            #expect(metrics["remaining_credits"] == nil && metrics["inference_time"] is Double)
            // No seed was sent: the one chosen for the job is reported.
            #expect((metrics["seed"] as? Int).map { $0 >= 0 && $0 <= Int(UInt32.max) } == true, "\(metrics)")
            #expect(result.json["completed_at"] is String)
            // The output is a signed link to the video, served without a key.
            let link = try #require(result.json["output"] as? String)
            #expect(link.hasPrefix("http://127.0.0.1:8080/files/\(id)-1.mp4?expires="))
            let video = try await gateway.client.send(.get, String(link.dropFirst("http://127.0.0.1:8080".count)))
            #expect(video.status == 200 && video.body == StubEngine.video)
            #expect(video.header("Content-Type") == "video/mp4")
        }
    }

    @Test func v1AnswersTheVideoBytesOrTheVoiceOrTheReason() async throws {
        try await InProcessGateway.test { gateway in
            let video = try await gateway.client.send(.post, "/v1/\(Self.model)", key: gateway.keys.user, json: InProcessGateway.video())
            #expect(video.status == 200 && video.body == StubEngine.video)
            #expect(video.header("Content-Type") == "video/mp4")
            #expect(video.header("x-request-id")?.count == 36 && video.header("x-cost") == "0.3")
            #expect(video.header("x-generation-time").flatMap(Double.init) != nil)
            var seeded = InProcessGateway.video()
            seeded["seed"] = 4_294_967_295
            let reproducible = try await gateway.client.send(.post, "/v1/\(Self.model)", key: gateway.keys.user, json: seeded)
            #expect(reproducible.status == 200 && reproducible.header("x-seed-value") == "4294967295")
            for bad: Any in [-1, 4_294_967_296, 1.5, "7"] {
                seeded["seed"] = bad
                let refused = try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.user, json: seeded)
                #expect(refused.status == 400 && refused.error?.hasPrefix("seed must be a whole number") == true, "\(bad): \(refused.text)")
            }

            let failed = try await gateway.client.send(
                .post, "/v1/\(Self.model)", key: gateway.keys.user, json: InProcessGateway.video("[fail] a push in"))
            #expect(failed.status == 422)
            #expect(failed.json["status"] as? String == "FAILED" && failed.error == StubEngine.failure)
            #expect(failed.json["request_id"] as? String == failed.header("x-request-id"))
            #expect(Set(failed.json.keys) == ["request_id", "status", "error"])

            let voice = try await gateway.client.send(
                .post, "/v1/\(InProcessGateway.voiceModel)", key: gateway.keys.user,
                json: ["voice_name": "Narrator", "voice_url": "https://example.com/a.wav"])
            #expect(voice.status == 200, "\(voice.text)")
            #expect(voice.json["voice_name"] as? String == "Narrator")
            #expect((voice.json["voice_id"] as? String)?.hasPrefix("voice_") == true)
            #expect(voice.header("x-cost") != nil)
        }
    }

    @Test func v1PastItsTimeoutIs504NamingTheRequest() async throws {
        try await InProcessGateway.test(configure: { config in
            config.runsLocalEngine = false
            config.syncTimeout = 0.3
        }) { gateway in
            let reply = try await gateway.client.send(.post, "/v1/\(Self.model)", key: gateway.keys.user, json: InProcessGateway.video())
            #expect(reply.status == 504)
            let id = try #require(reply.header("x-request-id"))
            #expect(reply.error?.contains("request \(id) is still queued") == true, "\(reply.text)")
            // The job goes on.
            let status = try await gateway.client.send(.get, "/v2/requests/\(id)/status", key: gateway.keys.user)
            #expect(status.json["status"] as? String == "QUEUED" && status.json["queue_position"] as? Int == 1)
        }
    }

    @Test func keysOutsideTheirScopeAre403AndBadKeys401() async throws {
        try await InProcessGateway.test { gateway in
            let keys = gateway.keys
            let body = InProcessGateway.video()
            let outside = try await gateway.client.send(.post, "/v2/\(Self.model)", key: keys.voiceOnly, json: body)
            #expect(outside.status == 403)
            #expect(outside.error == "this API key may not use model '\(Self.model)'; it may use: kling-create-voice")
            let reader = try await gateway.client.send(.post, "/v1/\(Self.model)", key: keys.readOnly, json: body)
            #expect(reader.status == 403 && reader.error?.contains("read-only") == true)
            let worker = try await gateway.client.send(.post, "/v2/\(Self.model)", key: keys.worker, json: body)
            #expect(worker.status == 403 && worker.error?.contains("worker token") == true)
            #expect(try await gateway.client.send(.post, "/v2/\(Self.model)", key: keys.submitOnly, json: body).status == 200)
            // A bearer token works as x-api-key does; a wrong one is refused the same way.
            let bearer = try await gateway.client.send(
                .post, "/v2/\(Self.model)", json: body, headers: ["Authorization": "Bearer \(keys.user)"])
            #expect(bearer.status == 200)
            let wrongBearer = try await gateway.client.send(
                .post, "/v2/\(Self.model)", json: body, headers: ["Authorization": "Bearer zk_nope"])
            #expect(wrongBearer.status == 401 && wrongBearer.error == "invalid API key")
            let blank = try await gateway.client.send(.post, "/v2/\(Self.model)", key: "  ", json: body)
            #expect(blank.status == 401 && blank.error?.hasPrefix("missing API key") == true)
            // The wrong method is 405 before any key is asked for.
            let get = try await gateway.client.send(.get, "/v2/\(Self.model)")
            #expect(get.status == 405 && get.header("Allow") == "POST")
        }
    }

    @Test func oversizedBodiesAre413AndUnfinishedRequestsAreCapped() async throws {
        try await InProcessGateway.test(configure: { config in
            config.maxBodyBytes = 4096
            config.runsLocalEngine = false
            config.maxUnfinishedJobs = 2
        }) { gateway in
            let big = InProcessGateway.video(String(repeating: "a", count: 5000))
            let refused = try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.user, json: big)
            #expect(refused.status == 413 && refused.error?.contains("4096") == true, "\(refused.text)")
            // Refused before the key is looked at.
            #expect(try await gateway.client.send(.post, "/v2/\(Self.model)", json: big).status == 413)

            _ = try await gateway.submit()
            _ = try await gateway.submit()
            let capped = try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.user, json: InProcessGateway.video())
            #expect(capped.status == 429 && capped.header("Retry-After") == "5")
            #expect(capped.error == "this API key already has 2 unfinished requests (at most 2); wait for one to finish")
            // Another key has its own cap.
            #expect(try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.other, json: InProcessGateway.video()).status == 200)
        }
    }

    @Test func rateLimitIs429WithItsHeaders() async throws {
        try await InProcessGateway.test(configure: { config in
            config.rateLimitPerMinute = 1
            config.rateLimitBurst = 2
        }) { gateway in
            for _ in 0..<2 {
                let reply = try await gateway.client.send(.get, "/v1/voices", key: gateway.keys.user)
                #expect(reply.status == 200 && reply.header("X-RateLimit-Limit") == "1")
            }
            let limited = try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.user, json: InProcessGateway.video())
            #expect(limited.status == 429)
            #expect(limited.error?.hasPrefix("rate limited: this key may make 1 requests a minute") == true, "\(limited.text)")
            #expect(limited.header("Retry-After").flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(limited.header("X-RateLimit-Remaining") == "0" && limited.header("X-RateLimit-Reset") != nil)
            // Each key has its own bucket.
            #expect(try await gateway.client.send(.get, "/v1/voices", key: gateway.keys.other).status == 200)
        }
    }

    @Test func creditsShortIs406AndNothingIsReserved() async throws {
        try await InProcessGateway.test(configure: { $0.runsLocalEngine = false }) { gateway in
            let short = try await gateway.client.send(
                .post, "/v2/\(Self.model)", key: gateway.keys.metered, json: InProcessGateway.video(duration: 15))
            #expect(short.status == 406 && short.error == "insufficient credits: need 1.5, have 1")
            let balance = try await gateway.client.send(.get, "/v1/get-user-credits", key: gateway.keys.metered)
            #expect(balance.json["credits"] as? Double == 1)
            let fits = try await gateway.client.send(.post, "/v2/\(Self.model)", key: gateway.keys.metered, json: InProcessGateway.video())
            #expect(fits.status == 200 && fits.header("x-remaining-credits") == "0.7")
        }
    }

    @Test func idempotencyKeysWebhooksAndVoicesAreChecked() async throws {
        try await InProcessGateway.test(configure: { $0.runsLocalEngine = false }) { gateway in
            let client = gateway.client, key = gateway.keys.user
            let tooLong = try await client.send(
                .post, "/v2/\(Self.model)", key: key, json: InProcessGateway.video(),
                headers: ["Idempotency-Key": String(repeating: "k", count: 256)])
            #expect(tooLong.status == 400 && tooLong.error == "Idempotency-Key must be 1 to 255 characters")
            let first = try await client.send(
                .post, "/v2/\(Self.model)", key: key, json: InProcessGateway.video(), headers: ["Idempotency-Key": "one"])
            let again = try await client.send(
                .post, "/v2/\(Self.model)", key: key, json: InProcessGateway.video(), headers: ["Idempotency-Key": "one"])
            #expect(first.status == 200 && again.json["request_id"] as? String == first.json["request_id"] as? String)
            let conflict = try await client.send(
                .post, "/v2/\(Self.model)", key: key, json: InProcessGateway.video("another"), headers: ["Idempotency-Key": "one"])
            #expect(conflict.status == 409, "\(conflict.text)")
            // A replay answers the job's current state, as the published schema allows.
            let id = try #require(first.json["request_id"] as? String)
            #expect(try await client.send(.post, "/v2/requests/\(id)/cancel", key: key).status == 200)
            let replayed = try await client.send(
                .post, "/v2/\(Self.model)", key: key, json: InProcessGateway.video(), headers: ["Idempotency-Key": "one"])
            #expect(replayed.json["status"] as? String == "CANCELLED", "\(replayed.text)")
            let schema = try #require(AnswerContractTests.checker.responseSchema(path: "/v2/\(Self.model)", method: "POST", status: 200))
            #expect(AnswerContractTests.checker.problems(try JSONValue.parse(replayed.body), against: schema).isEmpty)

            let ftp = try await client.send(.post, "/v2/\(Self.model)?webhook=ftp://example.com/x", key: key, json: InProcessGateway.video())
            #expect(ftp.status == 400 && ftp.error?.contains("webhook") == true, "\(ftp.text)")
            let loopback = try await client.send(
                .post, "/v2/\(Self.model)?webhook=http://127.0.0.1:9/hook", key: key, json: InProcessGateway.video())
            #expect(loopback.status == 400 && loopback.error?.contains("webhook") == true, "\(loopback.text)")

            var withVoice = InProcessGateway.video()
            withVoice["voice_ids"] = ["voice_missing"]
            let voice = try await client.send(.post, "/v2/\(Self.model)", key: key, json: withVoice)
            #expect(voice.status == 400)
            #expect(voice.error == "voice_ids[0]: voice 'voice_missing' not found (unknown, deleted, or made with another API key)")
        }
    }

    /// What a model's engine cannot honour is refused at submit, before any credit moves.
    @Test func unsupportedParametersAreRefusedBeforeCreditsMove() async throws {
        try await InProcessGateway.test { gateway in
            let image = "https://example.com/a.jpg"
            for (field, value) in [("elements", [["frontal_image_url": image]] as Any), ("voice_ids", ["v1"] as Any)] {
                let reply = try await gateway.client.send(
                    .post, "/v2/\(ModelCatalog.ltx2ImageToVideo)", key: gateway.keys.metered,
                    json: ["prompt": "x", "start_image_url": image, field: value])
                #expect(reply.status == 400 && reply.error?.hasPrefix("\(field) is not supported by ltx-2-image2video") == true, "\(reply.text)")
            }
            let credits = try await gateway.client.send(.get, "/v1/get-user-credits", key: gateway.keys.metered)
            #expect(credits.json["credits"] as? Double == 1)
            let history = try await gateway.client.send(.get, "/v1/requests", key: gateway.keys.metered)
            #expect(history.json["total"] as? Int == 0)
        }
    }
}
