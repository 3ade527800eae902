import Foundation
import ZoetropeCore

/// The audio track of a video, 48 kHz stereo and exactly the video's length: per shot, an
/// ambience bed read from the shot's prompt and the shot's quoted lines spoken by espeak-ng, the
/// bed ducked under speech; the mix normalized to −16 LUFS with true peaks held under −2 dBTP.
public struct Soundtrack: Sendable {
    public static let sampleRate = StereoAudio.sampleRate
    /// Silence before a shot's first line, between its lines and after its last one, seconds.
    public static let speechLead = 0.3
    public static let speechGap = 0.25
    public static let speechTail = 0.2
    /// Levels before the final normalization: the bed (the synthesizer's −23 LUFS at medium
    /// intensity, lowered 3 dB, keeping its intensity and room-tone levels), and each spoken line.
    static let bedGain: Float = 0.708
    static let speechLoudness = -18.0
    /// How far the bed dips under speech (a gain factor, about −10 dB).
    static let duckedGain: Float = 0.32

    public var synthesizer = SpeechSynthesizer()
    public var normalizer = LoudnessNormalizer()

    public init() {}

    /// One spoken line placed in the video.
    public struct PlacedLine: Sendable {
        public var line: SpeechLine
        public var shot: Int
        /// Start in sample frames from the start of the video.
        public var start: Int
        public var samples: [Float]
        /// How much faster than its voice's pace the line is spoken, to fit its shot (1 when it fits as is).
        public var tempo: Double
    }

    /// The whole track for `request`.
    public func render(for request: GenerationRequest) throws -> PCMAudio {
        let layers = AudioLayers(negativePrompt: request.negativePrompt)
        let frames = request.duration * Self.sampleRate
        var ambience = StereoAudio(frames: frames)
        var speech = StereoAudio(frames: frames)
        var presence = [Float](repeating: 0, count: frames)
        var start = 0
        for (index, shot) in request.shotPrompts.enumerated() {
            let shotFrames = shot.seconds * Self.sampleRate
            if layers.ambience {
                var bed = AmbienceSynthesizer(seed: Self.seed(shot.prompt, index, requestSeed: request.seed)).render(
                    Ambience.classify(shot.prompt), intensity: Ambience.intensity(shot.prompt), frames: shotFrames)
                bed.scale(by: Self.bedGain)
                ambience.mix(bed, at: start)
            }
            start += shotFrames
        }
        if layers.speech {
            for placed in try placedLines(for: request) {
                var voice = StereoAudio(left: placed.samples, right: placed.samples)
                Self.setLoudness(of: &voice, to: Self.speechLoudness)
                speech.mix(voice, at: placed.start)
                for index in placed.start..<min(frames, placed.start + placed.samples.count) { presence[index] = 1 }
            }
        }
        // Duck the bed under speech: 50 ms down, 300 ms back up.
        let attack = Float(1 - exp(-1 / (0.05 * Double(Self.sampleRate))))
        let release = Float(1 - exp(-1 / (0.3 * Double(Self.sampleRate))))
        var envelope: Float = 0
        var mix = speech
        for index in 0..<frames {
            let target = presence[index]
            envelope += (target - envelope) * (target > envelope ? attack : release)
            let gain = 1 - (1 - Self.duckedGain) * envelope
            mix.left[index] += ambience.left[index] * gain
            mix.right[index] += ambience.right[index] * gain
        }
        normalizer.normalize(&mix)
        return mix.pcm16()
    }

    /// Every quoted line of every shot, synthesized and placed one after another from just after
    /// the shot's start. Lines too long for their shot are spoken faster, up to
    /// `SpeechSynthesizer.fastestTempo`; throws an `InvalidRequest` naming the prompt when a shot's
    /// lines still do not fit in it.
    public func placedLines(for request: GenerationRequest) throws -> [PlacedLine] {
        var placed: [PlacedLine] = []
        var shotStart = 0
        for (index, shot) in request.shotPrompts.enumerated() {
            let lines = SpeechScript.lines(in: shot.prompt).map { ($0, Self.voice(for: $0, in: request)) }
            var spoken = try lines.map { try synthesizer.synthesize($0, voice: $1) }
            let seconds = Self.seconds(of: spoken)
            let allowed = Double(shot.seconds) - Self.speechLead - Self.speechTail
                - Self.speechGap * Double(max(lines.count - 1, 0))
            var tempo = 1.0
            if !lines.isEmpty && seconds > allowed {
                tempo = seconds / max(allowed, 0.001)
                guard tempo <= SpeechSynthesizer.fastestTempo else {
                    throw Self.tooLong(request, shot: index, lines: lines.count, seconds: seconds, allowed: allowed)
                }
                spoken = try lines.map { try synthesizer.synthesize($0, voice: $1, tempo: tempo) }
            }
            var cursor = shotStart + Int(Self.speechLead * Double(Self.sampleRate))
            for ((line, _), samples) in zip(lines, spoken) {
                placed.append(PlacedLine(line: line, shot: index, start: cursor, samples: samples, tempo: tempo))
                cursor += samples.count + Int(Self.speechGap * Double(Self.sampleRate))
            }
            shotStart += shot.seconds * Self.sampleRate
        }
        return placed
    }

    static func seconds(of spoken: [[Float]]) -> Double {
        Double(spoken.map(\.count).reduce(0, +)) / Double(sampleRate)
    }

    /// The refusal of a shot whose lines do not fit even spoken at the fastest tempo.
    static func tooLong(_ request: GenerationRequest, shot index: Int, lines: Int, seconds: Double, allowed: Double) -> InvalidRequest {
        let field = request.multiPrompt.isEmpty ? "prompt" : "multi_prompt[\(index)].prompt"
        let shotName = request.multiPrompt.isEmpty ? "the video" : "shot \(index + 1)"
        let shot = request.shotPrompts[index]
        let one = lines == 1
        return InvalidRequest(field: field, message: String(
            format: "%@: the quoted line%@ take%@ %.1f s to speak (%.1f s spoken %.1f× faster, the fastest allowed), but %@ is %d s long and leaves room for at most %.1f s of speech; shorten the line%@ or lengthen the shot",
            field, one ? "" : "s", one ? "s" : "", seconds, seconds / SpeechSynthesizer.fastestTempo,
            SpeechSynthesizer.fastestTempo, shotName, shot.seconds, max(allowed, 0), one ? "" : "s"))
    }

    /// How the track reads the request, for the result's `plan`: the layers kept, and per shot
    /// the ambience beds and the lines with who speaks them.
    public func plan(for request: GenerationRequest) -> JSONValue {
        let layers = AudioLayers(negativePrompt: request.negativePrompt)
        return [
            "layers": ["ambience": .bool(layers.ambience), "speech": .bool(layers.speech)],
            "loudness_lufs": .number(normalizer.targetLUFS),
            "shots": .array(request.shotPrompts.map { shot in
                [
                    "ambience": layers.ambience ? .array(Ambience.classify(shot.prompt).map { .string($0.rawValue) }) : [],
                    "lines": layers.speech ? .array(SpeechScript.lines(in: shot.prompt).map { line in
                        [
                            "text": .string(line.text), "language": .string(line.language.rawValue),
                            "voice": .string(Self.voice(for: line, in: request)?.id ?? "built-in"),
                        ]
                    }) : [],
                ]
            }),
        ]
    }

    /// Throws the same `InvalidRequest` as `placedLines` when a shot's lines do not fit (used at submit).
    public func checkSpeechFits(_ request: GenerationRequest) throws {
        guard request.generateAudio, AudioLayers(negativePrompt: request.negativePrompt).speech else { return }
        _ = try placedLines(for: request)
    }

    /// The voice that speaks `line`: its `<<<voice_N>>>` tag's voice, else the first voice given,
    /// else the built-in voice of its language.
    static func voice(for line: SpeechLine, in request: GenerationRequest) -> VoiceProfile? {
        if let tag = line.voiceTag, request.voices.indices.contains(tag - 1) { return request.voices[tag - 1] }
        return request.voices.first
    }

    static func setLoudness(of audio: inout StereoAudio, to target: Double) {
        let loudness = LoudnessMeter.integratedLoudness(audio)
        guard loudness.isFinite else { return }
        audio.scale(by: Float(pow(10, (target - loudness) / 20)))
    }

    /// A seed from the request's seed and the shot's prompt and position, so a request always
    /// sounds the same.
    static func seed(_ prompt: String, _ shot: Int, requestSeed: UInt32?) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(shot) ^ (UInt64(requestSeed ?? 0) &* 0x9E37_79B9_7F4A_7C15)
        for byte in prompt.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
