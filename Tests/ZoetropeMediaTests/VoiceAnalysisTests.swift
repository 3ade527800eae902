import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia

/// Pitch tracking, voice analysis and espeak-ng voice matching for `kling-create-voice`,
/// on synthetic signals and on speech made by espeak-ng (decoded by ffmpeg, as uploads are).
@Suite("Voice analysis")
struct VoiceAnalysisTests {
    static let rate = 16_000

    // MARK: PitchTracker on synthetic tones

    @Test("YIN finds the pitch of pure and harmonic tones", arguments: [100.0, 200.0, 300.0])
    func tones(hz: Double) {
        let tracker = PitchTracker()
        for (name, signal) in [
            ("sine", Self.sine(hz, seconds: 1)),
            ("sawtooth", Self.sawtooth(hz, seconds: 1)),
            ("pulse train", Self.glottalPulses(hz, seconds: 1)),
        ] {
            let f0s = tracker.frames(signal, sampleRate: Self.rate).compactMap(\.f0)
            #expect(f0s.count > 80, "\(name) at \(hz) Hz: only \(f0s.count) voiced frames")
            let median = Self.median(f0s)
            #expect(abs(median / hz - 1) < 0.02, "\(name) at \(hz) Hz measured \(median) Hz")
        }
    }

    @Test("Frames carry time, RMS and aperiodicity")
    func frameFields() {
        let tracker = PitchTracker()
        let signal = Self.sawtooth(150, seconds: 0.5) + [Float](repeating: 0, count: 8000)
        let frames = tracker.frames(signal, sampleRate: Self.rate)
        #expect(abs(Double(frames.count) - 100) <= 4)
        #expect(frames.first!.time < 0.03 && frames.last!.time > 0.95)
        let loud = frames.filter { $0.time > 0.1 && $0.time < 0.4 }
        #expect(loud.allSatisfy { $0.isVoiced && $0.aperiodicity < 0.1 && $0.rms > 0.1 })
        let quiet = frames.filter { $0.time > 0.6 }
        #expect(quiet.allSatisfy { !$0.isVoiced && $0.rms == 0 })
    }

    // MARK: VoiceAnalyzer

    @Test("A 200 Hz voiced sample with syllable-like bursts: pitch and rate")
    func syntheticVoicedSample() throws {
        // Four phrases of six 150 ms syllables, one every 250 ms (4 per second), each phrase
        // followed by 0.6 s of silence (a pause, left out of the speech time), with a little noise.
        var signal: [Float] = []
        let tone = Self.sawtooth(200, seconds: 0.15, amplitude: 0.5)
        for _ in 0..<4 {
            for _ in 0..<6 {
                signal += zip(tone.indices, tone).map { i, v in
                    v * Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(tone.count)))
                }
                signal += [Float](repeating: 0, count: Self.rate / 10)
            }
            signal += [Float](repeating: 0, count: Self.rate * 6 / 10)
        }
        var noise = SplitMix64(seed: 7)
        signal = signal.map { $0 + Float.random(in: -0.005...0.005, using: &noise) }
        let analysis = try VoiceAnalyzer().analyze(signal, sampleRate: Self.rate)
        #expect(abs(analysis.duration - Double(signal.count) / Double(Self.rate)) < 1e-9)
        #expect(abs(analysis.pitchHz / 200 - 1) < 0.10, "pitch \(analysis.pitchHz)")
        #expect(abs(analysis.pitchHz / 200 - 1) < 0.02, "pitch \(analysis.pitchHz)")
        // 24 nuclei in 4 phrases of 5 × 0.25 + 0.15 = 1.4 s of speech: 4.3 per second.
        #expect(abs(analysis.syllablesPerSecond - 24 / 5.6) < 0.4, "rate \(analysis.syllablesPerSecond)")
        #expect(analysis.voicedSeconds > 2.4 && analysis.voicedSeconds < 4.2, "voiced \(analysis.voicedSeconds)")
    }

    @Test(
        "espeak-ng speech: pitch agrees with a plain autocorrelation estimate",
        arguments: [("en-us+f2", 50), ("en-us+m3", 50), ("en-us+f2", 20), ("cmn+f2", 50)])
    func espeakSpeech(voice: String, pitch: Int) throws {
        let text = voice.hasPrefix("cmn") ? Self.mandarin : Self.english
        let samples = try Self.espeak(voice: voice, pitch: pitch, wordsPerMinute: 175, text: text, atLeast: 6)
        let analysis = try VoiceAnalyzer().analyze(samples, sampleRate: Self.rate)
        let reference = Self.autocorrelationPitch(samples)
        #expect(abs(analysis.pitchHz / reference - 1) < 0.10, "\(voice) -p \(pitch): YIN \(analysis.pitchHz) Hz, autocorrelation \(reference) Hz")
        #expect(analysis.voicedSeconds > 0.3 * analysis.duration, "voiced \(analysis.voicedSeconds) of \(analysis.duration) s")
        #expect(analysis.syllablesPerSecond > 3 && analysis.syllablesPerSecond < 6.5, "rate \(analysis.syllablesPerSecond)")
    }

    @Test("The speaking rate follows espeak-ng's speed and its syllable count")
    func espeakRate() throws {
        // Two sentences of 29 syllables. Speech time lies between the voiced time and the
        // duration, which bounds the true rate; and the rate scales with -s.
        var rates: [Double] = []
        for wordsPerMinute in [120, 175] {
            let samples = try Self.espeak(
                voice: "en-us+m3", pitch: 50, wordsPerMinute: wordsPerMinute, text: Self.english, repeats: 2)
            let analysis = try VoiceAnalyzer().analyze(samples, sampleRate: Self.rate)
            #expect(analysis.syllablesPerSecond >= 0.95 * 58 / analysis.duration, "\(wordsPerMinute) wpm: \(analysis)")
            #expect(analysis.syllablesPerSecond <= 1.05 * 58 / analysis.voicedSeconds, "\(wordsPerMinute) wpm: \(analysis)")
            rates.append(analysis.syllablesPerSecond)
        }
        #expect(abs(rates[1] / rates[0] / (175.0 / 120) - 1) < 0.15, "rates \(rates)")
    }

    // MARK: Matching espeak-ng settings

    @Test("Matched espeak-ng settings reproduce the pitch and rate", arguments: [110.0, 220.0])
    func roundTrip(targetHz: Double) throws {
        let targetRate = 4.0
        let settings = EspeakVoiceSettings.matching(pitchHz: targetHz, syllablesPerSecond: targetRate)
        #expect(settings.variant == (targetHz < 160 ? "m3" : "f2"))
        let samples = try Self.espeak(
            voice: "en-us+\(settings.variant)", pitch: settings.pitch, wordsPerMinute: settings.wordsPerMinute,
            text: Self.english2, atLeast: 6)
        let analysis = try VoiceAnalyzer().analyze(samples, sampleRate: Self.rate)
        #expect(abs(analysis.pitchHz / targetHz - 1) < 0.15, "\(settings): \(analysis.pitchHz) Hz for \(targetHz) Hz")
        #expect(abs(analysis.syllablesPerSecond / targetRate - 1) < 0.25, "\(settings): \(analysis.syllablesPerSecond) syllables/s")
    }

    @Test("Matching picks the variant by pitch and clamps to what espeak-ng can do")
    func matchingTable() {
        let low = EspeakVoiceSettings.matching(pitchHz: 100, syllablesPerSecond: 4)
        #expect(low.variant == "m3" && (40...55).contains(low.pitch) && (140...200).contains(low.wordsPerMinute))
        let high = EspeakVoiceSettings.matching(pitchHz: 250, syllablesPerSecond: 4)
        #expect(high.variant == "f2" && (70...85).contains(high.pitch))
        let deep = EspeakVoiceSettings.matching(pitchHz: 40, syllablesPerSecond: 1)
        #expect(deep == EspeakVoiceSettings(variant: "m3", pitch: 0, wordsPerMinute: 80))
        let shrill = EspeakVoiceSettings.matching(pitchHz: 600, syllablesPerSecond: 12)
        #expect(shrill.variant == "f2" && shrill.pitch == 99 && shrill.wordsPerMinute <= 300)
        // Monotonic in both inputs.
        var previous = EspeakVoiceSettings.matching(pitchHz: 161, syllablesPerSecond: 2)
        for hz in stride(from: 165.0, through: 320, by: 5) {
            let next = EspeakVoiceSettings.matching(pitchHz: hz, syllablesPerSecond: 2 + (hz - 160) / 40)
            #expect(next.pitch >= previous.pitch && next.wordsPerMinute >= previous.wordsPerMinute)
            previous = next
        }
        let mandarin = EspeakVoiceSettings.matching(pitchHz: 200, syllablesPerSecond: 4, language: "cmn")
        #expect(mandarin.variant == "f2" && mandarin.pitch > high.pitch - 20)
    }

    // MARK: Errors

    @Test("Too short and too long samples are refused, naming the length")
    func durationBounds() {
        #expect(VoiceAnalyzer.minimumSeconds == 5 && VoiceAnalyzer.maximumSeconds == 30)
        let short = Self.ramp(150, seconds: 3.2)
        let shortError = #expect(throws: RenderError.self) { try VoiceAnalyzer().analyze(short, sampleRate: Self.rate) }
        #expect(shortError?.message == "the voice sample is 3.2 s long; 5 to 30 s of speech are needed")
        let long = Self.ramp(150, seconds: 35)
        let longError = #expect(throws: RenderError.self) { try VoiceAnalyzer().analyze(long, sampleRate: Self.rate) }
        #expect(longError?.message == "the voice sample is over 30 s long; 5 to 30 s of speech are needed")
        // The bounds themselves are accepted.
        #expect(throws: Never.self) { try VoiceAnalyzer().analyze(Self.ramp(150, seconds: 5), sampleRate: Self.rate) }
        #expect(throws: Never.self) { try VoiceAnalyzer().analyze(Self.ramp(150, seconds: 30), sampleRate: Self.rate) }
    }

    @Test("A file without audio, and a sample longer than the decoder reads, are refused saying so")
    func decoderRefusals() throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let silentVideo = directory.appendingPathComponent("picture-only.mp4")
        _ = try VideoAnalysis.ffmpeg(["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x64", "-t", "6", silentVideo.path])
        let noAudio = #expect(throws: RenderError.self) { try VoiceSampleDecoder().decode(silentVideo, field: "voice_url") }
        #expect(noAudio?.message == "voice_url: the file has no audio track")
        let long = directory.appendingPathComponent("long.wav")
        _ = try VideoAnalysis.ffmpeg(["-v", "error", "-f", "lavfi", "-i", "sine=f=220:d=40", long.path])
        let samples = try VoiceSampleDecoder().decode(long, field: "voice_url")
        let tooLong = #expect(throws: RenderError.self) {
            try VoiceAnalyzer().analyze(samples, sampleRate: VoiceSampleDecoder.sampleRate)
        }
        #expect(tooLong?.message == "the voice sample is over 30 s long; 5 to 30 s of speech are needed")
    }

    @Test("Noise and silence have no voiced speech")
    func noVoice() {
        var generator = SplitMix64(seed: 42)
        let noise = (0..<(8 * Self.rate)).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let silence = [Float](repeating: 0, count: 8 * Self.rate)
        let hum = Self.sine(150, seconds: 8, amplitude: 1e-6)   // below any sensible level
        for (name, signal) in [("noise", noise), ("silence", silence), ("faint hum", hum)] {
            let error = #expect(throws: RenderError.self, "\(name)") { try VoiceAnalyzer().analyze(signal, sampleRate: Self.rate) }
            #expect(error?.message == "no voiced speech found in the voice sample", "\(name)")
        }
    }

    @Test("A 30 s sample of a rising voice: the median of its pitches")
    func longestSample() throws {
        let samples = (0..<15).flatMap { i in Self.ramp(100 + Double(i) * 10, seconds: 2, amplitude: 0.3) }
        let analysis = try VoiceAnalyzer().analyze(samples, sampleRate: Self.rate)
        #expect(analysis.duration == 30)
        #expect(abs(analysis.pitchHz - 170) < 6)
    }

    // MARK: Helpers

    static let english =
        "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore, and the shells she sells are surely sea shells."
    static let english2 =
        "Every morning I walk to the station, buy a newspaper, and read it on the train while the city wakes up around me."
    static let mandarin = "今天天气很好，我们去公园散步吧。"

    static func sine(_ hz: Double, seconds: Double, amplitude: Double = 0.5) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { Float(amplitude * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
    }

    /// Band-limited sawtooth: harmonics k = 1... below 7 kHz with amplitude 1/k.
    static func sawtooth(_ hz: Double, seconds: Double, amplitude: Double = 0.3) -> [Float] {
        let harmonics = Int(7000 / hz)
        return (0..<Int(seconds * Double(rate))).map { n in
            let phase = 2 * Double.pi * hz * Double(n) / Double(rate)
            var v = 0.0
            for k in 1...harmonics { v += sin(Double(k) * phase) / Double(k) }
            return Float(amplitude * v)
        }
    }

    /// Naive (aliased) sawtooth, cheap to make at any length.
    static func ramp(_ hz: Double, seconds: Double, amplitude: Double = 0.3) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { n in
            let phase = (hz * Double(n) / Double(rate)).truncatingRemainder(dividingBy: 1)
            return Float(amplitude * (2 * phase - 1))
        }
    }

    /// A train of Rosenberg-like glottal pulses (open 40 %, closing 16 % of the period), differentiated.
    static func glottalPulses(_ hz: Double, seconds: Double) -> [Float] {
        let period = Double(rate) / hz
        var previous = 0.0
        return (0..<Int(seconds * Double(rate))).map { n in
            let t = Double(n).truncatingRemainder(dividingBy: period) / period
            let flow: Double
            if t < 0.4 { flow = 0.5 - 0.5 * cos(Double.pi * t / 0.4) }
            else if t < 0.56 { flow = cos(Double.pi / 2 * (t - 0.4) / 0.16) }
            else { flow = 0 }
            defer { previous = flow }
            return Float(2 * (flow - previous))
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// Independent pitch estimate: in every third loud 40 ms frame, the shortest lag (60...500 Hz)
    /// at a local maximum of the normalised autocorrelation within 10 % of the best one, if that
    /// best is above 0.7; the median of those.
    static func autocorrelationPitch(_ samples: [Float]) -> Double {
        let window = 640, hop = 480, minLag = rate / 500, maxLag = rate / 60
        return samples.withUnsafeBufferPointer { x in
            func energy(_ start: Int) -> Float {
                var e: Float = 0
                for j in start..<(start + window) { e += x[j] * x[j] }
                return e
            }
            let starts = Array(stride(from: 0, to: x.count - window - maxLag - 1, by: hop))
            let loud = starts.map(energy).max() ?? 0
            var estimates: [Double] = []
            var scores = [Float](repeating: 0, count: maxLag + 2)
            for start in starts {
                let e0 = energy(start)
                guard e0 > loud * 0.05 else { continue }
                for lag in (minLag - 1)...(maxLag + 1) {
                    var r: Float = 0, e1: Float = 0
                    for j in start..<(start + window) {
                        r += x[j] * x[j + lag]
                        e1 += x[j + lag] * x[j + lag]
                    }
                    scores[lag] = r / (e0 * e1).squareRoot()
                }
                let best = scores[minLag...maxLag].max()!
                guard best > 0.7 else { continue }
                var lag = minLag
                while !(scores[lag] >= 0.9 * best && scores[lag] >= scores[lag - 1] && scores[lag] >= scores[lag + 1]) {
                    lag += 1
                }
                estimates.append(Double(rate) / Double(lag))
            }
            return median(estimates)
        }
    }

    /// Speech from espeak-ng, `text` repeated until it lasts at least `atLeast` seconds, decoded
    /// by ffmpeg to mono 16 kHz Float samples.
    static func espeak(voice: String, pitch: Int, wordsPerMinute: Int, text: String, atLeast seconds: Double) throws -> [Float] {
        var repeats = 1
        while true {
            let samples = try espeak(voice: voice, pitch: pitch, wordsPerMinute: wordsPerMinute, text: text, repeats: repeats)
            let duration = Double(samples.count) / Double(rate)
            if duration >= seconds { return samples }
            repeats = max(repeats + 1, Int((Double(repeats) * seconds / max(duration, 0.1)).rounded(.up)))
        }
    }

    /// Speech from espeak-ng, `text` said `repeats` times, decoded by ffmpeg to mono 16 kHz Float samples.
    static func espeak(voice: String, pitch: Int, wordsPerMinute: Int, text: String, repeats: Int) throws -> [Float] {
        let wav = FileManager.default.temporaryDirectory.appendingPathComponent("voice-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: wav) }
        let words = Array(repeating: text, count: repeats).joined(separator: " ")
        _ = try VideoAnalysis.tool("espeak-ng", ["-v", voice, "-p", "\(pitch)", "-s", "\(wordsPerMinute)", "-w", wav.path, words])
        let data = try VideoAnalysis.ffmpeg(["-v", "error", "-i", wav.path, "-ac", "1", "-ar", "\(rate)", "-f", "f32le", "-"]).stdout
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

/// Deterministic random numbers for the noise signals.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1334_11EB
        return z ^ (z >> 31)
    }
}
