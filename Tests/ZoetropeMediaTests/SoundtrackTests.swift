import AsyncHTTPClient
import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound

/// The soundtrack end to end: rendered into the MP4 by the engine, decoded and measured with ffmpeg.
@Suite(.serialized)
struct SoundtrackTests {
    let engine = MotionEngine(fetcher: InputFetcher(policy: OutboundPolicy(allowPrivate: true)))

    /// A 640×360 picture to film, in a fresh scratch directory.
    func scene() throws -> URL {
        let directory = try VideoAnalysis.scratch()
        try VideoAnalysis.picture("testsrc2=s=640x360", to: directory.appendingPathComponent("start.png"))
        return directory
    }

    func render(_ request: GenerationRequest, in directory: URL) async throws -> URL {
        let output = directory.appendingPathComponent("out.mp4")
        try await engine.render(request, context: RenderContext(
            jobID: "test", inputDirectory: directory, outputFile: output, progress: { _ in }))
        return output
    }

    /// First and last time (seconds) the track is louder than −40 dBFS.
    static func audibleSpan(_ samples: [Float]) -> (start: Double, end: Double)? {
        guard let first = samples.firstIndex(where: { abs($0) > 0.01 }),
            let last = samples.lastIndex(where: { abs($0) > 0.01 })
        else { return nil }
        return (Double(first) / 48_000, Double(last) / 48_000)
    }

    @Test(arguments: [
        ("she says \"hello there, my friend\"", SpeechLine.Language.english),
        ("她轻声说「你好，我的朋友」", .mandarin),
    ])
    func speechStartsInsideTheShotThatHoldsIt(line: String, language: SpeechLine.Language) async throws {
        #expect(SpeechScript.lines(in: line).first?.language == language)
        let directory = try scene()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Ambience off ("noise"), so the only sound is speech: in the second shot, then in the first.
        for (segments, window) in [
            ([("an empty room", 3), (line, 3)], 3.0..<6.0),
            ([(line, 3), ("an empty room", 3)], 0.0..<3.0),
        ] {
            let request = GenerationRequest(
                prompt: nil, startImage: .stored("start.png"), duration: 6, negativePrompt: "noise",
                multiPrompt: segments.map { .init(prompt: $0.0, duration: $0.1) })
            let samples = try VideoAnalysis.audioSamples(try await render(request, in: directory))
            #expect(abs(Double(samples.count) / 48_000 - 6) <= 1.0 / 24)
            let span = try #require(Self.audibleSpan(samples), "no speech heard")
            #expect(window.contains(span.start) && window.contains(span.end), "speech from \(span.start) to \(span.end) s, expected in \(window)")
        }
    }

    @Test(arguments: [
        "heavy rain on a tin roof",
        "a busy city street at night with traffic",
        "a quiet forest with birds; he whispers \"listen\"",
    ])
    func loudnessIsNormalized(prompt: String) async throws {
        let directory = try scene()
        defer { try? FileManager.default.removeItem(at: directory) }
        let request = GenerationRequest(prompt: prompt, startImage: .stored("start.png"), duration: 4)
        let (integrated, truePeak) = try VideoAnalysis.loudness(try await render(request, in: directory))
        #expect(abs(integrated + 16) <= 1, "\(prompt): \(integrated) LUFS")
        #expect(truePeak <= -1, "\(prompt): true peak \(truePeak) dBTP")
    }

    @Test func negativePromptRemovesLayers() async throws {
        #expect(AudioLayers(negativePrompt: "blur, distort, and low quality") == AudioLayers())
        #expect(AudioLayers(negativePrompt: "no background noise") == AudioLayers(ambience: false))
        #expect(AudioLayers(negativePrompt: "speech, music") == AudioLayers(speech: false, music: false))
        #expect(AudioLayers(negativePrompt: "人声") == AudioLayers(speech: false))
        // With both layers gone the track is silent, and still the video's length.
        let directory = try scene()
        defer { try? FileManager.default.removeItem(at: directory) }
        let request = GenerationRequest(
            prompt: "rain; she says \"hi\"", startImage: .stored("start.png"), duration: 3, negativePrompt: "noise, voice")
        let samples = try VideoAnalysis.audioSamples(try await render(request, in: directory))
        #expect(abs(Double(samples.count) / 48_000 - 3) <= 1.0 / 24)
        #expect(Self.audibleSpan(samples) == nil)
    }

    @Test func aLineTooLongForItsShotIsRefusedAtSubmit() async throws {
        let long = String(repeating: "this sentence keeps going and going without a pause ", count: 4)
        let request = GenerationRequest(
            prompt: nil, startImage: .stored("start.png"), duration: 5,
            multiPrompt: [.init(prompt: "calm", duration: 2), .init(prompt: "he says \"\(long)\"", duration: 3)])
        await #expect {
            try await engine.validate(.video(request))
        } throws: { error in
            let refusal = error as? InvalidRequest
            let message = refusal?.message ?? ""
            return refusal?.field == "multi_prompt[1].prompt" && message.hasPrefix("multi_prompt[1].prompt:")
                && message.contains("at most 2.5 s of speech")
        }
        // Without audio, or with speech removed, nothing is spoken, so nothing is refused.
        var silent = request
        silent.generateAudio = false
        try await engine.validate(.video(silent))
        silent.generateAudio = true
        silent.negativePrompt = "speech"
        try await engine.validate(.video(silent))
    }
}
