import Foundation
import ZoetropeCore

/// The `kling-create-voice` engine: fetches and decodes the sample, measures its pitch and
/// speaking rate, and makes the espeak-ng voice profile that speaks in its place. The gateway
/// stores the profile under the caller's key.
public struct VoiceCloneEngine: Engine {
    public static let engineName = "voice"
    public var name: String { Self.engineName }
    public let inputs: InputFiles
    public let decoder = VoiceSampleDecoder()
    public let analyzer = VoiceAnalyzer()

    public init(fetcher: InputFetcher) {
        inputs = InputFiles(fetcher: fetcher)
    }

    public func run(_ request: JobRequest, context: RenderContext) async throws -> EngineOutput {
        guard case .voice(let voice) = request else { throw RenderError("the voice engine makes voices only") }
        let file = try await inputs.file(for: voice.sample, field: "voice_url", context: context)
        context.progress(0.3)
        let analysis = try await ProcessRunner.onDedicatedThread {
            let samples = try decoder.decode(file, field: "voice_url")
            return try analyzer.analyze(samples, sampleRate: VoiceSampleDecoder.sampleRate)
        }
        context.progress(0.9)
        let settings = EspeakVoiceSettings.matching(
            pitchHz: analysis.pitchHz, syllablesPerSecond: analysis.syllablesPerSecond)
        return .voice(VoiceProfile(
            id: VoiceProfile.voiceID(jobID: context.jobID), name: voice.name, apiKeyID: "",
            pitchHz: (analysis.pitchHz * 10).rounded() / 10,
            syllablesPerSecond: (analysis.syllablesPerSecond * 100).rounded() / 100,
            espeakVariant: settings.variant, espeakPitch: settings.pitch, wordsPerMinute: settings.wordsPerMinute))
    }
}
