import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeServer

/// The content policy in process: blocked terms (and their disguises), listed images (and their
/// copies) and a moderation service's flags end a job FAILED "content policy: …" naming the
/// field, before any engine sees it, with its credits back and its inputs gone; flags let the
/// job run; blocks and flags are listed for admins and counted; the policy file reloads.
struct ContentPolicyRouteTests {
    /// Submits `body` and waits for the request to end; returns the final status reply.
    static func outcome(
        _ gateway: InProcessGateway, _ body: [String: Any], key: String? = nil, model: String = InProcessGateway.model
    ) async throws -> (id: String, status: String, error: String?) {
        let id = try await gateway.submit(body, model: model, key: key)
        let end = try await gateway.client.waitForEnd(id, key: key ?? gateway.keys.user, timeout: 20)
        return (id, end.json["status"] as? String ?? "", end.error)
    }

    static func ran(_ id: String) -> Bool { StubEngine.ran.withLock { $0.contains(id) } }

    @Test(arguments: [
        "a n.u.d.e portrait", "a N U D E portrait", "a ｎｕｄｅ portrait", "a nu\u{200D}de portrait", "NUDE", "a nud3 portrait",
    ])
    func blockedTermsAndTheirDisguisesFailNamingTheField(prompt: String) async throws {
        try await InProcessGateway.test { gateway in
            let (id, status, error) = try await Self.outcome(gateway, InProcessGateway.video(prompt))
            #expect(status == "FAILED")
            #expect(error == "content policy: sexual content (in prompt)")
            #expect(!Self.ran(id))
            let result = try await gateway.client.send(.get, "/v2/requests/\(id)", key: gateway.keys.user)
            #expect(result.status == 422)
            #expect(result.error == "content policy: sexual content (in prompt)")
        }
    }

    @Test func harmlessWordsNegativePromptsAndChineseTerms() async throws {
        try await InProcessGateway.test { gateway in
            let harmless = try await Self.outcome(gateway, InProcessGateway.video("Scunthorpe at dawn, a denuded hill"))
            #expect(harmless.status == "COMPLETED")
            var avoid = InProcessGateway.video("a beach at dawn")
            avoid["negative_prompt"] = "nude, blurry"
            #expect(try await Self.outcome(gateway, avoid).status == "COMPLETED")
            var shots = InProcessGateway.video("")
            shots["prompt"] = nil
            shots["multi_prompt"] = [["prompt": "一只猫", "duration": "1"], ["prompt": "一个非常血腥的场面", "duration": "2"]]
            shots["duration"] = "3"
            let chinese = try await Self.outcome(gateway, shots)
            #expect(chinese.status == "FAILED")
            #expect(chinese.error == "content policy: graphic violence (in multi_prompt[1].prompt)")
            #expect(!Self.ran(chinese.id))
        }
    }

    @Test func aBlockedVoiceName() async throws {
        try await InProcessGateway.test { gateway in
            let sample = try ImageServer.testImage(width: 64, height: 64).base64EncodedString()
            let blocked = try await Self.outcome(
                gateway, ["voice_name": "p0rn voice", "voice_url": sample], key: nil, model: InProcessGateway.voiceModel)
            #expect(blocked.status == "FAILED")
            #expect(blocked.error == "content policy: sexual content (in voice_name)")
        }
    }

    @Test func aBlockedJobReleasesItsCreditsAndDeletesItsInputs() async throws {
        try await InProcessGateway.test { gateway in
            let (id, status, _) = try await Self.outcome(
                gateway, InProcessGateway.video("a naked man"), key: gateway.keys.metered)
            #expect(status == "FAILED")
            let credits = try await gateway.client.send(.get, "/v1/get-user-credits", key: gateway.keys.metered)
            #expect(credits.json["credits"] as? Double == 1)
            let inputs = try FileManager.default.contentsOfDirectory(atPath: gateway.configuration.outputsDirectory.path)
            #expect(!inputs.contains { $0.contains(id) })
            let job = try #require(try await gateway.store.job(id: id))
            #expect(job.outputKey == nil)
        }
    }

    @Test func blocksAndFlagsAreListedForAdminsAndCounted() async throws {
        let file = try Self.policyFile(["categories": [["name": "birds", "action": "flag", "terms": ["pelican"]]]])
        defer { try? FileManager.default.removeItem(at: file) }
        try await InProcessGateway.test(configure: { $0.contentPolicy.file = file.path }) { gateway in
            let flagged = try await Self.outcome(gateway, InProcessGateway.video("a pelican over the sea"))
            #expect(flagged.status == "COMPLETED")
            let blocked = try await Self.outcome(gateway, InProcessGateway.video("a pelican, topless"))
            #expect(blocked.status == "FAILED")
            let client = gateway.client
            let events = try await client.send(.get, "/v1/admin/policy/events", key: gateway.keys.admin)
            #expect(events.status == 200)
            let listed = try #require(events.json["events"] as? [[String: Any]])
            #expect(listed.count == 2)
            #expect(listed.first?["request_id"] as? String == blocked.id)
            #expect(listed.first?["action"] as? String == "block")
            #expect(listed.first?["category"] as? String == "sexual content")
            #expect(listed.first?["source"] as? String == "terms")
            #expect(listed.first?["field"] as? String == "prompt")
            #expect(listed.last?["action"] as? String == "flag" && listed.last?["category"] as? String == "birds")
            #expect(!events.text.contains("topless") && !events.text.contains("pelican"))
            #expect(try await client.send(.get, "/v1/admin/policy/events", key: gateway.keys.user).status == 403)
            #expect(try await client.send(.get, "/v1/admin/policy/events?limit=0", key: gateway.keys.admin).status == 400)
            let metrics = try await client.send(.get, "/metrics").text
            #expect(metrics.contains(#"zoetrope_policy_blocks_total{category="sexual content",source="terms"} 1"#))
            #expect(metrics.contains(#"zoetrope_policy_flags_total{category="birds",source="terms"} 1"#))
        }
    }

    @Test func thePolicyFileReloadsWithoutARestart() async throws {
        let file = try Self.policyFile(["categories": [["name": "birds", "action": "block", "terms": ["flamingo"]]]])
        defer { try? FileManager.default.removeItem(at: file) }
        try await InProcessGateway.test(configure: { $0.contentPolicy.file = file.path }) { gateway in
            #expect(try await Self.outcome(gateway, InProcessGateway.video("a flamingo")).error == "content policy: birds (in prompt)")
            try JSONSerialization.data(withJSONObject: ["categories": [["name": "fish", "action": "block", "terms": ["salmon"]]]])
                .write(to: file)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file.path)
            // A bound, not a measure: each try before the reload renders a whole clip, which a
            // loaded machine may take many seconds over.
            let deadline = Date().addingTimeInterval(180)
            while try await Self.outcome(gateway, InProcessGateway.video("a salmon")).status != "FAILED" {
                #expect(Date() < deadline, "the changed policy file was not read again")
                if Date() >= deadline { return }
            }
            #expect(try await Self.outcome(gateway, InProcessGateway.video("a flamingo")).status == "COMPLETED")
            // A broken file keeps the policy in force.
            try Data("{not json".utf8).write(to: file)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: file.path)
            try await Task.sleep(for: .seconds(2))
            #expect(try await Self.outcome(gateway, InProcessGateway.video("a salmon")).status == "FAILED")
        }
    }

    @Test func listedImagesAndTheirCopiesAreBlockedOthersRun() async throws {
        let card = try ImageServer.testImage()
        try await InProcessGateway.test { gateway in
            let listed = try Self.file(card)
            defer { try? FileManager.default.removeItem(at: listed) }
            let hashes = try await ProcessRunner.onDedicatedThread {
                try ImageFingerprint.listedHashes(of: listed, field: "card").map(\.description)
            }
            try await gateway.store.addPolicyImage(
                PolicyImage(hash: hashes.joined(separator: " "), category: "known bad", label: "card"))
            let copies = [
                ("the image", card),
                ("resized, re-encoded and 5 % cropped", try await Self.ffmpeg(card, "crop=iw*0.95:ih*0.95:iw*0.03:ih*0.02,scale=800:-2", quality: 12)),
                ("recoloured", try await Self.ffmpeg(card, "hue=h=60:s=0.6,eq=brightness=0.06", quality: 4)),
            ]
            for (what, image) in copies {
                let blocked = try await Self.outcome(gateway, Self.video(start: image))
                #expect(blocked.status == "FAILED", "\(what)")
                #expect(blocked.error == "content policy: known bad (in start_image_url)", "\(what)")
                #expect(!Self.ran(blocked.id))
            }
            var withEnd = Self.video(start: try await Self.unrelated())
            withEnd["end_image_url"] = copies[1].1.base64EncodedString()
            #expect(try await Self.outcome(gateway, withEnd).error == "content policy: known bad (in end_image_url)")
            let other = try await Self.outcome(gateway, Self.video(start: try await Self.unrelated()))
            #expect(other.status == "COMPLETED")
        }
    }

    @Test func theScreenFetchesRemoteInputsOnceAndStoresThem() async throws {
        let images = try await ImageServer.start()
        defer { Task { await images.stop() } }
        try await InProcessGateway.test(configure: { $0.allowPrivateInputs = true }) { gateway in
            try await gateway.store.addPolicyImage(PolicyImage(hash: "0123456789abcdef", category: "other", label: "x"))
            let (id, status, _) = try await Self.outcome(
                gateway, ["prompt": "a card", "start_image_url": "\(images.baseURL)/card.jpg", "duration": "3"])
            #expect(status == "COMPLETED")
            let job = try #require(try await gateway.store.job(id: id))
            guard case .stored = job.request.video?.startImage else {
                Issue.record("the fetched start image is not stored beside the job")
                return
            }
        }
    }

    @Test func aModerationServiceFlagBlocksNamingTheField() async throws {
        let stub = try await ModerationStub.start()
        defer { Task { await stub.stop() } }
        try await InProcessGateway.test(configure: { $0.contentPolicy.moderationURL = stub.url }) { gateway in
            let blocked = try await Self.outcome(gateway, InProcessGateway.video("a forbidden dance"))
            #expect(blocked.status == "FAILED")
            #expect(blocked.error == "content policy: violence (in prompt)")
            #expect(!Self.ran(blocked.id))
            let clean = try await Self.outcome(gateway, InProcessGateway.video("a quiet dance"))
            #expect(clean.status == "COMPLETED")
            let parts = try #require(stub.received.last?["input"] as? [[String: Any]])
            #expect(parts.first?["text"] as? String == "a quiet dance")
            let link = (parts.last?["image_url"] as? [String: Any])?["url"] as? String
            #expect(link?.contains("/files/") == true, "the start image is sent as a signed link")
        }
    }

    @Test(arguments: [false, true])
    func aModerationServiceThatTimesOut(failOpen: Bool) async throws {
        let stub = try await ModerationStub.start(delay: .seconds(3))
        defer { Task { await stub.stop() } }
        try await InProcessGateway.test(configure: {
            $0.contentPolicy.moderationURL = stub.url
            $0.contentPolicy.moderationTimeout = .milliseconds(500)
            $0.contentPolicy.moderationFailOpen = failOpen
        }) { gateway in
            let outcome = try await Self.outcome(gateway, InProcessGateway.video("a quiet dance"))
            if failOpen {
                #expect(outcome.status == "COMPLETED")
            } else {
                #expect(outcome.status == "FAILED")
                #expect(outcome.error == "content policy: moderation unavailable")
                #expect(!Self.ran(outcome.id))
            }
        }
    }

    // MARK: - Pictures and files

    static func video(start image: Data) -> [String: Any] {
        ["prompt": "a slow push in", "start_image_url": image.base64EncodedString(), "duration": "3"]
    }

    static func file(_ data: Data, suffix: String = "jpg") throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).\(suffix)")
        try data.write(to: file)
        return file
    }

    static func policyFile(_ policy: [String: Any]) throws -> URL {
        try file(try JSONSerialization.data(withJSONObject: policy), suffix: "json")
    }

    /// `image` through an ffmpeg filter, saved as a JPEG of the given quality (2 best … 31 worst).
    static func ffmpeg(_ image: Data, _ filter: String, quality: Int) async throws -> Data {
        let input = try file(image)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).jpg")
        defer {
            try? FileManager.default.removeItem(at: input)
            try? FileManager.default.removeItem(at: output)
        }
        let run = try await ProcessRunner.run(
            "ffmpeg", ["-v", "error", "-i", input.path, "-vf", filter, "-q:v", String(quality), output.path])
        guard run.status == 0 else { throw TestFailure("ffmpeg: \(run.lastErrorLine)") }
        return try Data(contentsOf: output)
    }

    /// A picture unlike the test card.
    static func unrelated() async throws -> Data {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).jpg")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try await ProcessRunner.run(
            "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "mandelbrot=s=1024x768", "-frames:v", "1", output.path])
        guard run.status == 0 else { throw TestFailure("ffmpeg: \(run.lastErrorLine)") }
        return try Data(contentsOf: output)
    }
}
