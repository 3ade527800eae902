import AsyncHTTPClient
import Foundation
import Synchronization
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound
import ZoetropeStore

/// The v1/v2 API driven over HTTP against a real server, with the MP4s checked by ffprobe.
/// Serialized: each test renders 1080p video and the machine has two cores.
@Suite(.serialized)
struct APIFlowTests {
    static let model = "kling-3-pro-image2video"

    static func dataURI(_ data: Data) -> String { "data:image/jpeg;base64," + data.base64EncodedString() }

    @Test func submitPollResultAndDownload16by9WithAudio() async throws {
        let images = try await ImageServer.start()
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean(); await images.stop() } }

        let submit = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: [
                "prompt": "The subject moves naturally with realistic physics and smooth camera motion.",
                "duration": "5", "cfg_scale": 0.5, "aspect_ratio": "16:9", "generate_audio": true,
                "negative_prompt": "blur, distort, and low quality", "start_image_url": "\(images.baseURL)/card.jpg",
            ])
        #expect(submit.status == 200)
        #expect(submit.json["status"] as? String == "QUEUED")
        let id = try #require(submit.json["request_id"] as? String)
        let statusURL = try #require(submit.json["status_url"] as? String)
        let responseURL = try #require(submit.json["response_url"] as? String)
        #expect(statusURL == "\(server.baseURL)/v2/requests/\(id)/status")
        #expect(responseURL == "\(server.baseURL)/v2/requests/\(id)")
        #expect(submit.json["poll_url"] as? String == responseURL)

        // Progress is visible while the job runs.
        var sawProgress = false
        let deadline = Date().addingTimeInterval(300)
        var final: HTTPReply
        repeat {
            final = try await HTTPTestClient.send(.GET, statusURL, apiKey: server.apiKey)
            #expect(final.status == 200)
            if let progress = final.json["progress"] as? Double, progress > 0, progress < 1 { sawProgress = true }
            for key in ["request_id", "status", "progress", "queue_position", "created_at", "updated_at"] {
                #expect(final.json[key] != nil, "status body lacks \(key)")
            }
            try await Task.sleep(for: .milliseconds(100))
        } while final.json["status"] as? String != "COMPLETED" && final.json["status"] as? String != "FAILED"
            && Date() < deadline
        #expect(final.json["status"] as? String == "COMPLETED", "\(final.json)")
        #expect(sawProgress)
        // Where the job's time went, stage by stage, in /metrics.
        let exposition = String(decoding: try await HTTPTestClient.send(.GET, "\(server.baseURL)/metrics").body, as: UTF8.self)
        for stage in StageTimes.names {
            #expect(exposition.contains("zoetrope_job_stage_seconds_count{stage=\"\(stage)\"} 1"), "no \(stage) timing in /metrics")
        }

        let result = try await HTTPTestClient.send(.GET, responseURL, apiKey: server.apiKey)
        #expect(result.status == 200)
        #expect(result.json["model"] as? String == Self.model)
        let metrics = try #require(result.json["metrics"] as? [String: Any])
        for key in ["queue_time", "inference_time", "total_time", "retry_count"] {
            #expect(metrics[key] != nil, "metrics lack \(key)")
        }
        // ... and in the result: every stage the engine went through, in seconds.
        let stages = try #require(metrics["stages"] as? [String: Double], "\(metrics)")
        #expect(Set(stages.keys) == Set(StageTimes.names), "\(stages)")
        // Each within the render (some overlap: the soundtrack is made beside the pictures' decode).
        let inference = try #require(metrics["inference_time"] as? Double)
        #expect(stages.values.allSatisfy { (0...(inference + 0.01)).contains($0) }, "\(stages)")
        let output = try #require(result.json["output"] as? String)
        #expect(output.hasPrefix("\(server.baseURL)/files/"))
        // The camera plan the engine followed is reported.
        let plan = try #require(result.json["plan"] as? [String: Any])
        let shots = try #require(plan["shots"] as? [[String: Any]])
        #expect(shots.count == 1)
        #expect(shots.first?["frames"] as? Int == 120)
        #expect((shots.first?["moves"] as? [String])?.isEmpty == false)

        // The video downloads with no API key.
        let video = try await HTTPTestClient.send(.GET, output)
        #expect(video.status == 200)
        #expect(video.headers.first(name: "Content-Type") == "video/mp4")
        let probe = try MediaProbe.probe(video.body)
        let stream = try #require(probe.video)
        #expect(stream.codecName == "h264")
        #expect(stream.profile == "High")
        #expect(stream.pixelFormat == "yuv420p")
        #expect(stream.width == 1920 && stream.height == 1080)
        #expect(stream.frameRate == "24/1")
        #expect(stream.frameCount == 120)
        let audio = try #require(probe.audio)
        #expect(audio.codecName == "aac")
        #expect(audio.profile == "LC")
        #expect(audio.sampleRate == "48000")
        #expect(abs((audio.duration ?? 0) - 5) <= 1.0 / 24)
        #expect(MediaProbe.isFastStart(video.body))
        #expect(probe.formatName.contains("mp4"))

        // The last frame, as a PNG behind its own signed link, is the MP4's decoded last frame.
        let lastFrameURL = try #require(result.json["last_frame_url"] as? String)
        let lastFrame = try await HTTPTestClient.send(.GET, lastFrameURL)
        #expect(lastFrame.status == 200 && lastFrame.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let ssim = try await ProcessRunner.onDedicatedThread { try Self.lastFrameSSIM(video: video.body, png: lastFrame.body, frames: 120) }
        #expect(ssim >= 0.99, "last frame SSIM \(ssim)")
    }

    /// SSIM (all planes) between the last of `frames` frames of an MP4 and a PNG.
    static func lastFrameSSIM(video: Data, png: Data, frames: Int) throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("last-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let videoFile = directory.appendingPathComponent("v.mp4"), pngFile = directory.appendingPathComponent("f.png")
        try video.write(to: videoFile)
        try png.write(to: pngFile)
        let output = try ProcessRunner.runBlocking("ffmpeg", [
            "-hide_banner", "-nostdin", "-i", videoFile.path, "-i", pngFile.path, "-filter_complex",
            "[0:v]select=eq(n\\,\(frames - 1)),setpts=PTS-STARTPTS,format=yuv420p[a];"
                + "[1:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[b];[a][b]ssim",
            "-frames:v", "1", "-f", "null", "-"])
        let text = String(decoding: output.stderr, as: UTF8.self)
        guard let range = text.range(of: "All:", options: .backwards) else { throw TestFailure("no SSIM in \(text.suffix(300))") }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
    }

    @Test func syncCallReturnsMP4Bytes9by16WithoutAudio() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let image = try ImageServer.testImage()
        let reply = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/\(Self.model)", apiKey: server.apiKey,
            json: [
                "prompt": "a gentle push in", "start_image_url": Self.dataURI(image), "aspect_ratio": "9:16",
                "duration": 3, "generate_audio": false,
            ])
        #expect(reply.status == 200, "\(String(decoding: reply.body.prefix(300), as: UTF8.self))")
        #expect(reply.headers.first(name: "Content-Type") == "video/mp4")
        #expect(reply.headers.first(name: "x-request-id") != nil)
        #expect(Double(reply.headers.first(name: "x-generation-time") ?? "") != nil)
        #expect(reply.headers.first(name: "x-cost") != nil)
        #expect(reply.headers.first(name: "x-seed-value").flatMap(UInt32.init) != nil)
        let lastFrame = try await HTTPTestClient.send(.GET, try #require(reply.headers.first(name: "x-last-frame-url")))
        #expect(lastFrame.status == 200 && lastFrame.headers.first(name: "Content-Type") == "image/png")
        let probe = try MediaProbe.probe(reply.body)
        let video = try #require(probe.video)
        #expect(video.width == 1080 && video.height == 1920)
        #expect(video.frameCount == 72)
        #expect(probe.audio == nil)
    }

    @Test func syncCallPastItsTimeoutIs504AndTheJobGoesOn() async throws {
        let server = try await TestServer.start(configure: { $0.syncTimeout = 0.5 })
        defer { Task { await server.stopAndClean() } }
        let image = try ImageServer.testImage(width: 640, height: 360)
        let reply = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": Self.dataURI(image), "duration": "3", "generate_audio": false])
        #expect(reply.status == 504)
        let id = try #require(reply.headers.first(name: "x-request-id"))
        #expect(reply.error?.contains(id) == true, "\(reply.json)")
        // The job was accepted and can still be polled to completion.
        let final = try await HTTPTestClient.waitForTerminal("\(server.baseURL)/v2/requests/\(id)/status", apiKey: server.apiKey)
        #expect(final.json["status"] as? String == "COMPLETED")
    }

    @Test func square15SecondsWithEndImageFromBareBase64() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let image = try ImageServer.testImage(width: 800, height: 800)
        let submit = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: [
                "prompt": "slow zoom", "start_image_url": image.base64EncodedString(), "aspect_ratio": "1:1",
                "duration": "15", "end_image_url": Self.dataURI(try ImageServer.testImage(width: 640, height: 480)),
            ])
        #expect(submit.status == 200, "\(submit.json)")
        let statusURL = try #require(submit.json["status_url"] as? String)
        let final = try await HTTPTestClient.waitForTerminal(statusURL, apiKey: server.apiKey)
        #expect(final.json["status"] as? String == "COMPLETED", "\(final.json)")
        let result = try await HTTPTestClient.send(.GET, try #require(submit.json["response_url"] as? String), apiKey: server.apiKey)
        let video = try await HTTPTestClient.send(.GET, try #require(result.json["output"] as? String))
        let probe = try MediaProbe.probe(video.body)
        #expect(probe.video?.width == 1080 && probe.video?.height == 1080)
        #expect(probe.video?.frameCount == 360)
        #expect(probe.audio != nil)
        #expect(abs((probe.audio?.duration ?? 0) - 15) <= 1.0 / 24)
    }

    @Test func undecodableImageFailsWith422AndNamesTheField() async throws {
        let images = try await ImageServer.start()
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean(); await images.stop() } }
        let cases: [(String, String)] = [
            (Data("this is not an image".utf8).base64EncodedString(), "start_image_url"),
            ("\(images.baseURL)/missing.jpg", "HTTP 404"),
            ("\(images.baseURL)/not-an-image.jpg", "not a decodable image"),
        ]
        for (input, expected) in cases {
            let submit = try await HTTPTestClient.send(
                .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
                json: ["prompt": "x", "start_image_url": input, "duration": "3"])
            #expect(submit.status == 200)
            let statusURL = try #require(submit.json["status_url"] as? String)
            let final = try await HTTPTestClient.waitForTerminal(statusURL, apiKey: server.apiKey)
            #expect(final.status == 422)
            #expect(final.json["status"] as? String == "FAILED")
            let error = try #require(final.error)
            #expect(error.contains("start_image_url"), "\(error)")
            #expect(error.contains(expected), "\(error)")
            let result = try await HTTPTestClient.send(.GET, try #require(submit.json["response_url"] as? String), apiKey: server.apiKey)
            #expect(result.status == 422)
            #expect(result.json["status"] as? String == "FAILED")
            #expect(result.json["output"] == nil)
        }
        // The blocking call answers 422 JSON for a failed job.
        let sync = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": "\(images.baseURL)/missing.jpg", "duration": "3"])
        #expect(sync.status == 422)
        #expect(sync.json["status"] as? String == "FAILED")
        #expect(sync.error?.contains("HTTP 404") == true)
        // No output file is left behind by failed jobs.
        let outputs = try FileManager.default.contentsOfDirectory(atPath: server.configuration.outputsDirectory.path)
        #expect(outputs.filter { $0.hasSuffix(".mp4") }.isEmpty)
    }

    @Test func redirectedImageURLIsFollowed() async throws {
        let images = try await ImageServer.start()
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean(); await images.stop() } }
        let reply = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": "\(images.baseURL)/redirect", "duration": "3", "generate_audio": false])
        #expect(reply.status == 200, "\(reply.json)")
        #expect(try MediaProbe.probe(reply.body).video?.frameCount == 72)
    }

    @Test func ssrfGuardRefusesLoopbackWhenPrivateInputsAreOff() async throws {
        let images = try await ImageServer.start()
        let imagesPort = try #require(URL(string: images.baseURL)?.port)
        let server = try await TestServer.start(configure: {
            $0.allowPrivateInputs = false
            $0.outboundPolicy.extraPorts = [imagesPort]
        })
        defer { Task { await server.stopAndClean(); await images.stop() } }
        for url in ["\(images.baseURL)/card.jpg", "http://localhost/healthz", "http://[::1]/x.jpg",
                    "http://10.0.0.1/x.jpg", "http://169.254.169.254/latest/meta-data", "http://2130706433:\(imagesPort)/card.jpg",
                    "http://[::ffff:127.0.0.1]:\(imagesPort)/card.jpg", "http://192.0.2.1/x.jpg", "http://[2002:7f00:1::1]/x.jpg"] {
            let submit = try await HTTPTestClient.send(
                .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
                json: ["prompt": "x", "start_image_url": url, "duration": "3"])
            let final = try await HTTPTestClient.waitForTerminal(
                try #require(submit.json["status_url"] as? String), apiKey: server.apiKey, timeout: 60)
            #expect(final.json["status"] as? String == "FAILED")
            let error = final.error ?? ""
            #expect(error.contains("start_image_url") && error.contains("only public addresses may be fetched"), "\(url): \(error)")
        }
        // A public address on a port the operator has not allowed.
        let submit = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": "http://8.8.8.8:22/x.jpg", "duration": "3"])
        let final = try await HTTPTestClient.waitForTerminal(
            try #require(submit.json["status_url"] as? String), apiKey: server.apiKey, timeout: 60)
        #expect(final.error == "start_image_url: port 22 may not be fetched; only ports 80, 443, \(imagesPort) are allowed")
    }

    @Test func brokenImageErrorsShowNoPointersOrPaths() async throws {
        let images = try await ImageServer.start()
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean(); await images.stop() } }
        for name in ["broken.png", "not-an-image.jpg"] {
            let submit = try await HTTPTestClient.send(
                .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
                json: ["prompt": "x", "start_image_url": "\(images.baseURL)/\(name)", "duration": "3"])
            let final = try await HTTPTestClient.waitForTerminal(
                try #require(submit.json["status_url"] as? String), apiKey: server.apiKey, timeout: 60)
            let error = final.error ?? ""
            #expect(final.json["status"] as? String == "FAILED" && error.hasPrefix("start_image_url"), "\(error)")
            #expect(!error.contains("0x") && !error.contains(server.dataDirectory.path) && !error.contains("/tmp"), "\(error)")
        }
    }

    @Test func dripFeedingInputFailsWithinTheFetchDeadlineAndFreesTheSlot() async throws {
        let images = try await ImageServer.start()
        let other = Mutex("")
        let server = try await TestServer.start(
            configure: { $0.outboundPolicy.fetchTimeout = .seconds(3) },
            prepare: { store, _ in
                let key = try await APIKeyGenerator.create(name: "other", in: store).1
                other.withLock { $0 = key }
            })
        defer { Task { await server.stopAndClean(); await images.stop() } }
        let started = Date()
        let dripping = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": "\(images.baseURL)/drip.jpg", "duration": "3", "generate_audio": false])
        let waiting = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: other.withLock { $0 },
            json: ["prompt": "x", "start_image_url": "\(images.baseURL)/card.jpg", "duration": "3", "generate_audio": false])
        let failed = try await HTTPTestClient.waitForTerminal(
            try #require(dripping.json["status_url"] as? String), apiKey: server.apiKey, timeout: 60)
        #expect(failed.json["status"] as? String == "FAILED")
        #expect(failed.error == "start_image_url: could not fetch from 127.0.0.1: took longer than the 3 s limit")
        #expect(Date().timeIntervalSince(started) < 30, "the slot was held past the fetch deadline")
        let done = try await HTTPTestClient.waitForTerminal(
            try #require(waiting.json["status_url"] as? String), apiKey: other.withLock { $0 }, timeout: 120)
        #expect(done.json["status"] as? String == "COMPLETED", "\(done.json)")
    }

    @Test func inputSlowerThanTheMinimumRateFails() async throws {
        let images = try await ImageServer.start()
        let server = try await TestServer.start(configure: {
            $0.outboundPolicy.minimumRate = 4096
            $0.outboundPolicy.rateGrace = .seconds(1)
        })
        defer { Task { await server.stopAndClean(); await images.stop() } }
        let submit = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": "\(images.baseURL)/drip.jpg", "duration": "3"])
        let final = try await HTTPTestClient.waitForTerminal(
            try #require(submit.json["status_url"] as? String), apiKey: server.apiKey, timeout: 60)
        #expect(final.error == "start_image_url: could not fetch from 127.0.0.1: arrived slower than the minimum of 4 KB/s")
    }
}
