import Foundation
import ZoetropeCore

/// What `VoiceAnalyzer` measured in a voice sample.
public struct VoiceAnalysis: Sendable, Equatable {
    /// Length of the sample, seconds.
    public var duration: Double
    /// Time covered by voiced frames, seconds.
    public var voicedSeconds: Double
    /// Median fundamental frequency of the voiced frames, Hz.
    public var pitchHz: Double
    /// Syllable nuclei per second of speech (pauses longer than `VoiceAnalyzer.maximumPause` excluded).
    public var syllablesPerSecond: Double

    public init(duration: Double, voicedSeconds: Double, pitchHz: Double, syllablesPerSecond: Double) {
        self.duration = duration
        self.voicedSeconds = voicedSeconds
        self.pitchHz = pitchHz
        self.syllablesPerSecond = syllablesPerSecond
    }
}

/// Measures the pitch and speaking rate of a `kling-create-voice` sample (mono samples).
///
/// Pitch is the median f0 of the frames `PitchTracker` finds voiced. Speaking rate counts
/// syllable nuclei, the peaks of the smoothed energy envelope of the voiced frames that stand
/// out by at least `minimumProminenceDB` and lie at least `minimumSyllableGap` apart, and divides
/// by the speech time: the span of voiced activity with pauses longer than `maximumPause` left out.
public struct VoiceAnalyzer: Sendable {
    /// Shortest and longest sample accepted, seconds.
    public static let minimumSeconds: Double = 5
    public static let maximumSeconds: Double = 30
    /// Least voiced speech a sample must hold, seconds.
    public static let minimumVoicedSeconds: Double = 1
    /// Gaps between voiced stretches longer than this are pauses, not speech, seconds.
    public static let maximumPause: Double = 0.3
    /// Syllable nuclei closer than this are one nucleus, seconds.
    public static let minimumSyllableGap: Double = 0.1
    /// How far an energy peak must rise above the dips around it to count as a nucleus, dB.
    public static let minimumProminenceDB: Double = 2

    public var tracker: PitchTracker

    public init(tracker: PitchTracker = PitchTracker()) {
        self.tracker = tracker
    }

    public func analyze(_ samples: [Float], sampleRate: Int) throws -> VoiceAnalysis {
        guard sampleRate > 0 else { throw RenderError("the voice sample has no sample rate") }
        let duration = Double(samples.count) / Double(sampleRate)
        // 50 ms of slack so a sample cut at exactly 5 or 30 s is not refused over decoder rounding.
        // The decoder reads a little past the longest sample allowed: a longer one is "over" it.
        let needed = "\(Int(Self.minimumSeconds)) to \(Int(Self.maximumSeconds)) s of speech are needed"
        if duration < Self.minimumSeconds - 0.05 {
            throw RenderError("the voice sample is \(String(format: "%.1f", duration)) s long; \(needed)")
        }
        if duration > Self.maximumSeconds + 0.05 {
            throw RenderError("the voice sample is over \(Int(Self.maximumSeconds)) s long; \(needed)")
        }
        let frames = tracker.frames(samples, sampleRate: sampleRate)
        let hop = tracker.hopSeconds
        let voiced = frames.map(\.isVoiced)
        let voicedCount = voiced.reduce(0) { $0 + ($1 ? 1 : 0) }
        let voicedSeconds = Double(voicedCount) * hop
        guard voicedSeconds >= Self.minimumVoicedSeconds else {
            throw RenderError("no voiced speech found in the voice sample")
        }
        let pitch = Self.median(frames.compactMap(\.f0))
        let speech = Self.speechSeconds(voiced: voiced, hop: hop)
        let nuclei = Self.syllableNuclei(frames: frames, hop: hop)
        let rate = speech > 0 ? Double(nuclei.count) / speech : 0
        return VoiceAnalysis(
            duration: duration, voicedSeconds: voicedSeconds, pitchHz: pitch, syllablesPerSecond: rate)
    }

    /// Total length of the voiced stretches once gaps up to `maximumPause` are bridged.
    static func speechSeconds(voiced: [Bool], hop: Double) -> Double {
        let maxGapFrames = Int((maximumPause / hop).rounded())
        var total = 0
        var runStart = -1
        var lastVoiced = -1
        for (i, v) in voiced.enumerated() where v {
            if runStart < 0 {
                runStart = i
            } else if i - lastVoiced - 1 > maxGapFrames {
                total += lastVoiced - runStart + 1
                runStart = i
            }
            lastVoiced = i
        }
        if runStart >= 0 { total += lastVoiced - runStart + 1 }
        return Double(total) * hop
    }

    /// Frame indices of the syllable nuclei: peaks of the smoothed voiced-energy envelope (dB).
    static func syllableNuclei(frames: [PitchTracker.Frame], hop: Double) -> [Int] {
        let n = frames.count
        guard n > 2 else { return [] }
        // Energy of voiced frames only, smoothed with a Gaussian (σ = 20 ms).
        let energy = frames.map { $0.isVoiced ? $0.rms * $0.rms : 0 }
        let sigma = max(0.5, 0.02 / hop)
        let radius = Int((3 * sigma).rounded(.up))
        let kernel = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        var smooth = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = 0.0, weight = 0.0
            for k in -radius...radius where i + k >= 0 && i + k < n {
                sum += kernel[k + radius] * energy[i + k]
                weight += kernel[k + radius]
            }
            smooth[i] = sum / weight
        }
        let peakEnergy = smooth.max() ?? 0
        guard peakEnergy > 0 else { return [] }
        // dB relative to the loudest point, floored at -60 dB; nuclei must reach -30 dB.
        let level = smooth.map { max(-60, 10 * log10(max($0, 1e-30) / peakEnergy)) }
        var candidates: [(index: Int, level: Double)] = []
        for i in 0..<n where frames[i].isVoiced && level[i] > -30 {
            let left = i > 0 ? level[i - 1] : -60
            let right = i + 1 < n ? level[i + 1] : -60
            guard level[i] > left && level[i] >= right else { continue }
            // Prominence: height above the higher of the two lowest points reached before a higher peak.
            var leftMin = level[i]
            var j = i - 1
            while j >= 0 && level[j] <= level[i] {
                leftMin = min(leftMin, level[j])
                j -= 1
            }
            var rightMin = level[i]
            j = i + 1
            while j < n && level[j] <= level[i] {
                rightMin = min(rightMin, level[j])
                j += 1
            }
            if level[i] - max(leftMin, rightMin) >= minimumProminenceDB {
                candidates.append((i, level[i]))
            }
        }
        // Keep the louder of two nuclei closer than minimumSyllableGap.
        let minGap = Int((minimumSyllableGap / hop).rounded())
        var kept: [Int] = []
        for candidate in candidates.sorted(by: { $0.level > $1.level })
        where !kept.contains(where: { abs($0 - candidate.index) < minGap }) {
            kept.append(candidate.index)
        }
        return kept.sorted()
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
