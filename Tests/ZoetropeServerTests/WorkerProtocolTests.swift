import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// The worker protocol as a remote worker speaks it, against a gateway with no render slots of
/// its own: who may call it, long-poll leases with signed input and upload links, heartbeats,
/// completion, failure, hand-back, and the 409 a worker gets once its lease is gone.
struct WorkerProtocolTests {
    static let model = "kling-3-pro-image2video"

    static func submit(_ server: TestServer, image: Data) async throws -> String {
        let reply = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(model)", apiKey: server.apiKey,
            json: ["prompt": "a push in", "start_image_url": image.base64EncodedString(), "duration": "3"])
        #expect(reply.status == 200, "\(reply.json)")
        return try #require(reply.json["request_id"] as? String)
    }

    static func call(_ server: TestServer, _ path: String, token: String, _ body: [String: Any]) async throws -> HTTPReply {
        try await HTTPTestClient.send(.POST, "\(server.baseURL)\(path)", apiKey: token, json: body)
    }

    @Test(arguments: TestDatabase.all) func leaseHeartbeatUploadCompleteFailReleaseAndLostLeases(database: TestDatabase) async throws {
        var token = ""
        let server = try await TestServer.start(
            database: database, configure: { $0.runsLocalEngine = false },
            prepare: { store, _ in
                token = try await APIKeyGenerator.create(name: "farm", in: store, options: KeyOptions(role: .worker)).1
            })
        defer { Task { await server.stopAndClean() } }
        let image = try ImageServer.testImage(width: 320, height: 180)
        // Long polls: a job is leasable once the content policy's screen passed it, just after its submit.
        let me = ["protocol_version": 2, "worker_id": "w-1", "models": [Self.model], "wait_seconds": 10] as [String: Any]

        // Who may speak it: worker tokens only, and they may do nothing else.
        #expect(try await Self.call(server, "/v1/worker/lease", token: server.apiKey, me).status == 403)
        let asUser = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests", apiKey: token)
        #expect(asUser.status == 403)
        #expect(asUser.error?.contains("worker") == true)
        // Bad leases name the field.
        let unknown = try await Self.call(
            server, "/v1/worker/lease", token: token, ["protocol_version": 2, "worker_id": "w-1", "models": ["nope"]])
        #expect(unknown.status == 400 && unknown.error?.contains("unknown model 'nope'") == true, "\(unknown.json)")
        let noWorker = try await Self.call(server, "/v1/worker/lease", token: token, ["protocol_version": 2, "models": [Self.model]])
        #expect(noWorker.status == 400 && noWorker.error?.contains("worker_id") == true, "\(noWorker.json)")
        let badWorker = try await Self.call(
            server, "/v1/worker/lease", token: token, ["protocol_version": 2, "worker_id": "a b", "models": [Self.model]])
        #expect(badWorker.status == 400)
        // Nothing queued: a long poll ends 204.
        #expect(try await Self.call(server, "/v1/worker/lease", token: token, me.merging(["wait_seconds": 0.3]) { $1 }).status == 204)

        // A job submitted while a worker long-polls is handed to it, with a signed link to its input.
        let workerToken = token
        let waiting = Task {
            try await Self.call(
                server, "/v1/worker/lease", token: workerToken,
                ["protocol_version": 2, "worker_id": "w-1", "models": [Self.model], "wait_seconds": 20])
        }
        try await Task.sleep(for: .milliseconds(300))
        let id = try await Self.submit(server, image: image)
        let lease = try await waiting.value
        #expect(lease.status == 200, "\(lease.json)")
        #expect(lease.json["id"] as? String == id)
        #expect(lease.json["attempt"] as? Int == 1)
        #expect(lease.json["protocol_version"] as? Int == 2)
        // The request in public names, its uploaded image as a signed link listed in inputs by field path.
        let inputs = try #require(lease.json["inputs"] as? [String: String])
        #expect(Array(inputs.keys) == ["start_image_url"])
        let inputURL = try #require(inputs["start_image_url"])
        let leased = try #require(lease.json["request"] as? [String: Any])
        #expect(leased["start_image_url"] as? String == inputURL)
        #expect(leased["duration"] as? Int == 3 && leased["prompt"] as? String == "a push in")
        #expect(leased["negative_prompt"] as? String == GenerationRequest.defaultNegativePrompt)
        #expect((lease.json["voices"] as? [Any])?.isEmpty == true)
        #expect(try await HTTPTestClient.send(.GET, inputURL).body == image)
        let upload = try #require(lease.json["upload"] as? [String: Any])
        let uploadURL = try #require(upload["url"] as? String)
        let key = try #require(upload["key"] as? String)

        // Heartbeats: progress shows to the client; another worker id has no lease.
        let beat = try await Self.call(server, "/v1/worker/jobs/\(id)/heartbeat", token: token, ["worker_id": "w-1", "progress": 0.5])
        #expect(beat.status == 200 && beat.json["lease_expires_at"] != nil, "\(beat.json)")
        let status = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)/status", apiKey: server.apiKey)
        #expect(status.json["status"] as? String == "PROCESSING")
        #expect(status.json["progress"] as? Double == 0.5)
        let stranger = try await Self.call(server, "/v1/worker/jobs/\(id)/heartbeat", token: token, ["worker_id": "w-2", "progress": 0.9])
        #expect(stranger.status == 409 && stranger.error?.contains("lease lost") == true, "\(stranger.json)")

        // Completion needs the upload first, to the lease's own key; a tampered upload link is refused.
        let early = try await Self.call(server, "/v1/worker/jobs/\(id)/complete", token: token, ["worker_id": "w-1", "output_key": key])
        #expect(early.status == 409 && early.error?.contains("no video was uploaded") == true, "\(early.json)")
        let wrongKey = try await Self.call(server, "/v1/worker/jobs/\(id)/complete", token: token, ["worker_id": "w-1", "output_key": "x.mp4"])
        #expect(wrongKey.status == 409)
        // What the job asked for: 3 s of 16:9 with audio.
        let video = try await TestVideo.mp4()
        let tampered = uploadURL.replacingOccurrences(of: "signature=", with: "signature=00")
        #expect(try await HTTPTestClient.send(.PUT, tampered, body: video).status == 403)
        #expect(try await HTTPTestClient.send(.PUT, uploadURL, body: video, contentType: "video/mp4").status == 200)
        let done = try await Self.call(server, "/v1/worker/jobs/\(id)/complete", token: token, ["worker_id": "w-1", "output_key": key])
        #expect(done.status == 200, "\(done.json)")
        let result = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)", apiKey: server.apiKey)
        #expect(result.json["status"] as? String == "COMPLETED")
        let output = try #require(result.json["output"] as? String)
        #expect(try await HTTPTestClient.send(.GET, output).body == video)
        // Its input is gone once it ended.
        #expect(try await HTTPTestClient.send(.GET, inputURL).status == 404)
        // A second completion has no lease.
        #expect(try await Self.call(server, "/v1/worker/jobs/\(id)/complete", token: token, ["worker_id": "w-1", "output_key": key]).status == 409)

        // A cancelled job: the worker's next heartbeat says so.
        let cancelled = try await Self.submit(server, image: image)
        #expect(try await Self.call(server, "/v1/worker/lease", token: token, me).json["id"] as? String == cancelled)
        #expect(try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/requests/\(cancelled)/cancel", apiKey: server.apiKey).status == 200)
        let afterCancel = try await Self.call(server, "/v1/worker/jobs/\(cancelled)/heartbeat", token: token, ["worker_id": "w-1", "progress": 0.1])
        #expect(afterCancel.status == 409 && afterCancel.error?.contains("CANCELLED") == true, "\(afterCancel.json)")

        // A failure's reason reaches the client; a hand-back queues the job again.
        let failing = try await Self.submit(server, image: image)
        #expect(try await Self.call(server, "/v1/worker/lease", token: token, me).json["id"] as? String == failing)
        #expect(try await Self.call(server, "/v1/worker/jobs/\(failing)/fail", token: token, ["worker_id": "w-1"]).status == 400)
        #expect(try await Self.call(server, "/v1/worker/jobs/\(failing)/fail", token: token, ["worker_id": "w-1", "error": "the GPU ran out of memory"]).status == 200)
        let failed = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(failing)/status", apiKey: server.apiKey)
        #expect(failed.status == 422 && failed.error == "the GPU ran out of memory", "\(failed.json)")

        let handedBack = try await Self.submit(server, image: image)
        #expect(try await Self.call(server, "/v1/worker/lease", token: token, me).json["id"] as? String == handedBack)
        #expect(try await Self.call(server, "/v1/worker/jobs/\(handedBack)/release", token: token, ["worker_id": "w-1"]).status == 200)
        let again = try await Self.call(
            server, "/v1/worker/lease", token: token, ["protocol_version": 2, "worker_id": "w-2", "models": [Self.model]])
        #expect(again.json["id"] as? String == handedBack)
        #expect(again.json["attempt"] as? Int == 1)

        // Operations: ready, and the metrics see the jobs and the workers.
        #expect(try await HTTPTestClient.send(.GET, "\(server.baseURL)/readyz").json["status"] as? String == "ready")
        let metrics = String(decoding: try await HTTPTestClient.send(.GET, "\(server.baseURL)/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"zoetrope_jobs{model="kling-3-pro-image2video",status="FAILED"} 1"#), "\(metrics)")
        #expect(metrics.contains("zoetrope_workers 2"), "\(metrics)")
    }

    /// An upload that is not the video asked for is refused with the reason and deleted, and its
    /// attempt fails: the job is leased again while attempts are left, then ends FAILED with that
    /// reason. A right upload on a later attempt completes the job.
    @Test(arguments: TestDatabase.all) func refusedUploadsFailTheAttemptUntilTheLastFailsTheJob(database: TestDatabase) async throws {
        var token = ""
        let server = try await TestServer.start(
            database: database, configure: { $0.runsLocalEngine = false },
            prepare: { store, _ in
                token = try await APIKeyGenerator.create(name: "farm", in: store, options: KeyOptions(role: .worker)).1
            })
        defer { Task { await server.stopAndClean() } }
        let blobs = try TestServer.localBlobs(server.configuration)
        // Long polls: a job is leasable once the content policy's screen passed it, just after its submit.
        let me = ["protocol_version": 2, "worker_id": "w-1", "models": [Self.model], "wait_seconds": 10] as [String: Any]
        let right = try await TestVideo.mp4()
        let refusals: [(upload: Data, reason: String)] = [
            (right.prefix(right.count / 2), "the worker's upload is not a playable MP4: "),
            (try await TestVideo.png(), "the worker's upload is not a playable MP4: its container is 'png_pipe'"),
            (try await TestVideo.mp4(width: 640, height: 360), "the worker's upload is 640×360; 1920×1080 was asked for"),
        ]

        /// Leases `id` (attempt `attempt`), uploads `video` and completes: the answer.
        func attempt(_ id: String, _ attempt: Int, uploading video: Data) async throws -> (HTTPReply, key: String) {
            let lease = try await Self.call(server, "/v1/worker/lease", token: token, me)
            #expect(lease.json["id"] as? String == id && lease.json["attempt"] as? Int == attempt, "\(lease.json)")
            let upload = try #require(lease.json["upload"] as? [String: Any])
            let key = try #require(upload["key"] as? String)
            let url = try #require(upload["url"] as? String)
            #expect(try await HTTPTestClient.send(.PUT, url, body: video, contentType: "video/mp4").status == 200)
            return (try await Self.call(server, "/v1/worker/jobs/\(id)/complete", token: token, ["worker_id": "w-1", "output_key": key]), key)
        }

        let image = try ImageServer.testImage(width: 320, height: 180)
        let id = try await Self.submit(server, image: image)
        for (index, refusal) in refusals.enumerated() {
            let (refused, key) = try await attempt(id, index + 1, uploading: refusal.upload)
            #expect(refused.status == 422, "\(refused.json)")
            let reason = try #require(refused.error)
            #expect(reason.hasPrefix(refusal.reason), "\(reason)")
            #expect(await blobs.size(key: key) == nil, "the refused upload \(key) was kept")
            // The lease is over: the worker can do nothing more with it.
            let again = try await Self.call(server, "/v1/worker/jobs/\(id)/complete", token: token, ["worker_id": "w-1", "output_key": key])
            #expect(again.status == 409, "\(again.json)")
            let status = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)/status", apiKey: server.apiKey)
            if index < refusals.count - 1 {
                #expect(status.json["status"] as? String == "QUEUED", "\(status.json)")
            } else {
                // The last attempt: FAILED, with the reason the worker was given.
                #expect(status.status == 422 && status.json["status"] as? String == "FAILED", "\(status.json)")
                #expect(status.error == reason)
            }
        }
        #expect(try await Self.call(server, "/v1/worker/lease", token: token, me.merging(["wait_seconds": 0]) { $1 }).status == 204)

        // A refused upload, then the right one: the job completes on its second attempt.
        let second = try await Self.submit(server, image: image)
        let (short, _) = try await attempt(second, 1, uploading: try await TestVideo.mp4(frames: 48))
        #expect(short.status == 422 && short.error == "the worker's upload has 48 frames; 72 were asked for", "\(short.json)")
        let (done, key) = try await attempt(second, 2, uploading: right)
        #expect(done.status == 200 && done.json["status"] as? String == "COMPLETED", "\(done.json)")
        let result = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(second)", apiKey: server.apiKey)
        #expect(result.json["status"] as? String == "COMPLETED")
        #expect((result.json["metrics"] as? [String: Any])?["retry_count"] as? Int == 1, "\(result.json)")
        let output = try #require(result.json["output"] as? String)
        #expect(output.contains(key))
        #expect(try await HTTPTestClient.send(.GET, output).body == right)
    }

    /// A worker that speaks another protocol version is told which one to speak, before anything else.
    @Test func leasesWithoutProtocolVersion2AreRefusedNamingIt() async throws {
        var token = ""
        let server = try await TestServer.start(
            database: .sqlite, configure: { $0.runsLocalEngine = false },
            prepare: { store, _ in
                token = try await APIKeyGenerator.create(name: "farm", in: store, options: KeyOptions(role: .worker)).1
            })
        defer { Task { await server.stopAndClean() } }
        let lease = ["worker_id": "w-1", "models": [Self.model]] as [String: Any]
        let missing = try await Self.call(server, "/v1/worker/lease", token: token, lease)
        #expect(missing.status == 400, "\(missing.json)")
        #expect(missing.error == #"worker protocol version 1 is not spoken by this gateway; send "protocol_version": 2 (upgrade the worker)"#)
        let one = try await Self.call(server, "/v1/worker/lease", token: token, lease.merging(["protocol_version": 1]) { $1 })
        #expect(one.status == 400 && one.error?.contains(#""protocol_version": 2"#) == true, "\(one.json)")
        let three = try await Self.call(server, "/v1/worker/lease", token: token, lease.merging(["protocol_version": 3]) { $1 })
        #expect(three.status == 400 && three.error?.contains("version 3 is not spoken") == true, "\(three.json)")
        let text = try await Self.call(server, "/v1/worker/lease", token: token, lease.merging(["protocol_version": "2"]) { $1 })
        #expect(text.status == 400 && text.error?.contains("must be the integer 2") == true, "\(text.json)")
        // Even a lease missing its other fields hears about the version first.
        let bare = try await Self.call(server, "/v1/worker/lease", token: token, [:])
        #expect(bare.status == 400 && bare.error?.contains(#""protocol_version": 2"#) == true, "\(bare.json)")
        let spoken = try await Self.call(server, "/v1/worker/lease", token: token, lease.merging(["protocol_version": 2]) { $1 })
        #expect(spoken.status == 204, "\(spoken.json)")
    }
}
