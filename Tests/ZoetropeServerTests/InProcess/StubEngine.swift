import Foundation
import Synchronization
import ZoetropeCore

/// An engine that finishes at once with a tiny output, so API tests need no render: a few bytes
/// for a video, a fixed profile for a voice. A prompt holding `[fail]` fails with a reason; one
/// holding `[hold]` runs until it is stopped (cancelled, or its lease lost).
struct StubEngine: Engine {
    static let video = Data("stub video".utf8)
    static let failure = "the stub engine was told to fail"

    var name: String { "stub" }

    /// The ids of every job any stub engine has been asked to run, in this process.
    static let ran = Mutex<Set<String>>([])

    /// The stub serving every model the built-in engines serve.
    static var engines: [String: any Engine] {
        [ModelCatalog.klingImageToVideo: StubEngine(), ModelCatalog.klingCreateVoice: StubEngine()]
    }

    func run(_ request: JobRequest, context: RenderContext) async throws -> EngineOutput {
        _ = Self.ran.withLock { $0.insert(context.jobID) }
        switch request {
        case .video(let generation):
            let prompts = generation.shotPrompts.map(\.prompt).joined(separator: " ")
            if prompts.contains("[fail]") { throw RenderError(Self.failure) }
            if prompts.contains("[hold]") {
                while true { try await Task.sleep(for: .milliseconds(20)) }
            }
            context.progress(0.5)
            try Self.video.write(to: context.outputFile)
            return .video
        case .voice(let voice):
            return .voice(VoiceProfile(
                id: VoiceProfile.voiceID(jobID: context.jobID), name: voice.name, apiKeyID: "", pitchHz: 120.5,
                syllablesPerSecond: 4.25, espeakVariant: "m3", espeakPitch: 40, wordsPerMinute: 165))
        }
    }

    func plan(for request: JobRequest) -> JSONValue? {
        guard case .video(let generation) = request else { return nil }
        return ["engine": "stub", "frames": .number(Double(generation.duration * GenerationRequest.framesPerSecond)), "shots": []]
    }
}
