import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import ZoetropeCore
import ZoetropeStore

/// Control over requests: cancel, idempotent submits, history, and the status stream.
@Suite(.serialized)
struct ControlTests {
    static let model = "kling-3-pro-image2video"

    static func body(duration: Int, prompt: String = "slow push in") throws -> [String: Any] {
        ["prompt": prompt, "duration": String(duration), "generate_audio": false,
         "start_image_url": "data:image/jpeg;base64," + (try ImageServer.testImage(width: 640, height: 360)).base64EncodedString()]
    }

    /// Files under the server's outputs directory (finished and partial).
    static func outputFiles(_ server: TestServer) -> [String] {
        let root = server.configuration.outputsDirectory
        let names = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String]) ?? []
        return names.filter { !$0.hasSuffix("/") && $0.contains(".mp4") }
    }

    @Test(arguments: TestDatabase.all) func cancelStopsQueuedAndRunningJobsAndKeepsNothing(database: TestDatabase) async throws {
        let server = try await TestServer.start(database: database)
        defer { Task { await server.stopAndClean() } }
        let submitURL = "\(server.baseURL)/v2/\(Self.model)"
        let long = try await HTTPTestClient.send(.POST, submitURL, apiKey: server.apiKey, json: try Self.body(duration: 15))
        let waiting = try await HTTPTestClient.send(.POST, submitURL, apiKey: server.apiKey, json: try Self.body(duration: 3))
        let longID = try #require(long.json["request_id"] as? String)
        let waitingID = try #require(waiting.json["request_id"] as? String)

        // The long one renders (one slot), the other waits.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let status = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(longID)/status", apiKey: server.apiKey)
            if status.json["status"] as? String == "PROCESSING", (status.json["progress"] as? Double ?? 0) > 0.05 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let queued = try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/requests/\(waitingID)/cancel", apiKey: server.apiKey)
        #expect(queued.status == 200)
        #expect(queued.json["status"] as? String == "CANCELLED")
        let running = try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/requests/\(longID)/cancel", apiKey: server.apiKey)
        #expect(running.status == 200)
        #expect(running.json["status"] as? String == "CANCELLED")

        // The render stops and leaves no file; the slot is free for the next job.
        let next = try await HTTPTestClient.send(.POST, submitURL, apiKey: server.apiKey, json: try Self.body(duration: 3))
        let nextStatus = try await HTTPTestClient.waitForTerminal(
            try #require(next.json["status_url"] as? String), apiKey: server.apiKey, timeout: 120)
        #expect(nextStatus.json["status"] as? String == "COMPLETED")
        let files = Self.outputFiles(server)
        #expect(files.count == 1 && files.allSatisfy { $0.hasPrefix(try! #require(next.json["request_id"] as? String)) }, "\(files)")
        for id in [longID, waitingID] {
            let result = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)", apiKey: server.apiKey)
            #expect(result.json["status"] as? String == "CANCELLED")
            #expect(result.json["output"] == nil)
            // Cancelling a finished request is a conflict.
            let again = try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/requests/\(id)/cancel", apiKey: server.apiKey)
            #expect(again.status == 409)
            #expect(again.error?.contains("CANCELLED") == true)
        }
        #expect(try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/requests/nope/cancel", apiKey: server.apiKey).status == 404)
    }

    @Test(arguments: TestDatabase.all) func idempotencyKeyReturnsTheSameRequestOrConflicts(database: TestDatabase) async throws {
        let server = try await TestServer.start(database: database)
        defer { Task { await server.stopAndClean() } }
        let submitURL = "\(server.baseURL)/v2/\(Self.model)"
        let body = try JSONSerialization.data(withJSONObject: try Self.body(duration: 3))
        let apiKey = server.apiKey
        @Sendable func submit(_ key: String, _ json: Data) async throws -> HTTPReply {
            var request = HTTPClientRequest(url: submitURL)
            request.method = .POST
            request.headers.add(name: "x-api-key", value: apiKey)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Idempotency-Key", value: key)
            request.body = .bytes(ByteBuffer(bytes: json))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            let data = try await response.body.collect(upTo: 1 << 20)
            return HTTPReply(status: Int(response.status.code), headers: response.headers, body: Data(data.readableBytesView))
        }
        // Concurrent retries of one submit all get the one request.
        let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for _ in 0..<5 { group.addTask { try await submit("order-42", body) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ids = Set(replies.compactMap { $0.json["request_id"] as? String })
        #expect(replies.allSatisfy { $0.status == 200 })
        #expect(ids.count == 1)
        var other = try JSONSerialization.jsonObject(with: body) as! [String: Any]
        other["prompt"] = "pan left"
        let conflict = try await submit("order-42", try JSONSerialization.data(withJSONObject: other))
        #expect(conflict.status == 409)
        #expect(conflict.error?.contains("Idempotency-Key 'order-42'") == true)
        // Another key is another request.
        let fresh = try await submit("order-43", body)
        #expect(fresh.json["request_id"] as? String != ids.first)
        let history = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests", apiKey: server.apiKey)
        #expect(history.json["total"] as? Int == 2)
    }

    @Test(arguments: TestDatabase.all) func historyListsOwnRequestsWithFiltersAndPages(database: TestDatabase) async throws {
        var otherKey = ""
        let server = try await TestServer.start(database: database, prepare: { store, _ in
            otherKey = try await APIKeyGenerator.create(name: "other", in: store).1
        })
        defer { Task { await server.stopAndClean() } }
        let submitURL = "\(server.baseURL)/v2/\(Self.model)"
        var ids: [String] = []
        for duration in [3, 4, 3] {
            let reply = try await HTTPTestClient.send(.POST, submitURL, apiKey: server.apiKey, json: try Self.body(duration: duration))
            ids.append(try #require(reply.json["request_id"] as? String))
        }
        for id in ids {
            _ = try await HTTPTestClient.waitForTerminal("\(server.baseURL)/v2/requests/\(id)/status", apiKey: server.apiKey)
        }
        let all = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests?per_page=2", apiKey: server.apiKey)
        #expect(all.status == 200)
        #expect(all.json["total"] as? Int == 3)
        let page1 = try #require(all.json["requests"] as? [[String: Any]])
        #expect(page1.map { $0["request_id"] as? String } == [ids[2], ids[1]])  // newest first
        let entry = page1[1]
        #expect(entry["status"] as? String == "COMPLETED")
        #expect((entry["output"] as? String)?.hasPrefix("\(server.baseURL)/files/") == true)
        #expect(entry["latency"] as? Double != nil)
        let inputs = try #require(entry["inputs"] as? [String: Any])
        #expect(inputs["start_image_url"] as? String == "(uploaded data)")
        #expect(inputs["duration"] as? String == "4")
        let page2 = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests?per_page=2&page=2", apiKey: server.apiKey)
        #expect((page2.json["requests"] as? [[String: Any]])?.map { $0["request_id"] as? String } == [ids[0]])
        let failed = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests?status=failed", apiKey: server.apiKey)
        #expect(failed.json["total"] as? Int == 0)
        let future = try await HTTPTestClient.send(
            .GET, "\(server.baseURL)/v1/requests?from=2100-01-01T00:00:00Z", apiKey: server.apiKey)
        #expect(future.json["total"] as? Int == 0)
        let mine = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests", apiKey: otherKey)
        #expect(mine.json["total"] as? Int == 0)
        let bad = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests?status=DONE", apiKey: server.apiKey)
        #expect(bad.status == 400)
        #expect(bad.error?.hasPrefix("status must be one of") == true)
    }

    @Test(arguments: TestDatabase.all) func statusStreamSendsChangesInOrderThenTheResult(database: TestDatabase) async throws {
        let server = try await TestServer.start(database: database)
        defer { Task { await server.stopAndClean() } }
        let submitted = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey, json: try Self.body(duration: 4))
        let id = try #require(submitted.json["request_id"] as? String)
        let stream = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)/stream", apiKey: server.apiKey)
        #expect(stream.status == 200)
        #expect(stream.headers.first(name: "Content-Type") == "text/event-stream")
        // The body ended by itself (the request returned): parse its events.
        var events: [(String, [String: Any])] = []
        for block in String(decoding: stream.body, as: UTF8.self).components(separatedBy: "\n\n") {
            var name = "", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard !name.isEmpty, let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { continue }
            events.append((name, object))
        }
        let statuses = events.filter { $0.0 == "status" }.map { $0.1 }
        #expect(statuses.count >= 3, "\(statuses.count) status events")
        #expect(statuses.last?["status"] as? String == "COMPLETED")
        // In order: progress never goes back, states only move forward.
        let progress = statuses.compactMap { $0["progress"] as? Double }
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0 <= $1 })
        let order = ["QUEUED", "PROCESSING", "COMPLETED"]
        let ranks = statuses.compactMap { order.firstIndex(of: $0["status"] as? String ?? "") }
        #expect(zip(ranks, ranks.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(events.last?.0 == "result")
        #expect((events.last?.1["output"] as? String)?.hasPrefix("\(server.baseURL)/files/") == true)
    }
}
