import Foundation
import Testing
import ZoetropeCore

/// The worker protocol's refusals in process, against a gateway without render slots: who may
/// call it (401, 403), bad bodies (400, 415), unknown jobs (404), lost leases and missing uploads
/// (409), wrong methods (405), and an empty long poll (204).
struct WorkerRouteTests {
    static let model = InProcessGateway.model
    static var me: [String: Any] { ["protocol_version": 2, "worker_id": "w-1", "models": [model]] }
    /// A lease request that waits for a job the content policy is still screening (a loaded machine may take a while).
    static var waitingMe: [String: Any] { me.merging(["wait_seconds": 30]) { _, new in new } }

    static func call(_ gateway: InProcessGateway, _ path: String, _ body: [String: Any], key: String? = nil) async throws -> RouteReply {
        try await gateway.client.send(.post, path, key: key ?? gateway.keys.worker, json: body)
    }

    @Test func onlyWorkerTokensSpeakItAndLeasesNameWhatIsWrong() async throws {
        try await InProcessGateway.test(configure: { $0.runsLocalEngine = false }) { gateway in
            #expect(try await gateway.client.send(.post, "/v1/worker/lease", json: Self.me).status == 401)
            let user = try await Self.call(gateway, "/v1/worker/lease", Self.me, key: gateway.keys.user)
            #expect(user.status == 403 && user.error?.contains("needs a worker token") == true)
            #expect(try await Self.call(gateway, "/v1/worker/jobs/x/heartbeat", ["worker_id": "w", "progress": 0], key: gateway.keys.admin).status == 403)
            #expect(try await gateway.client.send(.get, "/v1/worker/lease", key: gateway.keys.worker).status == 405)

            let cases: [([String: Any], String)] = [
                (["worker_id": "w-1", "models": [Self.model]], "protocol version 1 is not spoken"),
                (["protocol_version": 3, "worker_id": "w-1", "models": [Self.model]], "protocol version 3 is not spoken"),
                (["protocol_version": 2, "models": [Self.model]], "worker_id"),
                (["protocol_version": 2, "worker_id": "a b", "models": [Self.model]], "worker_id must be"),
                (["protocol_version": 2, "worker_id": "w-1", "models": []], "models must list"),
                (["protocol_version": 2, "worker_id": "w-1", "models": ["nope"]], "unknown model 'nope'"),
                (["protocol_version": 2, "worker_id": "w-1", "models": [Self.model], "wait_seconds": 31], "wait_seconds"),
                (["protocol_version": 2, "worker_id": "w-1", "models": [Self.model], "gpu": "h100"], "unknown field(s): gpu"),
                (["protocol_version": 2, "worker_id": 5, "models": [Self.model]], "worker_id has the wrong type"),
            ]
            for (body, message) in cases {
                let reply = try await Self.call(gateway, "/v1/worker/lease", body)
                #expect(reply.status == 400 && reply.error?.contains(message) == true, "\(body): \(reply.text)")
            }
            let form = try await gateway.client.send(
                .post, "/v1/worker/lease", key: gateway.keys.worker, body: Data("x".utf8), contentType: "text/plain")
            #expect(form.status == 415)
            let broken = try await gateway.client.send(
                .post, "/v1/worker/lease", key: gateway.keys.worker, body: Data("{".utf8), contentType: "application/json")
            #expect(broken.status == 400)
            // Nothing queued: an empty answer.
            let empty = try await Self.call(gateway, "/v1/worker/lease", Self.me)
            #expect(empty.status == 204 && empty.body.isEmpty)
        }
    }

    @Test func jobCallsNeedTheLeaseAndTheUpload() async throws {
        try await InProcessGateway.test(configure: { $0.runsLocalEngine = false }) { gateway in
            let beat: [String: Any] = ["worker_id": "w-1", "progress": 0.5]
            let unknown = try await Self.call(gateway, "/v1/worker/jobs/nope/heartbeat", beat)
            #expect(unknown.status == 404 && unknown.error == "no request with id 'nope'")
            for (action, body) in [
                ("complete", ["worker_id": "w-1", "output_key": "x.mp4"]), ("fail", ["worker_id": "w-1", "error": "x"]),
                ("release", ["worker_id": "w-1"]),
            ] {
                #expect(try await Self.call(gateway, "/v1/worker/jobs/nope/\(action)", body).status == 404, "\(action)")
            }
            let unknownField = try await Self.call(gateway, "/v1/worker/jobs/nope/complete", ["worker_id": "w-1", "error": "x"])
            #expect(unknownField.status == 400 && unknownField.error == "unknown field(s): error")

            let id = try await gateway.submit()
            // Not leased yet: every call is a lost lease.
            let early = try await Self.call(gateway, "/v1/worker/jobs/\(id)/heartbeat", beat)
            #expect(early.status == 409 && early.error?.hasPrefix("lease lost: request \(id) is QUEUED") == true, "\(early.text)")
            let lease = try await Self.call(gateway, "/v1/worker/lease", Self.waitingMe)
            #expect(lease.status == 200 && lease.json["id"] as? String == id)
            let upload = try #require(lease.json["upload"] as? [String: Any])
            let key = try #require(upload["key"] as? String)
            let uploadURL = try #require(upload["url"] as? String)

            let outOfRange = try await Self.call(gateway, "/v1/worker/jobs/\(id)/heartbeat", ["worker_id": "w-1", "progress": 1.5])
            #expect(outOfRange.status == 400 && outOfRange.error == "progress must be between 0 and 1, got 1.5")
            let stranger = try await Self.call(gateway, "/v1/worker/jobs/\(id)/heartbeat", ["worker_id": "w-2", "progress": 0.1])
            #expect(stranger.status == 409)
            let extended = try await Self.call(gateway, "/v1/worker/jobs/\(id)/heartbeat", beat)
            #expect(extended.status == 200 && extended.json["lease_expires_at"] is Double && extended.json["lease_seconds"] as? Int == 30)

            let noUpload = try await Self.call(gateway, "/v1/worker/jobs/\(id)/complete", ["worker_id": "w-1", "output_key": key])
            #expect(noUpload.status == 409 && noUpload.error?.hasPrefix("no video was uploaded") == true)
            let otherKey = try await Self.call(gateway, "/v1/worker/jobs/\(id)/complete", ["worker_id": "w-1", "output_key": "x.mp4"])
            #expect(otherKey.status == 409 && otherKey.error == "output_key must be the lease's upload key '\(key)'")
            let noReason = try await Self.call(gateway, "/v1/worker/jobs/\(id)/fail", ["worker_id": "w-1"])
            #expect(noReason.status == 400 && noReason.error == "error is required: the reason the job failed")

            // The upload goes to its signed link (relative here), then the completion is accepted once.
            let path = String(uploadURL.dropFirst("http://127.0.0.1:8080".count))
            let video = try await TestVideo.mp4()
            let unsigned = try await gateway.client.send(.put, "/files/\(key)", body: video)
            #expect(unsigned.status == 403)
            #expect(try await gateway.client.send(.put, path, body: video, contentType: "video/mp4").status == 200)
            // Stage timings the gateway cannot keep are dropped, never the video.
            let done = try await Self.call(
                gateway, "/v1/worker/jobs/\(id)/complete",
                ["worker_id": "w-1", "output_key": key,
                 "stages": ["denoise": 12.3456, "decode": 1.5, "Bad Name": 1, "negative": -1, "huge": 1e9]])
            #expect(done.status == 200 && done.text == "{\"id\":\"\(id)\",\"status\":\"COMPLETED\"}\n")
            let twice = try await Self.call(gateway, "/v1/worker/jobs/\(id)/complete", ["worker_id": "w-1", "output_key": key])
            #expect(twice.status == 409 && twice.error?.contains("is COMPLETED") == true)
            #expect(try await Self.call(gateway, "/v1/worker/jobs/\(id)/fail", ["worker_id": "w-1", "error": "late"]).status == 409)
            let result = try await gateway.client.send(.get, "/v2/requests/\(id)", key: gateway.keys.user)
            #expect(result.json["status"] as? String == "COMPLETED")
            let stages = (result.json["metrics"] as? [String: Any])?["stages"] as? [String: Double]
            #expect(stages == ["denoise": 12.346, "decode": 1.5], "\(result.text)")

            // A hand-back queues the job again.
            let second = try await gateway.submit()
            #expect(try await Self.call(gateway, "/v1/worker/lease", Self.waitingMe).json["id"] as? String == second)
            let released = try await Self.call(gateway, "/v1/worker/jobs/\(second)/release", ["worker_id": "w-1"])
            #expect(released.status == 200 && released.json["status"] as? String == "QUEUED")
            let status = try await gateway.client.send(.get, "/v2/requests/\(second)/status", key: gateway.keys.user)
            #expect(status.json["status"] as? String == "QUEUED")
            #expect(try await gateway.client.send(.get, "/v1/worker/jobs/\(second)/release", key: gateway.keys.worker).status == 405)
        }
    }
}
