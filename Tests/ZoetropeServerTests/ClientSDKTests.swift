import Foundation
import Synchronization
import Testing
import ZoetropeClient
import ZoetropeMedia
import ZoetropeStore

/// The Swift SDK against a real server: submit/wait, run, runSync, and each typed error.
@Suite(.serialized)
struct ClientSDKTests {
    static func startImage() throws -> String {
        "data:image/jpeg;base64," + (try ImageServer.testImage(width: 640, height: 360)).base64EncodedString()
    }

    @Test func submitWaitRunAndRunSync() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let client = Client(apiKey: server.apiKey, baseURL: URL(string: server.baseURL)!)
        let image = try Self.startImage()

        let job = try await client.submitAsync(KlingImageToVideo(
            prompt: "slow push in", startImageURL: image, aspectRatio: .square, duration: 3, generateAudio: false))
        #expect(job.statusURL == "\(server.baseURL)/v2/requests/\(job.requestID)/status")
        let states = StateLog()
        let result = try await job.wait(timeout: .seconds(300), interval: .milliseconds(100)) { states.add($0.status) }
        #expect(result.status == "COMPLETED")
        #expect(states.all.last == "COMPLETED")
        let video = try await client.download(try #require(result.outputURL))
        let probe = try MediaProbe.probe(video)
        #expect(probe.video?.width == 1080 && probe.video?.height == 1080)
        #expect(probe.video?.frameCount == 72)
        #expect(result.plan?["shots"]?.array?.count == 1)

        // run: submit and wait, generic JSON payload.
        let ran = try await client.run(
            model: KlingImageToVideo.model,
            ["prompt": "pan left", "start_image_url": .string(image), "duration": "3", "generate_audio": true],
            interval: .milliseconds(100))
        #expect(ran.outputURL?.hasPrefix("\(server.baseURL)/files/") == true)

        // runSync: the v1 call's MP4 bytes.
        let bytes = try await client.runSync(KlingImageToVideo(prompt: "x", startImageURL: image, duration: 3))
        #expect(try MediaProbe.probe(bytes).audio != nil)
    }

    @Test func typedErrors() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let client = Client(apiKey: server.apiKey, baseURL: URL(string: server.baseURL)!)
        let image = try Self.startImage()

        // A job that fails is InferenceFailed, with the reason and the body.
        let broken = try await client.submitAsync(KlingImageToVideo(
            prompt: "x", startImageURL: "data:image/png;base64," + Data("not a picture".utf8).base64EncodedString(),
            duration: 3))
        await #expect {
            _ = try await broken.wait(timeout: .seconds(120), interval: .milliseconds(100))
        } throws: { error in
            guard let failed = error as? InferenceFailed else { return false }
            return failed.requestID == broken.requestID && failed.detail.contains("start_image_url")
                && failed.body["status"]?.string == "FAILED"
        }
        // Its status is a state, not an error (the 422 body is read).
        #expect(try await broken.status().status == "FAILED")

        // Waiting too little is InferenceTimeout with the id to resume; the job still finishes.
        let slow = try await client.submitAsync(KlingImageToVideo(prompt: "x", startImageURL: image, duration: 3))
        await #expect {
            _ = try await slow.wait(timeout: .milliseconds(200), interval: .milliseconds(50))
        } throws: { ($0 as? InferenceTimeout)?.requestID == slow.requestID }
        let resumed = try await client.job(id: slow.requestID).wait(timeout: .seconds(300), interval: .milliseconds(100))
        #expect(resumed.status == "COMPLETED")

        // HTTP errors: 401 (bad key), 404 (unknown model, unknown request), 400 (bad parameter).
        let stranger = Client(apiKey: "zk_wrong", baseURL: URL(string: server.baseURL)!)
        await #expect { _ = try await stranger.submitAsync(model: KlingImageToVideo.model, ["prompt": "x"]) } throws: {
            ($0 as? RequestRefused)?.status == 401
        }
        await #expect { _ = try await client.submitAsync(model: "no-such-model", ["prompt": "x"]) } throws: {
            ($0 as? RequestRefused)?.status == 404 && ($0 as? RequestRefused)?.message == "model 'no-such-model' not found"
        }
        await #expect { _ = try await client.job(id: "missing").status() } throws: { ($0 as? RequestRefused)?.status == 404 }
        await #expect {
            _ = try await client.submitAsync(KlingImageToVideo(prompt: "x", startImageURL: image, duration: 20))
        } throws: { ($0 as? RequestRefused)?.status == 400 && ($0 as? RequestRefused)?.message.contains("duration") == true }
    }
}

/// The states a wait reported, in order.
final class StateLog: Sendable {
    private let states = Mutex<[String]>([])
    func add(_ state: String) { states.withLock { $0.append(state) } }
    var all: [String] { states.withLock { $0 } }
}
