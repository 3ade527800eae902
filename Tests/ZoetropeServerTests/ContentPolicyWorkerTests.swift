import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// The content policy in front of remote workers, on SQLite and on PostgreSQL: a blocked request
/// is never handed to a worker that long-polls for work, ends FAILED with its credits back and
/// its inputs gone; a clean one is handed over once its screen has passed.
struct ContentPolicyWorkerTests {
    @Test(arguments: TestDatabase.all) func blockedRequestsNeverReachAWorker(database: TestDatabase) async throws {
        var token = "", metered = ""
        let server = try await TestServer.start(
            database: database, configure: { $0.runsLocalEngine = false },
            prepare: { store, _ in
                token = try await APIKeyGenerator.create(name: "farm", in: store, options: KeyOptions(role: .worker)).1
                metered = try await APIKeyGenerator.create(
                    name: "metered", in: store, options: KeyOptions(credits: Credits("2")!)).1
            })
        defer { Task { await server.stopAndClean() } }
        let image = try ImageServer.testImage(width: 320, height: 180)
        let workerToken = token
        let waiting = Task {
            try await WorkerProtocolTests.call(
                server, "/v1/worker/lease", token: workerToken,
                ["protocol_version": 2, "worker_id": "w-1", "models": [WorkerProtocolTests.model], "wait_seconds": 3])
        }
        let submitted = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(WorkerProtocolTests.model)", apiKey: metered,
            json: ["prompt": "a n.a.k.e.d dancer", "start_image_url": image.base64EncodedString(), "duration": "3"])
        #expect(submitted.status == 200)
        let id = try #require(submitted.json["request_id"] as? String)
        let status = try await HTTPTestClient.waitForTerminal(
            "\(server.baseURL)/v2/requests/\(id)/status", apiKey: metered, timeout: 30)
        #expect(status.status == 422)
        #expect(status.json["status"] as? String == "FAILED")
        #expect(status.error == "content policy: sexual content (in prompt)")
        #expect(try await waiting.value.status == 204, "the worker was handed nothing")
        let credits = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/get-user-credits", apiKey: metered)
        #expect(credits.json["credits"] as? Double == 2)
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: server.configuration.outputsDirectory.path)) ?? []
        #expect(!stored.contains { $0.contains(id) }, "the blocked request's inputs are deleted")

        let clean = try await WorkerProtocolTests.submit(server, image: image)
        let lease = try await WorkerProtocolTests.call(
            server, "/v1/worker/lease", token: token,
            ["protocol_version": 2, "worker_id": "w-1", "models": [WorkerProtocolTests.model], "wait_seconds": 10])
        #expect(lease.status == 200 && lease.json["id"] as? String == clean, "\(lease.json)")
    }
}
