import Foundation
import Testing
import ZoetropeMedia

struct LoudnessTests {
    // MARK: - Meter

    @Test func sineReadsItsBS1770Loudness() {
        // A 1 kHz sine at −20 dBFS reads −23.0 LUFS in one channel, and 3 dB more (−20.0) in both.
        let sine = TestSignals.sine(frequency: 1_000, amplitude: 0.1, seconds: 5)
        let both = StereoAudio(left: sine, right: sine)
        let leftOnly = StereoAudio(left: sine, right: [Float](repeating: 0, count: sine.count))
        #expect(abs(LoudnessMeter.integratedLoudness(both) - -20.0) < 0.05)
        #expect(abs(LoudnessMeter.integratedLoudness(leftOnly) - -23.0) < 0.05)
        #expect(abs(LoudnessMeter.truePeak(both) - -20.0) < 0.05)
    }

    @Test func truePeakFindsInterSamplePeaks() {
        // A quarter-sample-rate sine at 45° phase: every sample sits at ±0.707 of the crest. Its
        // ends are faded so the abrupt start does not ring.
        let count = 48_000, fade = 4_800
        let wave = (0..<count).map { index -> Float in
            let edge = min(Double(min(index, count - 1 - index)) / Double(fade), 1)
            return Float(0.5 * sin(Double.pi / 2 * Double(index) + Double.pi / 4) * (0.5 - 0.5 * cos(Double.pi * edge)))
        }
        let audio = StereoAudio(left: wave, right: wave)
        let samplePeak = 20 * log10(Double(wave.map(abs).max()!))
        #expect(abs(samplePeak - -9.03) < 0.01)
        #expect(abs(LoudnessMeter.truePeak(audio) - -6.02) < 0.02)
    }

    @Test func silenceAndGating() {
        let silence = StereoAudio(frames: 48_000 * 2)
        #expect(LoudnessMeter.integratedLoudness(silence) == -.infinity)
        #expect(LoudnessMeter.truePeak(silence) == -.infinity)
        #expect(LoudnessMeter.integratedLoudness(StereoAudio(frames: 1_000)) == -.infinity)

        let loud = TestSignals.sine(frequency: 1_000, amplitude: 0.1, seconds: 5)
        // Silence after the programme is under the absolute gate (ungated it would read −23.0;
        // the three blocks straddling the cut still count, hence −20.13)...
        let withSilence = loud + [Float](repeating: 0, count: loud.count)
        #expect(abs(LoudnessMeter.integratedLoudness(StereoAudio(left: withSilence, right: withSilence)) - -20.13) < 0.02)
        // ...and a passage 20 dB down is under the relative gate (ungated: −22.96).
        let withQuiet = loud + TestSignals.sine(frequency: 1_000, amplitude: 0.01, seconds: 5)
        #expect(abs(LoudnessMeter.integratedLoudness(StereoAudio(left: withQuiet, right: withQuiet)) - -20.13) < 0.02)
    }

    @Test(.enabled(if: FFmpegLoudness.isAvailable), arguments: ["sine", "sine-left", "pink", "rain", "crowd", "city+wind"])
    func meterAgreesWithFFmpeg(signal: String) throws {
        let audio = TestSignals.named(signal)
        let reference = try FFmpegLoudness.measure(audio)
        // Measure exactly what ffmpeg reads: the 16-bit file.
        let quantized = TestSignals.quantized(audio)
        let integrated = LoudnessMeter.integratedLoudness(quantized)
        let peak = LoudnessMeter.truePeak(quantized)
        #expect(abs(integrated - reference.integrated) <= 0.2, "\(signal): I \(integrated) vs ffmpeg \(reference.integrated)")
        #expect(abs(peak - reference.truePeak) <= 0.3, "\(signal): TP \(peak) vs ffmpeg \(reference.truePeak)")
    }

    // MARK: - Normalizer

    @Test(arguments: ["rain", "fire", "forest", "crowd", "clipped", "quiet", "sine"])
    func normalizesToTargetUnderTheCeiling(signal: String) throws {
        var audio = TestSignals.named(signal)
        LoudnessNormalizer().normalize(&audio)
        let integrated = LoudnessMeter.integratedLoudness(audio)
        let peak = LoudnessMeter.truePeak(audio)
        #expect(abs(integrated - -16) <= 0.5, "\(signal): \(integrated) LUFS")
        #expect(peak <= -2 + 1e-6, "\(signal): \(peak) dBTP")
        let ceiling = Float(pow(10, -2.0 / 20))
        #expect(audio.left.allSatisfy { abs($0) <= ceiling } && audio.right.allSatisfy { abs($0) <= ceiling })

        if FFmpegLoudness.isAvailable {
            let reference = try FFmpegLoudness.measure(audio)
            #expect(abs(reference.integrated - -16) <= 1, "\(signal): ffmpeg I \(reference.integrated)")
            #expect(reference.truePeak <= -1.5, "\(signal): ffmpeg peak \(reference.truePeak)")
        }
    }

    @Test func honoursOtherTargets() {
        var audio = TestSignals.named("crowd")
        LoudnessNormalizer(targetLUFS: -23, truePeakCeiling: -1).normalize(&audio)
        #expect(abs(LoudnessMeter.integratedLoudness(audio) - -23) <= 0.5)
        #expect(LoudnessMeter.truePeak(audio) <= -1)
    }

    @Test func silenceStaysSilent() {
        var silence = StereoAudio(frames: 48_000 * 3)
        LoudnessNormalizer().normalize(&silence)
        #expect(silence.left.allSatisfy { $0 == 0 } && silence.right.allSatisfy { $0 == 0 })

        var empty = StereoAudio(frames: 0)
        LoudnessNormalizer().normalize(&empty)
        #expect(empty.frameCount == 0)

        // Far under the −70 LUFS gate: left alone rather than blown up.
        var whisper = StereoAudio(left: [Float](repeating: 1e-6, count: 48_000), right: [Float](repeating: -1e-6, count: 48_000))
        LoudnessNormalizer().normalize(&whisper)
        #expect(whisper.left.allSatisfy { $0 == 1e-6 })
    }

    @Test func shortClipsAreNormalizedWithoutGating() {
        // 200 ms is shorter than one gating block; it is levelled on its ungated loudness.
        var blip = StereoAudio(left: TestSignals.sine(frequency: 440, amplitude: 0.9, seconds: 0.2),
                               right: TestSignals.sine(frequency: 440, amplitude: 0.9, seconds: 0.2))
        LoudnessNormalizer().normalize(&blip)
        #expect(blip.left.allSatisfy { $0.isFinite })
        #expect(LoudnessMeter.truePeak(blip) <= -2 + 1e-6)
        #expect(blip.left.map(abs).max()! > 0.1)
    }
}

/// Deterministic test signals.
private enum TestSignals {
    static func sine(frequency: Double, amplitude: Double, seconds: Double) -> [Float] {
        let count = Int(seconds * 48_000)
        return (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / 48_000)) }
    }

    /// Pink-ish noise (Paul Kellet's filter over a seeded LCG), one stream per channel.
    static func pink(seconds: Double, gain: Float, seed: UInt64) -> [Float] {
        var state = seed
        var b0: Float = 0, b1: Float = 0, b2: Float = 0
        return (0..<Int(seconds * 48_000)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let white = Float(Int32(truncatingIfNeeded: state >> 32)) / 2_147_483_648
            b0 = 0.99765 * b0 + white * 0.0990460
            b1 = 0.96300 * b1 + white * 0.2965164
            b2 = 0.57000 * b2 + white * 1.0526913
            return (b0 + b1 + b2 + white * 0.1848) * 0.25 * gain
        }
    }

    static func named(_ name: String) -> StereoAudio {
        let seconds = 4.0
        let frames = Int(seconds * 48_000)
        switch name {
        case "sine":
            let wave = sine(frequency: 1_000, amplitude: 0.1, seconds: seconds)
            return StereoAudio(left: wave, right: wave)
        case "sine-left":
            return StereoAudio(left: sine(frequency: 1_000, amplitude: 0.1, seconds: seconds), right: [Float](repeating: 0, count: frames))
        case "pink":
            return StereoAudio(left: pink(seconds: seconds, gain: 0.5, seed: 1), right: pink(seconds: seconds, gain: 0.5, seed: 2))
        case "clipped":
            // Pink noise driven 12 dB into hard clipping: loud and square.
            let clip = { (signal: [Float]) in signal.map { min(max($0 * 4, -1), 1) } }
            return StereoAudio(left: clip(pink(seconds: seconds, gain: 1, seed: 3)), right: clip(pink(seconds: seconds, gain: 1, seed: 4)))
        case "quiet":
            // About −57 LUFS.
            return StereoAudio(left: pink(seconds: seconds, gain: 0.002, seed: 5), right: pink(seconds: seconds, gain: 0.002, seed: 6))
        default:
            let kinds = name.split(separator: "+").map { Ambience(rawValue: String($0))! }
            return AmbienceSynthesizer(seed: 17).render(kinds, intensity: 0.8, frames: frames)
        }
    }

    /// `audio` as the 16-bit WAV stores it and ffmpeg reads it back.
    static func quantized(_ audio: StereoAudio) -> StereoAudio {
        let samples = audio.pcm16().samples
        let frames = samples.count / 2
        return StereoAudio(left: (0..<frames).map { Float(samples[2 * $0]) / 32_768 },
                           right: (0..<frames).map { Float(samples[2 * $0 + 1]) / 32_768 })
    }
}

/// Runs ffmpeg's EBU R128 filter (`ebur128=peak=true`) on a WAV of the audio and reads the
/// integrated loudness and true peak from its summary.
private enum FFmpegLoudness {
    struct Reading {
        var integrated: Double
        var truePeak: Double
    }

    static let path: String? = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg", "/opt/homebrew/bin/ffmpeg"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static var isAvailable: Bool { path != nil }

    static func measure(_ audio: StereoAudio) throws -> Reading {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("loudness-\(UUID().uuidString).wav")
        try audio.pcm16().wavData().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ProcessRunner.runBlocking(
            path!, ["-nostats", "-hide_banner", "-nostdin", "-i", file.path, "-af", "ebur128=peak=true", "-f", "null", "-"])
        let output = String(decoding: run.stderr, as: UTF8.self)
        // The summary comes last: take the last "I:" and "Peak:" lines.
        func last(_ label: String) -> Double? {
            output.split(separator: "\n").reversed().lazy.compactMap { line -> Double? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix(label) else { return nil }
                let value = trimmed.dropFirst(label.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
                return value.flatMap { $0 == "-inf" ? -.infinity : Double($0) }
            }.first
        }
        guard let integrated = last("I:"), let peak = last("Peak:") else {
            throw FFmpegError(output: output)
        }
        return Reading(integrated: integrated, truePeak: peak)
    }

    struct FFmpegError: Error {
        var output: String
    }
}
