import AsyncHTTPClient
import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeStore

/// `kling-create-voice` over HTTP: a voice made from a sample of known pitch, owned by its key,
/// listed, used by a video's quoted line, refused to other keys, deleted.
@Suite(.serialized)
struct VoiceTests {
    static let videoModel = "kling-3-pro-image2video"
    static let voiceModel = "kling-create-voice"

    /// `seconds` of a voiced sound at exactly `pitch` Hz: a glottal-like pulse train through two
    /// vowel resonances, spoken in syllables (about 4 a second) with short pauses, as a WAV.
    static func voicedSample(pitch: Double, seconds: Double) -> Data {
        let rate = 22_050
        var samples = [Int16]()
        var phase = 0.0
        var low = 0.0, band = 0.0, low2 = 0.0, band2 = 0.0
        for index in 0..<Int(seconds * Double(rate)) {
            let t = Double(index) / Double(rate)
            phase += pitch / Double(rate)
            if phase >= 1 { phase -= 1 }
            let pulse = phase < 0.4 ? sin(.pi * phase / 0.4) : 0
            // Two state-variable band-passes (about 700 Hz and 1200 Hz): vowel-like colour.
            func resonate(_ x: Double, _ frequency: Double, _ low: inout Double, _ band: inout Double) -> Double {
                let f = 2 * sin(.pi * frequency / Double(rate)), q = 0.2
                low += f * band
                let high = x - low - q * band
                band += f * high
                return band
            }
            let voiced = resonate(pulse, 700, &low, &band) + 0.6 * resonate(pulse, 1200, &low2, &band2)
            // Syllables: 0.2 s on, 0.05 s off; a longer pause every 2 s.
            let syllable = t.truncatingRemainder(dividingBy: 0.25) < 0.2 ? sin(.pi * t.truncatingRemainder(dividingBy: 0.25) / 0.2) : 0
            let phrase = t.truncatingRemainder(dividingBy: 2) < 1.7 ? 1.0 : 0
            samples.append(Int16(clamping: Int(voiced * syllable * phrase * 6000)))
        }
        return PCMAudio(sampleRate: rate, channels: 1, samples: samples).wavData()
    }

    static func dataURI(_ wav: Data) -> String { "data:audio/wav;base64," + wav.base64EncodedString() }

    @Test func aVoiceIsMadeOwnedUsedAndDeleted() async throws {
        var otherKey = ""
        let server = try await TestServer.start(prepare: { store, _ in
            otherKey = try await APIKeyGenerator.create(name: "other", in: store).1
        })
        defer { Task { await server.stopAndClean() } }
        let base = server.baseURL

        // The models listing names the create-voice model and what it returns.
        let models = try await HTTPTestClient.send(.GET, "\(base)/v1/models")
        let listed = (models.json["models"] as? [[String: Any]] ?? []).first { $0["slug"] as? String == Self.voiceModel }
        #expect(listed?["output"] as? String == "application/json")

        // Submit → poll → result, as with videos.
        let submit = try await HTTPTestClient.send(
            .POST, "\(base)/v2/\(Self.voiceModel)", apiKey: server.apiKey,
            json: ["voice_name": "Narrator", "voice_url": Self.dataURI(Self.voicedSample(pitch: 200, seconds: 8))])
        #expect(submit.status == 200, "\(submit.json)")
        let statusURL = try #require(submit.json["status_url"] as? String)
        let final = try await HTTPTestClient.waitForTerminal(statusURL, apiKey: server.apiKey)
        #expect(final.json["status"] as? String == "COMPLETED", "\(final.json)")
        let result = try await HTTPTestClient.send(.GET, try #require(submit.json["response_url"] as? String), apiKey: server.apiKey)
        let output = try #require(result.json["output"] as? [String: Any], "\(result.json)")
        let voiceID = try #require(output["voice_id"] as? String)
        #expect(output["voice_name"] as? String == "Narrator")

        // The profile: measured pitch within 10 % of the sample's 200 Hz.
        let profile = try await HTTPTestClient.send(.GET, "\(base)/v1/voices/\(voiceID)", apiKey: server.apiKey)
        let pitch = try #require(profile.json["pitch_hz"] as? Double, "\(profile.json)")
        #expect(abs(pitch - 200) <= 20, "measured \(pitch) Hz")
        let list = try await HTTPTestClient.send(.GET, "\(base)/v1/voices", apiKey: server.apiKey)
        #expect((list.json["voices"] as? [[String: Any]])?.map { $0["voice_id"] as? String } == [voiceID])

        // Another key sees nothing and cannot use it.
        let foreignList = try await HTTPTestClient.send(.GET, "\(base)/v1/voices", apiKey: otherKey)
        #expect((foreignList.json["voices"] as? [Any])?.isEmpty == true)
        #expect(try await HTTPTestClient.send(.GET, "\(base)/v1/voices/\(voiceID)", apiKey: otherKey).status == 404)
        #expect(try await HTTPTestClient.send(.DELETE, "\(base)/v1/voices/\(voiceID)", apiKey: otherKey).status == 404)
        let image = "data:image/png;base64," + (try Self.picture()).base64EncodedString()
        let video: [String: Any] = [
            "prompt": "<<<voice_1>>> \"Welcome to the show.\"", "start_image_url": image, "duration": "3",
            "voice_ids": [voiceID],
        ]
        let foreign = try await HTTPTestClient.send(.POST, "\(base)/v2/\(Self.videoModel)", apiKey: otherKey, json: video)
        #expect(foreign.status == 400)
        #expect(foreign.error?.hasPrefix("voice_ids[0]: voice '\(voiceID)' not found") == true, "\(foreign.json)")

        // Its owner's video speaks the line with it.
        let owned = try await HTTPTestClient.send(.POST, "\(base)/v2/\(Self.videoModel)", apiKey: server.apiKey, json: video)
        #expect(owned.status == 200, "\(owned.json)")
        let done = try await HTTPTestClient.waitForTerminal(try #require(owned.json["status_url"] as? String), apiKey: server.apiKey)
        #expect(done.json["status"] as? String == "COMPLETED", "\(done.json)")
        // The plan says who speaks which line, and over which bed.
        let spoken = try await HTTPTestClient.send(.GET, try #require(owned.json["response_url"] as? String), apiKey: server.apiKey)
        let audio = try #require((spoken.json["plan"] as? [String: Any])?["audio"] as? [String: Any], "\(spoken.json)")
        let shot = try #require((audio["shots"] as? [[String: Any]])?.first)
        let line = try #require((shot["lines"] as? [[String: Any]])?.first)
        #expect(line["text"] as? String == "Welcome to the show.")
        #expect(line["language"] as? String == "en")
        #expect(line["voice"] as? String == voiceID)
        #expect(shot["ambience"] as? [String] == ["room"])

        // Deleted: gone from the list, and refused in requests.
        #expect(try await HTTPTestClient.send(.DELETE, "\(base)/v1/voices/\(voiceID)", apiKey: server.apiKey).status == 200)
        #expect(try await HTTPTestClient.send(.GET, "\(base)/v1/voices/\(voiceID)", apiKey: server.apiKey).status == 404)
        let afterDelete = try await HTTPTestClient.send(.POST, "\(base)/v2/\(Self.videoModel)", apiKey: server.apiKey, json: video)
        #expect(afterDelete.status == 400)
    }

    @Test func badSamplesFailWithAReasonAndBadBodiesAre400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let url = "\(server.baseURL)/v1/\(Self.voiceModel)"

        // v1: the JSON result, or 422 with the reason.
        let short = try await HTTPTestClient.send(
            .POST, url, apiKey: server.apiKey,
            json: ["voice_name": "Short", "voice_url": Self.dataURI(Self.voicedSample(pitch: 150, seconds: 3))])
        #expect(short.status == 422)
        #expect(short.error?.contains("5 to 30 s") == true, "\(short.json)")
        let silent = try await HTTPTestClient.send(
            .POST, url, apiKey: server.apiKey,
            json: ["voice_name": "Silent", "voice_url": Self.dataURI(PCMAudio(sampleRate: 16_000, channels: 1, samples: [Int16](repeating: 0, count: 16_000 * 8)).wavData())])
        #expect(silent.status == 422)
        #expect(silent.error?.contains("no voiced speech") == true, "\(silent.json)")
        let junk = try await HTTPTestClient.send(
            .POST, url, apiKey: server.apiKey, json: ["voice_name": "Junk", "voice_url": "data:audio/wav;base64,AAAA"])
        #expect(junk.status == 422)
        #expect(junk.error?.hasPrefix("voice_url") == true, "\(junk.json)")
        let made = try await HTTPTestClient.send(
            .POST, url, apiKey: server.apiKey,
            json: ["voice_name": "Low", "voice_url": Self.dataURI(Self.voicedSample(pitch: 110, seconds: 6))])
        #expect(made.status == 200, "\(made.json)")
        #expect((made.json["voice_id"] as? String)?.hasPrefix("voice_") == true)
        #expect(made.json["voice_name"] as? String == "Low")

        for (body, field) in [
            (["voice_url": "data:audio/wav;base64,AAAA"], "voice_name"),
            (["voice_name": String(repeating: "n", count: 21), "voice_url": "data:audio/wav;base64,AAAA"], "voice_name"),
            (["voice_name": "x"], "voice_url"),
            (["voice_name": "x", "voice_url": "ftp://example.com/a.wav"], "voice_url"),
            (["voice_name": "x", "voice_url": "data:audio/wav;base64,AAAA", "pitch": "high"], "pitch"),
        ] as [([String: Any], String)] {
            let reply = try await HTTPTestClient.send(.POST, url, apiKey: server.apiKey, json: body)
            #expect(reply.status == 400, "\(body.keys.sorted()): \(reply.status)")
            #expect(reply.error?.contains(field) == true, "\(reply.error ?? "")")
        }
    }

    /// A small PNG to film.
    static func picture() throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("voice-test-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try ProcessRunner.runBlocking(
            "ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x180", "-frames:v", "1", file.path])
        guard output.status == 0 else { throw TestFailure("ffmpeg: \(output.lastErrorLine)") }
        return try Data(contentsOf: file)
    }
}
