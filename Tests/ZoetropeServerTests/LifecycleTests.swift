import AsyncHTTPClient
import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// Retention and crash recovery, against a real server (signed links' refusals are in
/// `SystemRouteTests`, in process).
@Suite(.serialized)
struct LifecycleTests {
    static let model = "kling-3-pro-image2video"

    /// Renders one short clip and returns (request id, status URL, response URL, output URL).
    static func renderOne(on server: TestServer) async throws -> (String, String, String, String) {
        let image = try ImageServer.testImage(width: 640, height: 360)
        let submit = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": image.base64EncodedString(), "duration": "3", "generate_audio": false])
        let id = try #require(submit.json["request_id"] as? String)
        let statusURL = try #require(submit.json["status_url"] as? String)
        let responseURL = try #require(submit.json["response_url"] as? String)
        let final = try await HTTPTestClient.waitForTerminal(statusURL, apiKey: server.apiKey)
        #expect(final.json["status"] as? String == "COMPLETED", "\(final.json)")
        let result = try await HTTPTestClient.send(.GET, responseURL, apiKey: server.apiKey)
        return (id, statusURL, responseURL, try #require(result.json["output"] as? String))
    }

    @Test func resultsExpireAfterRetention() async throws {
        // Long enough for the render to finish and be read even while other suites render in
        // parallel on a 2-core machine; the wait below covers it.
        let server = try await TestServer.start(configure: {
            $0.retention = 45
            $0.expiryInterval = 0.25
        })
        defer { Task { await server.stopAndClean() } }
        let (id, statusURL, responseURL, output) = try await Self.renderOne(on: server)
        let outputsBefore = try FileManager.default.contentsOfDirectory(atPath: server.configuration.outputsDirectory.path)
        #expect(outputsBefore.contains { $0.hasPrefix(id) })

        // Wait for the retention (counted from submission) and a sweep.
        let deadline = Date().addingTimeInterval(150)
        var status = try await HTTPTestClient.send(.GET, statusURL, apiKey: server.apiKey)
        while status.status != 404 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(250))
            status = try await HTTPTestClient.send(.GET, statusURL, apiKey: server.apiKey)
        }
        #expect(status.status == 404)
        #expect(try await HTTPTestClient.send(.GET, responseURL, apiKey: server.apiKey).status == 404)
        // The genuine link of an expired result is 404, and its file is gone.
        let file = try await HTTPTestClient.send(.GET, output)
        #expect(file.status == 404)
        let outputsAfter = try FileManager.default.contentsOfDirectory(atPath: server.configuration.outputsDirectory.path)
        #expect(!outputsAfter.contains { $0.hasPrefix(id) })
    }

    @Test func jobLeftProcessingByADeadProcessCompletesAfterRestart() async throws {
        let image = try ImageServer.testImage(width: 640, height: 360)
        var orphanID = ""
        var keySecret = ""
        // A process leased a job and died: the row says PROCESSING with a lease that has run out.
        let server = try await TestServer.start(prepare: { store, config in
            keySecret = try await APIKeyGenerator.create(name: "owner", in: store).1
            let key = try #require(try await store.key(hash: APIKeyGenerator.hash(keySecret)))
            let queue = JobQueue(store: store, blobs: try TestServer.localBlobs(config))
            let request = GenerationRequest(prompt: "x", startImage: .inline(image), duration: 3, generateAudio: false)
            let job = try await queue.submit(model: Self.model, request: .video(request), apiKeyID: key.id)
            orphanID = job.id
            let leased = try await store.lease(
                models: [Self.model], owner: "dead-process", expiresAt: Date().addingTimeInterval(-1), now: Date())
            #expect(leased?.id == job.id)
            #expect(leased?.status == .processing)
        })
        defer { Task { await server.stopAndClean() } }
        let statusURL = "\(server.baseURL)/v2/requests/\(orphanID)/status"
        let final = try await HTTPTestClient.waitForTerminal(statusURL, apiKey: keySecret)
        #expect(final.json["status"] as? String == "COMPLETED", "\(final.json)")
        let result = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(orphanID)", apiKey: keySecret)
        let metrics = try #require(result.json["metrics"] as? [String: Any])
        #expect(metrics["retry_count"] as? Int == 1)
    }

    @Test func jobWhoseLastAttemptWasLostEndsFailedWithAReason() async throws {
        var orphanID = ""
        var keySecret = ""
        let server = try await TestServer.start(prepare: { store, config in
            keySecret = try await APIKeyGenerator.create(name: "owner", in: store).1
            let key = try #require(try await store.key(hash: APIKeyGenerator.hash(keySecret)))
            let queue = JobQueue(store: store, blobs: try TestServer.localBlobs(config), maxAttempts: 1)
            let request = GenerationRequest(prompt: "x", startImage: .inline(Data([1, 2, 3])), duration: 3)
            orphanID = try await queue.submit(model: Self.model, request: .video(request), apiKeyID: key.id).id
            _ = try await store.lease(
                models: [Self.model], owner: "dead-process", expiresAt: Date().addingTimeInterval(-1), now: Date())
        })
        defer { Task { await server.stopAndClean() } }
        let final = try await HTTPTestClient.waitForTerminal(
            "\(server.baseURL)/v2/requests/\(orphanID)/status", apiKey: keySecret, timeout: 30)
        #expect(final.status == 422)
        #expect(final.error?.contains("interrupted") == true, "\(final.json)")
    }

    @Test func restartKeepsCompletedResultsAndKeys() async throws {
        let first = try await TestServer.start()
        let (id, _, _, _) = try await Self.renderOne(on: first)
        await first.stop()
        let second = try await TestServer.start(dataDirectory: first.dataDirectory)
        defer { Task { await second.stopAndClean() } }
        // The first server's key still works, and the result (with a fresh link) is still there.
        let result = try await HTTPTestClient.send(.GET, "\(second.baseURL)/v2/requests/\(id)", apiKey: first.apiKey)
        #expect(result.status == 200)
        #expect(result.json["status"] as? String == "COMPLETED")
        let output = try #require(result.json["output"] as? String)
        #expect(output.hasPrefix(second.baseURL))
        #expect(try await HTTPTestClient.send(.GET, output).status == 200)
    }
}
