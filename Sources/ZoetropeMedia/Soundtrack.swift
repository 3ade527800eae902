import ZoetropeCore

/// The audio track for a video: 48 kHz stereo, exactly the video's length. Until the audio engine
/// lands it is silence, so players and the API's promise of an audio track are already honoured.
public enum Soundtrack {
    public static let sampleRate = 48_000

    public static func render(for request: GenerationRequest) -> PCMAudio {
        let frames = request.duration * sampleRate
        return PCMAudio(sampleRate: sampleRate, channels: 2, samples: [Int16](repeating: 0, count: frames * 2))
    }
}
