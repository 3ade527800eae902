import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// `ltx-2-image2video`: listed with `kling-3-pro-image2video`'s parameters, validated like it at submit, and
/// run only by remote workers — the gateway's own render slots leave its jobs queued.
struct RemoteModelTests {
    static let model = "ltx-2-image2video"

    @Test func remoteOnlyModelWaitsForAWorkerWhileLocalSlotsRunTheirOwn() async throws {
        var token = ""
        let server = try await TestServer.start(prepare: { store, _ in
            token = try await APIKeyGenerator.create(name: "gpu", in: store, options: KeyOptions(role: .worker)).1
        })
        defer { Task { await server.stopAndClean() } }
        let image = try ImageServer.testImage(width: 320, height: 180).base64EncodedString()

        let models = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/models")
        let listed = try #require((models.json["models"] as? [[String: Any]])?.first { $0["slug"] as? String == Self.model })
        #expect(listed["engine"] as? String == "remote-worker")
        #expect(((listed["parameters"] as? [String: Any])?["properties"] as? [String: Any])?["end_image_url"] != nil)

        // Validated at submit like kling-3-pro-image2video.
        let bad = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": image, "duration": "99"])
        #expect(bad.status == 400 && bad.error?.contains("duration") == true, "\(bad.json)")

        let remote = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "a cat turns its head", "start_image_url": image, "duration": "3"])
        let remoteID = try #require(remote.json["request_id"] as? String, "\(remote.json)")
        // A job of the built-in model, submitted after it, completes on the local slot first.
        let local = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/kling-3-pro-image2video", apiKey: server.apiKey,
            json: ["prompt": "a push in", "start_image_url": image, "duration": "3"])
        let localStatus = try #require(local.json["status_url"] as? String)
        let finished = try await HTTPTestClient.waitForTerminal(localStatus, apiKey: server.apiKey)
        #expect(finished.json["status"] as? String == "COMPLETED", "\(finished.json)")
        let waiting = try await HTTPTestClient.send(
            .GET, "\(server.baseURL)/v2/requests/\(remoteID)/status", apiKey: server.apiKey)
        #expect(waiting.json["status"] as? String == "QUEUED", "\(waiting.json)")

        // A worker serving the model leases it, with the request and a link to its image.
        let lease = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/worker/lease", apiKey: token,
            json: ["protocol_version": 2, "worker_id": "gpu-0", "models": [Self.model], "wait_seconds": 5])
        #expect(lease.status == 200 && lease.json["id"] as? String == remoteID, "\(lease.json)")
        #expect(lease.json["model"] as? String == Self.model)
        #expect((lease.json["request"] as? [String: Any])?["duration"] as? Int == 3)
        #expect((lease.json["inputs"] as? [String: String])?.keys.sorted() == ["start_image_url"])
    }
}
