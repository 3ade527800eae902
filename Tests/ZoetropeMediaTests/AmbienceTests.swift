import Foundation
import Testing
import ZoetropeMedia

struct AmbienceTests {
    // MARK: - Reading the prompt

    @Test(arguments: [
        ("heavy rain on a tin roof", [Ambience.rain]),
        ("A rainy night in Tokyo, neon streets", [.rain, .city]),
        ("drizzle over the harbour", [.rain, .ocean]),
        ("a windy hilltop with a gentle breeze", [.wind]),
        ("waves crashing on the beach at sunset", [.ocean]),
        ("a seaside village", [.ocean]),
        ("crackling campfire under the stars", [.fire]),
        ("a cozy fireplace", [.fire]),
        ("busy downtown traffic", [.city]),
        ("quiet forest with birds", [.forest]),
        ("birdsong in the jungle", [.forest]),
        ("a cheering crowd in a stadium", [.crowd]),
        ("people chatting in a cafe", [.crowd]),
        ("storm over the ocean, fire on the shore, birds", [.rain, .ocean]),
        ("a portrait of a cat", [.room]),
        ("", [.room]),
        ("a rainbow over the hills", [.room]),
        ("a firefly at dusk", [.room]),
        ("research lab, seasonal decor", [.room]),
        ("雨中的城市街道", [.rain, .city]),
        ("大风吹过草原", [.wind]),
        ("海浪拍打着沙滩", [.ocean]),
        ("篝火旁", [.fire]),
        ("繁忙的交通", [.city]),
        ("森林里的鸟叫声", [.forest]),
        ("欢呼的人群", [.crowd]),
        ("观众", [.crowd]),
        ("美丽的风景", [.room]),
        ("一列火车", [.room]),
        ("上海的夜景", [.room]),
        ("樹林裡的小鳥", [.forest]),
    ])
    func classifiesPrompts(prompt: String, expected: [Ambience]) {
        #expect(Ambience.classify(prompt) == expected, "\(prompt)")
    }

    @Test func classifiesAtMostTwoBeds() {
        let kinds = Ambience.classify("rain, wind, waves, fire, traffic, birds and a crowd")
        #expect(kinds == [.rain, .wind])
    }

    @Test(arguments: [
        ("a meadow", 0.6),
        ("heavy rain on a tin roof", 0.9),
        ("heavy pouring rain in a storm", 1.0),
        ("roaring fire", 0.9),
        ("busy street", 0.85),
        ("light rain", 0.35),
        ("quiet forest with birds", 0.35),
        ("a gentle, quiet, soft breeze", 0.3),
        ("distant waves", 0.4),
        ("下大雨了", 0.9),
        ("小雨", 0.35),
        ("轻柔的海浪", 0.35),
        ("大海", 0.6),
    ])
    func readsIntensity(prompt: String, expected: Double) {
        #expect(abs(Ambience.intensity(prompt) - expected) < 1e-9, "\(prompt)")
    }

    @Test func ambienceRoundTripsAsJSON() throws {
        let data = try JSONEncoder().encode(Ambience.allCases)
        let decoded = try JSONDecoder().decode([Ambience].self, from: data)
        #expect(decoded == Ambience.allCases)
        let encoded = try JSONEncoder().encode(Ambience.ocean)
        #expect(String(decoding: encoded, as: UTF8.self) == "\"ocean\"")
    }

    // MARK: - Rendering

    @Test func renderIsDeterministicPerSeedAndSized() {
        let first = AmbienceSynthesizer(seed: 7).render([.rain, .forest], intensity: 0.6, frames: 24_000)
        let again = AmbienceSynthesizer(seed: 7).render([.rain, .forest], intensity: 0.6, frames: 24_000)
        let other = AmbienceSynthesizer(seed: 8).render([.rain, .forest], intensity: 0.6, frames: 24_000)
        #expect(first.frameCount == 24_000)
        #expect(first == again)
        #expect(first != other)
        #expect(AmbienceSynthesizer(seed: 7).render([.rain], intensity: 0.6, frames: 0).frameCount == 0)
        let silent = AmbienceSynthesizer(seed: 7).render([], intensity: 0.6, frames: 1_000)
        #expect(silent.left.allSatisfy { $0 == 0 } && silent.right.allSatisfy { $0 == 0 })
    }

    @Test func aShortRenderIsThePrefixOfALongerOne() {
        let synthesizer = AmbienceSynthesizer(seed: 3)
        let short = synthesizer.render([.city], intensity: 0.6, frames: 30_000)
        let long = synthesizer.render([.city], intensity: 0.6, frames: 48_000)
        // Identical apart from the fade-out at the end of the short one.
        let compared = 30_000 - 1_000
        #expect(Array(short.left[0..<compared]) == Array(long.left[0..<compared]))
    }

    @Test(arguments: Ambience.allCases)
    func everyBedIsFiniteWideAndLevelled(kind: Ambience) {
        let bed = AmbienceSynthesizer(seed: 11).render([kind], intensity: 0.6, frames: 5 * 48_000)
        #expect(bed.left.allSatisfy { $0.isFinite } && bed.right.allSatisfy { $0.isFinite })
        // About −23 LUFS each (room tone 12 dB under), well clear of clipping.
        let loudness = LoudnessMeter.integratedLoudness(bed)
        #expect(abs(loudness - (kind == .room ? -35 : -23)) < 0.5, "\(kind): \(loudness)")
        #expect(LoudnessMeter.truePeak(bed) < -1, "\(kind)")
        // Left and right are different streams.
        #expect(SpectrumProbe.correlation(bed.left, bed.right) < 0.7, "\(kind)")
        #expect(bed.left != bed.right)
    }

    @Test(arguments: [Ambience.rain, .fire, .crowd])
    func heavierIsLouder(kind: Ambience) {
        let synthesizer = AmbienceSynthesizer(seed: 5)
        let heavy = synthesizer.render([kind], intensity: 1, frames: 4 * 48_000)
        let light = synthesizer.render([kind], intensity: 0.3, frames: 4 * 48_000)
        let difference = LoudnessMeter.integratedLoudness(heavy) - LoudnessMeter.integratedLoudness(light)
        #expect(abs(difference - 9.3) < 0.5, "\(kind): \(difference)")
    }

    @Test func rainAndForestPromptsSoundDifferent() {
        let rainPrompt = "heavy rain on a tin roof", forestPrompt = "quiet forest with birds"
        let synthesizer = AmbienceSynthesizer(seed: 2024)
        let rain = synthesizer.render(Ambience.classify(rainPrompt), intensity: Ambience.intensity(rainPrompt), frames: 6 * 48_000)
        let forest = synthesizer.render(Ambience.classify(forestPrompt), intensity: Ambience.intensity(forestPrompt), frames: 6 * 48_000)
        let rainSpectrum = SpectrumProbe.analyze(rain.left)
        let forestSpectrum = SpectrumProbe.analyze(forest.left)
        // Rain is broadband hiss (flat spectrum, real energy under 2 kHz); the forest is mostly
        // tonal chirps over a faint high rustle (peaky spectrum, almost nothing under 2 kHz).
        #expect(rainSpectrum.flatness > 0.3, "\(rainSpectrum)")
        #expect(forestSpectrum.flatness < 0.1, "\(forestSpectrum)")
        #expect(rainSpectrum.below2k > 0.08, "\(rainSpectrum)")
        #expect(forestSpectrum.below2k < 0.02, "\(forestSpectrum)")
        // Forest has long quiet gaps between calls; rain is steady.
        #expect(SpectrumProbe.envelopeVariation(forest.left) > 0.4)
        #expect(SpectrumProbe.envelopeVariation(rain.left) < 0.15)
    }

    @Test func rainIsHighWhileFireAndCityAreLow() {
        let synthesizer = AmbienceSynthesizer(seed: 99)
        let frames = 6 * 48_000
        let rain = SpectrumProbe.analyze(synthesizer.render([.rain], intensity: 0.6, frames: frames).left)
        let fire = SpectrumProbe.analyze(synthesizer.render([.fire], intensity: 0.6, frames: frames).left)
        let city = SpectrumProbe.analyze(synthesizer.render([.city], intensity: 0.6, frames: frames).left)
        #expect(rain.centroid > 3_500 && rain.from2kTo8k > 0.6, "\(rain)")
        #expect(rain.below300 < 0.02, "\(rain)")
        #expect(fire.centroid < 800 && fire.below300 > 0.8, "\(fire)")
        #expect(city.centroid < 1_000 && city.below300 > 0.7, "\(city)")
    }

    @Test func eachBedHasItsCharacter() {
        let synthesizer = AmbienceSynthesizer(seed: 314)
        let frames = 10 * 48_000
        func bed(_ kind: Ambience) -> [Float] { synthesizer.render([kind], intensity: 0.6, frames: frames).left }
        let wind = bed(.wind), ocean = bed(.ocean), crowd = bed(.crowd), room = bed(.room), forest = bed(.forest)
        // Wind: most energy in the swept 300 Hz–2 kHz band, moving with gusts.
        #expect(SpectrumProbe.analyze(wind).from300To2k > 0.35)
        #expect(SpectrumProbe.envelopeVariation(wind) > 0.25)
        // Ocean: low, with a swell.
        #expect(SpectrumProbe.analyze(ocean).below2k > 0.85)
        #expect(SpectrumProbe.envelopeVariation(ocean) > 0.25)
        // Crowd: speech band.
        #expect(SpectrumProbe.analyze(crowd).from300To2k > 0.6)
        // Room tone: a soft low hum.
        #expect(SpectrumProbe.analyze(room).below300 > 0.9)
        // Forest: chirps between 2 and 8 kHz.
        #expect(SpectrumProbe.analyze(forest).from2kTo8k > 0.95)
    }
}

/// Spectral and envelope figures for the tests: a Hann-windowed 4096-point FFT averaged over the
/// signal, and 250 ms RMS blocks.
private enum SpectrumProbe {
    struct Figures: CustomStringConvertible {
        var centroid: Double
        var below300: Double
        var from300To2k: Double
        var below2k: Double
        var from2kTo8k: Double
        /// Geometric over arithmetic mean of the power from 200 Hz to 16 kHz: 1 for white noise,
        /// near 0 for tones.
        var flatness: Double

        var description: String {
            String(format: "centroid %.0f Hz, <300 %.3f, 300–2k %.3f, 2–8k %.3f, flatness %.3f",
                   centroid, below300, from300To2k, from2kTo8k, flatness)
        }
    }

    static let size = 4096

    static func analyze(_ signal: [Float]) -> Figures {
        var power = [Double](repeating: 0, count: size / 2)
        let window = (0..<size).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size)) }
        var start = 0
        while start + size <= signal.count {
            var real = (0..<size).map { Double(signal[start + $0]) * window[$0] }
            var imaginary = [Double](repeating: 0, count: size)
            fft(&real, &imaginary)
            for bin in 0..<(size / 2) { power[bin] += real[bin] * real[bin] + imaginary[bin] * imaginary[bin] }
            start += size
        }
        let total = power.reduce(0, +)
        var figures = Figures(centroid: 0, below300: 0, from300To2k: 0, below2k: 0, from2kTo8k: 0, flatness: 0)
        var logSum = 0.0, linearSum = 0.0, flatBins = 0.0
        for bin in 0..<(size / 2) {
            let frequency = Double(bin) * 48_000 / Double(size)
            let share = power[bin] / total
            figures.centroid += frequency * share
            if frequency < 300 { figures.below300 += share } else if frequency < 2_000 { figures.from300To2k += share }
            if frequency < 2_000 { figures.below2k += share } else if frequency < 8_000 { figures.from2kTo8k += share }
            if frequency >= 200 && frequency <= 16_000 {
                logSum += log(max(power[bin], 1e-30))
                linearSum += power[bin]
                flatBins += 1
            }
        }
        figures.flatness = exp(logSum / flatBins) / (linearSum / flatBins)
        return figures
    }

    /// In-place iterative radix-2 FFT.
    static func fft(_ real: inout [Double], _ imaginary: inout [Double]) {
        let count = real.count
        var j = 0
        for i in 1..<count {
            var bit = count >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j |= bit
            if i < j {
                real.swapAt(i, j)
                imaginary.swapAt(i, j)
            }
        }
        var length = 2
        while length <= count {
            let angle = -2 * Double.pi / Double(length)
            let half = length / 2
            for start in stride(from: 0, to: count, by: length) {
                for k in 0..<half {
                    let wr = cos(angle * Double(k)), wi = sin(angle * Double(k))
                    let a = start + k, b = a + half
                    let tr = real[b] * wr - imaginary[b] * wi, ti = real[b] * wi + imaginary[b] * wr
                    real[b] = real[a] - tr
                    imaginary[b] = imaginary[a] - ti
                    real[a] += tr
                    imaginary[a] += ti
                }
            }
            length <<= 1
        }
    }

    static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in 0..<a.count {
            ab += Double(a[i]) * Double(b[i])
            aa += Double(a[i]) * Double(a[i])
            bb += Double(b[i]) * Double(b[i])
        }
        return ab / max((aa * bb).squareRoot(), 1e-30)
    }

    private static func blockLevels(_ signal: [Float], block: Int) -> [Double] {
        stride(from: 0, to: signal.count - block + 1, by: block).map { start in
            var sum = 0.0
            for index in start..<(start + block) { sum += Double(signal[index]) * Double(signal[index]) }
            return (sum / Double(block)).squareRoot()
        }
    }

    /// Standard deviation over mean of 250 ms RMS levels.
    static func envelopeVariation(_ signal: [Float]) -> Double {
        let levels = blockLevels(signal, block: 12_000)
        let mean = levels.reduce(0, +) / Double(levels.count)
        let variance = levels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(levels.count)
        return variance.squareRoot() / mean
    }
}
