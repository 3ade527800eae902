import Foundation

/// Loudness and true-peak measurement of 48 kHz stereo per ITU-R BS.1770-4 / EBU R128.
public enum LoudnessMeter {
    /// Integrated (programme) loudness in LUFS: K-weighting, 400 ms blocks every 100 ms, an
    /// absolute gate at −70 LUFS and a relative gate 10 LU under the absolutely-gated level.
    /// `-infinity` for silence, or for audio shorter than one 400 ms block.
    public static func integratedLoudness(_ audio: StereoAudio) -> Double {
        let blocks = blockPowers(audio)
        let absoluteGate = power(ofLoudness: -70)
        let loud = blocks.filter { $0 > absoluteGate }
        guard !loud.isEmpty else { return -.infinity }
        let relativeGate = loud.reduce(0, +) / Double(loud.count) * 0.1 // 10 LU down
        let gated = loud.filter { $0 > relativeGate }
        guard !gated.isEmpty else { return -.infinity }
        return loudness(ofPower: gated.reduce(0, +) / Double(gated.count))
    }

    /// The largest true (inter-sample) peak of either channel in dBTP, from 4× oversampling with a
    /// windowed-sinc polyphase interpolator (BS.1770-4 Annex 2). `-infinity` for silence.
    public static func truePeak(_ audio: StereoAudio) -> Double {
        let peak = max(channelTruePeak(audio.left), channelTruePeak(audio.right))
        return peak > 0 ? 20 * log10(Double(peak)) : -.infinity
    }

    // MARK: - Loudness

    private static let blockLength = StereoAudio.sampleRate * 4 / 10
    private static let stepLength = StereoAudio.sampleRate / 10

    private static func loudness(ofPower power: Double) -> Double {
        power > 0 ? -0.691 + 10 * log10(power) : -.infinity
    }

    private static func power(ofLoudness loudness: Double) -> Double {
        pow(10, (loudness + 0.691) / 10)
    }

    /// K-weighted loudness of the whole buffer with no gating, for audio too short to hold a
    /// gating block; `-infinity` under −70 LUFS.
    static func ungatedLoudness(_ audio: StereoAudio) -> Double {
        guard audio.frameCount > 0 else { return -.infinity }
        var energy = 0.0
        for channel in [audio.left, audio.right] {
            var weighting = KWeighting()
            for sample in channel {
                let y = weighting.process(Double(sample))
                energy += y * y
            }
        }
        let value = loudness(ofPower: energy / Double(audio.frameCount))
        return value > -70 ? value : -.infinity
    }

    /// Mean-square K-weighted power (summed over both channels) of each 400 ms gating block, the
    /// blocks starting every 100 ms.
    static func blockPowers(_ audio: StereoAudio) -> [Double] {
        let steps = audio.frameCount / stepLength
        var stepEnergy = [Double](repeating: 0, count: steps)
        for channel in [audio.left, audio.right] {
            var weighting = KWeighting()
            channel.withUnsafeBufferPointer { samples in
                for step in 0..<steps {
                    var energy = 0.0
                    for index in (step * stepLength)..<((step + 1) * stepLength) {
                        let y = weighting.process(Double(samples[index]))
                        energy += y * y
                    }
                    stepEnergy[step] += energy
                }
            }
        }
        let stepsPerBlock = blockLength / stepLength
        guard steps >= stepsPerBlock else { return [] }
        return (0...(steps - stepsPerBlock)).map { first in
            stepEnergy[first..<(first + stepsPerBlock)].reduce(0, +) / Double(blockLength)
        }
    }

    /// The BS.1770 K-weighting filter at 48 kHz: the high-shelf pre-filter then the RLB high-pass.
    private struct KWeighting {
        private var shelf1 = 0.0, shelf2 = 0.0, pass1 = 0.0, pass2 = 0.0

        @inline(__always) mutating func process(_ x: Double) -> Double {
            let y = 1.53512485958697 * x + shelf1
            shelf1 = -2.69169618940638 * x + 1.69065929318241 * y + shelf2
            shelf2 = 1.19839281085285 * x - 0.73248077421585 * y
            let z = y + pass1
            pass1 = -2 * y + 1.99004745483398 * z + pass2
            pass2 = y - 0.99007225036621 * z
            return z
        }
    }

    // MARK: - True peak

    /// Taps on each side of the interpolation point.
    private static let halfTaps = 12

    /// Interpolation coefficients for the three in-between phases (1/4, 2/4, 3/4 of a sample):
    /// a Kaiser-windowed sinc (β = 7), each phase normalized to unit DC gain. Row p, tap k weights
    /// sample `n − halfTaps + 1 + k` for the point at n + p/4.
    static let interpolationPhases: [[Float]] = (1...3).map { phase in
        let fraction = Double(phase) / 4
        let span = Double(halfTaps)
        var taps = (0..<(2 * halfTaps)).map { k -> Double in
            let distance = Double(k - halfTaps + 1) - fraction
            let sinc = sin(Double.pi * distance) / (Double.pi * distance)
            let ratio = distance / span
            return sinc * besselI0(7 * (1 - ratio * ratio).squareRoot()) / besselI0(7)
        }
        let sum = taps.reduce(0, +)
        taps = taps.map { $0 / sum }
        return taps.map(Float.init)
    }

    private static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0
        for k in 1..<30 {
            term *= (x / (2 * Double(k))) * (x / (2 * Double(k)))
            sum += term
        }
        return sum
    }

    /// How much the interpolator can amplify: the largest sum of absolute taps of any phase. An
    /// interpolated point is never above this times the largest sample it is computed from.
    private static let interpolationGainBound: Float = interpolationPhases.map { $0.reduce(0) { $0 + abs($1) } }.max()! * 1.001

    /// For each sample n, the largest magnitude of the sample and of the three interpolated points
    /// between it and sample n + 1 — computed exactly wherever that could exceed `threshold`;
    /// elsewhere the sample's own magnitude stands in (both are then at most `threshold`).
    static func oversampledMagnitudes(_ channel: [Float], above threshold: Float = 0) -> [Float] {
        var result = [Float](repeating: 0, count: channel.count)
        scanOversampled(channel) { n, bound, sample, interpolate in
            result[n] = bound > threshold ? interpolate() : sample
        }
        return result
    }

    private static func channelTruePeak(_ channel: [Float]) -> Float {
        var peak: Float = 0
        scanOversampled(channel) { _, bound, sample, interpolate in
            peak = max(peak, sample)
            if bound > peak { peak = max(peak, interpolate()) }
        }
        return peak
    }

    /// Walks the channel sample by sample, handing `visit` the index, an upper bound on the
    /// interpolated magnitudes next to it, the sample's magnitude, and a closure computing the
    /// exact largest of the sample and its three interpolated successors (the FIR work, skipped
    /// when the bound shows it cannot matter).
    private static func scanOversampled(
        _ channel: [Float], _ visit: (Int, Float, Float, () -> Float) -> Void
    ) {
        let count = channel.count
        guard count > 0 else { return }
        let taps = 2 * halfTaps
        var padded = [Float](repeating: 0, count: count + taps)
        for index in 0..<count { padded[index + halfTaps - 1] = channel[index] }
        // Largest magnitude in each aligned block of `taps` padded samples: any window of `taps`
        // samples lies within two neighbouring blocks.
        let blocks = (padded.count + taps - 1) / taps
        var blockPeaks = [Float](repeating: 0, count: blocks + 1)
        for index in 0..<padded.count { blockPeaks[index / taps] = max(blockPeaks[index / taps], abs(padded[index])) }
        let phase1 = interpolationPhases[0], phase2 = interpolationPhases[1], phase3 = interpolationPhases[2]
        let gainBound = interpolationGainBound
        padded.withUnsafeBufferPointer { input in
            phase1.withUnsafeBufferPointer { h1 in
                phase2.withUnsafeBufferPointer { h2 in
                    phase3.withUnsafeBufferPointer { h3 in
                        for n in 0..<count {
                            let sample = abs(input[n + halfTaps - 1])
                            let bound = max(blockPeaks[n / taps], blockPeaks[n / taps + 1]) * gainBound
                            visit(n, bound, sample) {
                                var s1: Float = 0, s2: Float = 0, s3: Float = 0
                                for k in 0..<taps {
                                    let x = input[n + k]
                                    s1 += h1[k] * x
                                    s2 += h2[k] * x
                                    s3 += h3[k] * x
                                }
                                return max(sample, abs(s1), abs(s2), abs(s3))
                            }
                        }
                    }
                }
            }
        }
    }
}
