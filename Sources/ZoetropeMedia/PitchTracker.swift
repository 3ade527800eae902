import Foundation

/// Frame-by-frame fundamental-frequency tracker after YIN (de Cheveigné & Kawahara, "YIN, a
/// fundamental frequency estimator for speech and music", JASA 2002): the squared-difference
/// function, its cumulative-mean normalisation, an absolute threshold on it, and parabolic
/// interpolation of the chosen lag.
///
/// The period is the first lag in `1/maximumHz...1/minimumHz` where the normalised difference dips
/// below `threshold` (failing that, the first dip close to the global minimum). A frame is voiced
/// (has an `f0`) when the normalised difference there is below `voicingThreshold` and its RMS is at least `relativeEnergyFloor` times the
/// RMS of the sample's loud frames (the 95th percentile of the frame RMS values).
///
/// Written for mono speech at 16 kHz (any rate works; the cost grows with the square of it):
/// a 30 s sample at 16 kHz takes a small fraction of a second in a release build.
public struct PitchTracker: Sendable {
    /// One analysis frame.
    public struct Frame: Sendable, Equatable {
        /// Centre of the frame's integration window, seconds from the start of the sample.
        public var time: Double
        /// Fundamental frequency in Hz; nil when the frame is unvoiced or too quiet.
        public var f0: Double?
        /// Minimum of YIN's cumulative mean normalised difference at the chosen lag
        /// (0 = perfectly periodic, about 1 = noise). 1 for frames too quiet to analyse.
        public var aperiodicity: Double
        /// Root mean square of the frame's samples.
        public var rms: Double

        public var isVoiced: Bool { f0 != nil }

        public init(time: Double, f0: Double?, aperiodicity: Double, rms: Double) {
            self.time = time
            self.f0 = f0
            self.aperiodicity = aperiodicity
            self.rms = rms
        }
    }

    /// Lowest and highest fundamental frequency searched, Hz.
    public var minimumHz: Double
    public var maximumHz: Double
    /// Length of YIN's integration window, seconds.
    public var windowSeconds: Double
    /// Distance between frame starts, seconds.
    public var hopSeconds: Double
    /// YIN's absolute threshold on the cumulative mean normalised difference: the first dip
    /// below it gives the period.
    public var threshold: Double
    /// A frame is voiced only when the normalised difference at its period is below this.
    /// Real and synthetic speech vowels measure 0...0.35 with a short window, unvoiced sounds 0.5...1.
    public var voicingThreshold: Double
    /// A frame quieter than this fraction of the loud frames' RMS is never voiced.
    public var relativeEnergyFloor: Double
    /// A frame quieter than this absolute RMS (full scale = 1) is never voiced.
    public var absoluteEnergyFloor: Double

    public init(
        minimumHz: Double = 60, maximumHz: Double = 500, windowSeconds: Double = 0.03,
        hopSeconds: Double = 0.01, threshold: Double = 0.15, voicingThreshold: Double = 0.35,
        relativeEnergyFloor: Double = 0.05,
        absoluteEnergyFloor: Double = 1e-4
    ) {
        self.minimumHz = minimumHz
        self.maximumHz = maximumHz
        self.windowSeconds = windowSeconds
        self.hopSeconds = hopSeconds
        self.threshold = threshold
        self.voicingThreshold = voicingThreshold
        self.relativeEnergyFloor = relativeEnergyFloor
        self.absoluteEnergyFloor = absoluteEnergyFloor
    }

    /// Analyses `samples` (mono, full scale ±1) in frames `hopSeconds` apart.
    public func frames(_ samples: [Float], sampleRate: Int) -> [Frame] {
        guard sampleRate > 0, minimumHz > 0, maximumHz > minimumHz else { return [] }
        let rate = Double(sampleRate)
        let window = max(8, Int((windowSeconds * rate).rounded()))
        let hop = max(1, Int((hopSeconds * rate).rounded()))
        let minLag = max(2, Int((rate / maximumHz).rounded(.down)))
        let maxLag = max(minLag + 2, Int((rate / minimumHz).rounded(.up)))
        guard samples.count >= window else { return [] }
        let frameCount = (samples.count - window) / hop + 1

        // Zero padding so that every frame can be compared with the frame maxLag samples later.
        var padded = samples
        padded.append(contentsOf: repeatElement(0, count: maxLag + 2))

        // RMS of every frame, and the level of the loud frames.
        var rmsValues = [Double](repeating: 0, count: frameCount)
        padded.withUnsafeBufferPointer { x in
            for f in 0..<frameCount {
                let start = f * hop
                var sum: Double = 0
                for j in start..<(start + window) {
                    let v = Double(x[j])
                    sum += v * v
                }
                rmsValues[f] = (sum / Double(window)).squareRoot()
            }
        }
        let loud = PitchTracker.percentile(rmsValues, 0.95)
        let energyFloor = max(absoluteEnergyFloor, loud * relativeEnergyFloor)

        var result: [Frame] = []
        result.reserveCapacity(frameCount)
        var difference = [Float](repeating: 0, count: maxLag + 1)
        var normalized = [Double](repeating: 1, count: maxLag + 1)
        padded.withUnsafeBufferPointer { x in
            difference.withUnsafeMutableBufferPointer { d in
                normalized.withUnsafeMutableBufferPointer { dn in
                    for f in 0..<frameCount {
                        let start = f * hop
                        let time = (Double(start) + Double(window) / 2) / rate
                        let rms = rmsValues[f]
                        guard rms >= energyFloor else {
                            result.append(Frame(time: time, f0: nil, aperiodicity: 1, rms: rms))
                            continue
                        }
                        PitchTracker.differenceFunction(
                            x.baseAddress! + start, window: window, maxLag: maxLag, into: d.baseAddress!)
                        // Cumulative mean normalised difference.
                        dn[0] = 1
                        var running: Double = 0
                        for tau in 1...maxLag {
                            let value = Double(d[tau])
                            running += value
                            dn[tau] = running > 0 ? value * Double(tau) / running : 1
                        }
                        // Absolute threshold: the first dip below it, followed down to its minimum.
                        var chosen = -1
                        var tau = minLag
                        while tau < maxLag {
                            if dn[tau] < threshold {
                                while tau + 1 < maxLag && dn[tau + 1] < dn[tau] { tau += 1 }
                                chosen = tau
                                break
                            }
                            tau += 1
                        }
                        if chosen < 0 {
                            // Nothing below the threshold: take the first local minimum that comes
                            // within 0.1 of the global minimum (the global minimum itself is often a
                            // multiple of the period).
                            var best = minLag
                            for t in minLag...maxLag where dn[t] < dn[best] { best = t }
                            let bound = dn[best] + 0.1
                            chosen = best
                            for t in minLag..<best where dn[t] <= bound && dn[t] <= dn[t - 1] && dn[t] <= dn[t + 1] {
                                chosen = t
                                break
                            }
                        }
                        // Parabolic interpolation around the chosen lag.
                        var lag = Double(chosen)
                        var aperiodicity = dn[chosen]
                        if chosen > 1 && chosen < maxLag {
                            let a = dn[chosen - 1], b = dn[chosen], c = dn[chosen + 1]
                            let curvature = a - 2 * b + c
                            if curvature > 0 {
                                let shift = max(-1, min(1, 0.5 * (a - c) / curvature))
                                lag += shift
                                aperiodicity = max(0, b - 0.25 * (a - c) * shift)
                            }
                        }
                        let f0 = rate / lag
                        let voiced =
                            aperiodicity < voicingThreshold && f0 >= minimumHz * 0.97 && f0 <= maximumHz * 1.03
                        result.append(
                            Frame(time: time, f0: voiced ? f0 : nil, aperiodicity: aperiodicity, rms: rms))
                    }
                }
            }
        }
        return result
    }

    /// d(τ) = Σ_{j<window} (x[j] − x[j+τ])² for τ in 0...maxLag.
    private static func differenceFunction(
        _ x: UnsafePointer<Float>, window: Int, maxLag: Int, into d: UnsafeMutablePointer<Float>
    ) {
        #if DEBUG
            // Unoptimised builds run generic SIMD types hundreds of times slower than scalar code.
            d[0] = 0
            for tau in 1...maxLag {
                let y = x + tau
                var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                var j = 0
                while j &+ 4 <= window {
                    let e0 = x[j] - y[j], e1 = x[j &+ 1] - y[j &+ 1]
                    let e2 = x[j &+ 2] - y[j &+ 2], e3 = x[j &+ 3] - y[j &+ 3]
                    s0 += e0 * e0
                    s1 += e1 * e1
                    s2 += e2 * e2
                    s3 += e3 * e3
                    j = j &+ 4
                }
                while j < window {
                    let e = x[j] - y[j]
                    s0 += e * e
                    j = j &+ 1
                }
                d[tau] = (s0 + s1) + (s2 + s3)
            }
        #else
            let raw = UnsafeRawPointer(x)
            let stride = MemoryLayout<Float>.stride
            let blocks = window / 16
            d[0] = 0
            for tau in 1...maxLag {
                var acc0 = SIMD16<Float>(repeating: 0)
                var acc1 = SIMD16<Float>(repeating: 0)
                var j = 0
                var b = 0
                while b + 1 < blocks {
                    let p = raw.loadUnaligned(fromByteOffset: j * stride, as: SIMD16<Float>.self)
                    let q = raw.loadUnaligned(fromByteOffset: (j + tau) * stride, as: SIMD16<Float>.self)
                    let p2 = raw.loadUnaligned(fromByteOffset: (j + 16) * stride, as: SIMD16<Float>.self)
                    let q2 = raw.loadUnaligned(fromByteOffset: (j + 16 + tau) * stride, as: SIMD16<Float>.self)
                    let e = p - q
                    let e2 = p2 - q2
                    acc0 += e * e
                    acc1 += e2 * e2
                    j += 32
                    b += 2
                }
                while b < blocks {
                    let p = raw.loadUnaligned(fromByteOffset: j * stride, as: SIMD16<Float>.self)
                    let q = raw.loadUnaligned(fromByteOffset: (j + tau) * stride, as: SIMD16<Float>.self)
                    let e = p - q
                    acc0 += e * e
                    j += 16
                    b += 1
                }
                var sum = (acc0 + acc1).sum()
                while j < window {
                    let e = x[j] - x[j + tau]
                    sum += e * e
                    j += 1
                }
                d[tau] = sum
            }
        #endif
    }

    /// The `q` quantile (0...1) of `values` by nearest rank; 0 for no values.
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = Int((Double(sorted.count - 1) * q).rounded())
        return sorted[max(0, min(sorted.count - 1, index))]
    }
}
