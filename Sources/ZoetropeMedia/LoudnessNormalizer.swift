import Foundation

/// Brings a soundtrack to a target integrated loudness (EBU R128) and keeps its true peak under a
/// ceiling with a look-ahead limiter, so the encoded file neither shouts nor clips.
public struct LoudnessNormalizer: Sendable {
    /// Integrated loudness to reach, in LUFS.
    public var targetLUFS: Double
    /// Highest true peak allowed, in dBTP; −2 leaves room for AAC's overshoot so the encoded file
    /// stays at or under −1 dBTP.
    public var truePeakCeiling: Double

    /// Gain is never raised by more than this, so near-silence is not blown up into noise.
    private static let maximumGainDB = 60.0
    /// Look-ahead (and attack) of the limiter: 5 ms.
    private static let lookAheadSeconds = 0.005
    /// Release time constant of the limiter: 100 ms.
    private static let releaseSeconds = 0.1
    /// The limiter aims this far under the ceiling, since its gain changes a little between the
    /// peaks it was computed from.
    private static let limiterMarginDB = 0.05

    public init(targetLUFS: Double = -16, truePeakCeiling: Double = -2) {
        self.targetLUFS = targetLUFS
        self.truePeakCeiling = truePeakCeiling
    }

    /// Scales `audio` to `targetLUFS`, then limits true peaks to `truePeakCeiling`. When limiting
    /// costs more than 0.3 LU it raises the gain (a secant step on gain versus measured loudness)
    /// and limits the original again, three passes at most, keeping the pass closest to the
    /// target. Silence stays silence.
    public func normalize(_ audio: inout StereoAudio) {
        guard audio.frameCount > 0 else { return }
        let ceiling = Float(pow(10, truePeakCeiling / 20))
        let limiterCeiling = ceiling * Float(pow(10, -Self.limiterMarginDB / 20))
        let original = audio
        let measured = Self.measure(original)
        if measured.isFinite {
            var gainDB = min(targetLUFS - measured, Self.maximumGainDB)
            var previous: (gainDB: Double, loudness: Double)?
            var best: (audio: StereoAudio, error: Double)?
            for _ in 0..<3 {
                var candidate = original
                candidate.scale(by: Float(pow(10, gainDB / 20)))
                Self.limit(&candidate, ceiling: limiterCeiling)
                let loudness = Self.measure(candidate)
                let error = abs(targetLUFS - loudness)
                if best == nil || error < best!.error { best = (candidate, error) }
                guard loudness.isFinite, targetLUFS - loudness > 0.3, gainDB < Self.maximumGainDB else { break }
                // How much louder the output got per dB of gain: 1 while unlimited, less as the
                // limiter works harder.
                var slope = 1.0
                if let previous, gainDB != previous.gainDB {
                    slope = min(max((loudness - previous.loudness) / (gainDB - previous.gainDB), 0.2), 1)
                }
                previous = (gainDB, loudness)
                gainDB = min(gainDB + (targetLUFS - loudness) / slope, Self.maximumGainDB)
            }
            if let best { audio = best.audio }
        }
        Self.enforceCeiling(&audio, ceiling: ceiling)
    }

    private static func measure(_ audio: StereoAudio) -> Double {
        let integrated = LoudnessMeter.integratedLoudness(audio)
        return integrated.isFinite ? integrated : LoudnessMeter.ungatedLoudness(audio)
    }

    /// Linked-stereo look-ahead limiter on 4×-oversampled peaks: the gain each sample needs is
    /// held over the look-ahead window, released exponentially, then ramped in over the window, so
    /// it is already down when the peak arrives.
    private static func limit(_ audio: inout StereoAudio, ceiling: Float) {
        let count = audio.frameCount
        let peaksLeft = LoudnessMeter.oversampledMagnitudes(audio.left, above: ceiling)
        let peaksRight = LoudnessMeter.oversampledMagnitudes(audio.right, above: ceiling)
        var required = [Float](repeating: 1, count: count)
        var needed = false
        for index in 0..<count {
            let peak = max(peaksLeft[index], peaksRight[index])
            if peak > ceiling {
                required[index] = ceiling / peak
                needed = true
            }
        }
        guard needed else { return }
        let window = max(1, Int(lookAheadSeconds * Double(StereoAudio.sampleRate)))

        // held[i] = min(required[i ..< i + window]), by a monotonic queue.
        var held = [Float](repeating: 1, count: count)
        var queue = [Int](repeating: 0, count: count)
        var head = 0, tail = 0
        for newest in 0..<(count + window - 1) {
            if newest < count {
                while tail > head && required[queue[tail - 1]] >= required[newest] { tail -= 1 }
                queue[tail] = newest
                tail += 1
            }
            let oldest = newest - window + 1
            guard oldest >= 0 else { continue }
            while queue[head] < oldest { head += 1 }
            held[oldest] = required[queue[head]]
        }

        // Instant attack, exponential release.
        let release = Float(1 - exp(-1 / (releaseSeconds * Double(StereoAudio.sampleRate))))
        var released = held
        for index in 1..<count where released[index] > released[index - 1] {
            released[index] = released[index - 1] + (released[index] - released[index - 1]) * release
        }

        // Average over the window behind each sample: every value averaged is a minimum over a
        // span holding this sample, so the gain is never above what the sample needs.
        var sum = Double(released[0]) * Double(window)
        for index in 0..<count {
            sum += Double(released[index]) - Double(released[max(index - window, 0)])
            let gain = Float(sum / Double(window))
            audio.left[index] *= gain
            audio.right[index] *= gain
        }
    }

    /// A last guarantee: scales down any remaining true-peak excess and clamps samples to the
    /// ceiling.
    private static func enforceCeiling(_ audio: inout StereoAudio, ceiling: Float) {
        let peak = LoudnessMeter.truePeak(audio)
        let ceilingDB = 20 * log10(Double(ceiling))
        if peak.isFinite && peak > ceilingDB {
            audio.scale(by: Float(pow(10, (ceilingDB - peak) / 20)) * 0.999)
        }
        for index in 0..<audio.frameCount {
            audio.left[index] = min(max(audio.left[index], -ceiling), ceiling)
            audio.right[index] = min(max(audio.right[index], -ceiling), ceiling)
        }
    }
}
