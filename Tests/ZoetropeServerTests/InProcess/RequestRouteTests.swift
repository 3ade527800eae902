import Foundation
import Testing
import ZoetropeCore

/// A caller's requests in process: status, result, stream, cancel and history, for queued,
/// completed, failed and cancelled requests, and their refusals (401, 403, 404, 405, 409, 422, 400).
struct RequestRouteTests {
    @Test func failedRequestsAre422WithTheReasonEverywhere() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, key = gateway.keys.user
            let id = try await gateway.submit(InProcessGateway.video("[fail] a pan"))
            let status = try await client.waitForEnd(id, key: key)
            #expect(status.status == 422 && status.json["status"] as? String == "FAILED")
            #expect(status.error == StubEngine.failure)
            let result = try await client.send(.get, "/v2/requests/\(id)", key: key)
            #expect(result.status == 422 && result.error == StubEngine.failure && result.json["output"] == nil)
            #expect((result.json["metrics"] as? [String: Any])?["cost"] == nil)
            #expect(result.json["completed_at"] is String)
            // Ended requests cannot be cancelled.
            let cancel = try await client.send(.post, "/v2/requests/\(id)/cancel", key: key)
            #expect(cancel.status == 409)
            #expect(cancel.error == "request \(id) is FAILED; only QUEUED or PROCESSING requests can be cancelled")
        }
    }

    @Test func queuedRequestsShowTheirPlaceAndCancelOnce() async throws {
        try await InProcessGateway.test(configure: { $0.runsLocalEngine = false }) { gateway in
            let client = gateway.client, key = gateway.keys.user
            let first = try await gateway.submit()
            let second = try await gateway.submit()
            let status = try await client.send(.get, "/v2/requests/\(second)/status", key: key)
            #expect(status.status == 200 && status.json["queue_position"] as? Int == 2)
            #expect(Set(status.json.keys) == ["request_id", "status", "progress", "queue_position", "created_at", "updated_at"])
            let result = try await client.send(.get, "/v2/requests/\(first)", key: key)
            #expect(result.status == 200 && result.json["status"] as? String == "QUEUED")
            // `completed_at` is null (not absent) until the job ends.
            #expect(result.text.contains("\"completed_at\":null"))

            let cancelled = try await client.send(.post, "/v2/requests/\(first)/cancel", key: key)
            #expect(cancelled.status == 200 && cancelled.json["status"] as? String == "CANCELLED")
            #expect(cancelled.error == "cancelled by the client")
            let again = try await client.send(.post, "/v2/requests/\(first)/cancel", key: key)
            #expect(again.status == 409 && again.error?.contains("is CANCELLED") == true)
            try await Task.sleep(for: .milliseconds(600))  // positions come from a snapshot up to 0.5 s old
            let after = try await client.send(.get, "/v2/requests/\(second)/status", key: key)
            #expect(after.json["queue_position"] as? Int == 1)
            // Cancel is a POST; status a GET.
            #expect(try await client.send(.get, "/v2/requests/\(first)/cancel", key: key).status == 405)
            #expect(try await client.send(.post, "/v2/requests/\(first)/status", key: key).status == 405)
            #expect(try await client.send(.delete, "/v2/requests/\(first)", key: key).status == 405)
        }
    }

    @Test func aRunningRenderIsCancelled() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, key = gateway.keys.user
            let id = try await gateway.submit(InProcessGateway.video("[hold] a long take"))
            let deadline = Date().addingTimeInterval(10)
            while try await client.send(.get, "/v2/requests/\(id)/status", key: key).json["status"] as? String != "PROCESSING" {
                guard Date() < deadline else { throw TestFailure("the job never started") }
                try await Task.sleep(for: .milliseconds(20))
            }
            let cancelled = try await client.send(.post, "/v2/requests/\(id)/cancel", key: key)
            #expect(cancelled.status == 200 && cancelled.json["status"] as? String == "CANCELLED")
            let result = try await client.send(.get, "/v2/requests/\(id)", key: key)
            #expect(result.status == 200 && result.error == "cancelled by the client" && result.json["output"] == nil)
        }
    }

    @Test func theStreamSendsStatusThenTheResultAndEnds() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, key = gateway.keys.user
            let id = try await gateway.submit()
            _ = try await client.waitForEnd(id, key: key)
            let stream = try await client.send(.get, "/v2/requests/\(id)/stream", key: key)
            #expect(stream.status == 200 && stream.header("Content-Type") == "text/event-stream")
            #expect(stream.header("Cache-Control") == "no-cache")
            let events = stream.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count == 2, "\(stream.text)")
            #expect(events.first?.hasPrefix("event: status\ndata: {") == true)
            #expect(events.last?.hasPrefix("event: result\ndata: {") == true)
            let result = try #require(events.last?.components(separatedBy: "data: ").last)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
            #expect(body["status"] as? String == "COMPLETED" && body["output"] is String)

            #expect(try await client.send(.get, "/v2/requests/nope/stream", key: key).status == 404)
            #expect(try await client.send(.get, "/v2/requests/\(id)/stream").status == 401)
            #expect(try await client.send(.get, "/v2/requests/\(id)/stream", key: gateway.keys.submitOnly).status == 403)
        }
    }

    @Test func submitOnlyKeysMayNotReadAndReadOnlyKeysMayNotCancel() async throws {
        try await InProcessGateway.test(configure: { $0.runsLocalEngine = false }) { gateway in
            let client = gateway.client, keys = gateway.keys
            let id = try await gateway.submit()
            for path in ["/v2/requests/\(id)/status", "/v2/requests/\(id)", "/v1/requests", "/v2/requests/\(id)/webhooks"] {
                let reply = try await client.send(.get, path, key: keys.submitOnly)
                #expect(reply.status == 403 && reply.error?.hasPrefix("this API key may only submit") == true, "\(path)")
            }
            let cancel = try await client.send(.post, "/v2/requests/\(id)/cancel", key: keys.readOnly)
            #expect(cancel.status == 403 && cancel.error?.contains("read-only") == true)
            #expect(try await client.send(.post, "/v2/requests/\(id)/cancel").status == 401)
            #expect(try await client.send(.get, "/v2/requests/\(id)/status", key: keys.worker).status == 403)
        }
    }

    @Test func historyPagesFiltersAndRefusesBadQueries() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, key = gateway.keys.user
            let done = try await gateway.submit()
            let failed = try await gateway.submit(InProcessGateway.video("[fail] x"))
            _ = try await client.waitForEnd(done, key: key)
            _ = try await client.waitForEnd(failed, key: key)
            _ = try await gateway.submit(key: gateway.keys.other)

            let all = try await client.send(.get, "/v1/requests", key: key)
            #expect(all.status == 200)
            #expect(all.json["total"] as? Int == 2 && all.json["page"] as? Int == 1 && all.json["per_page"] as? Int == 20)
            let entries = try #require(all.json["requests"] as? [[String: Any]])
            #expect(entries.map { $0["request_id"] as? String } == [failed, done])
            let (failure, success) = (entries[0], entries[1])
            #expect(failure["error"] as? String == StubEngine.failure && failure["output"] == nil && failure["cost"] as? Int == 0)
            #expect(success["error"] == nil && (success["output"] as? String)?.contains("/files/") == true)
            #expect(success["cost"] as? Double == 0.3 && success["latency"] is Double)
            let inputs = try #require(success["inputs"] as? [String: Any])
            #expect(inputs["start_image_url"] as? String == "(uploaded data)" && inputs["duration"] as? String == "3")

            let page = try await client.send(.get, "/v1/requests?status=completed&per_page=1&page=1", key: key)
            #expect(page.json["total"] as? Int == 1 && (page.json["requests"] as? [Any])?.count == 1)
            let empty = try await client.send(.get, "/v1/requests?model=nope", key: key)
            #expect(empty.json["total"] as? Int == 0 && (empty.json["requests"] as? [Any])?.isEmpty == true)

            for (query, name) in [
                ("status=DONE", "status"), ("page=0", "page"), ("per_page=101", "per_page"), ("per_page=x", "per_page"),
                ("from=yesterday", "from"), ("to=2026-13-01", "to"),
            ] {
                let reply = try await client.send(.get, "/v1/requests?\(query)", key: key)
                #expect(reply.status == 400 && reply.error?.hasPrefix("\(name) must be") == true, "\(query): \(reply.text)")
            }
            #expect(try await client.send(.get, "/v1/requests").status == 401)
            #expect(try await client.send(.post, "/v1/requests", key: key, json: [:]).status == 405)
        }
    }

    @Test func aMeteredKeySeesItsBalanceInTheResult() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, key = gateway.keys.metered
            let id = try await gateway.submit(key: key)
            _ = try await client.waitForEnd(id, key: key)
            let result = try await client.send(.get, "/v2/requests/\(id)", key: key)
            let metrics = try #require(result.json["metrics"] as? [String: Any])
            #expect(metrics["cost"] as? Double == 0.3 && metrics["remaining_credits"] as? Double == 0.7)
            #expect(result.header("x-remaining-credits") == "0.7")
        }
    }
}
