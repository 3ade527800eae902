import Foundation

/// espeak-ng settings that speak at about a given median pitch and speaking rate, for a voice
/// made by `kling-create-voice`. The command line is `espeak-ng -v <language>+<variant> -p <pitch> -s <wordsPerMinute>`.
///
/// The tables below were measured, not derived from espeak-ng's documentation: espeak-ng 1.51
/// (Debian, data in /usr/lib/x86_64-linux-gnu/espeak-ng-data) spoke each text repeated to about
/// 15 s, written with `-w` to WAV, converted by ffmpeg 5.1 to mono 16 kHz f32le, and measured
/// with `VoiceAnalyzer` (median f0 of `PitchTracker`'s voiced frames; syllable nuclei per second
/// of speech).
///   Pitch, at `-s 175`, `-p` 0, 10, ..., 90, 99: English (`-v en-us+m3`, `en-us+f2`) "The quick
///   brown fox jumps over the lazy dog. She sells sea shells by the sea shore, and the shells she
///   sells are surely sea shells."; Mandarin (`-v cmn+m3`, `cmn+f2`), the geometric mean of
///   "今天天气很好，我们去公园散步吧。" and "我们明天早上八点在学校门口见面，然后一起坐公共汽车去博物馆。"
///   (tones make Mandarin's median f0 depend on the text: the two differ by up to 15 %).
///   f0 hardly depends on `-s` (±2 % from 80 to 400 wpm).
///   Rate, at `-p 50`, `-s` 80...400: English, the mean of that sentence (1.1 syllables a word),
///   "Every morning I walk to the station, buy a newspaper, and read it on the train while the
///   city wakes up around me." (1.4) and "Please remember to bring your umbrella tomorrow, because
///   the weather forecast says it will probably rain all afternoon." (1.7); Mandarin, the first sentence.
///   Only the range where the measured rate still rises with `-s` is kept: faster settings
///   measure no faster, as espeak-ng runs the syllables together. Up to 175 wpm the analyser's
///   nucleus count matched the true syllable count within 3 %.
public struct EspeakVoiceSettings: Sendable, Equatable {
    /// espeak-ng voice variant, appended to the language as `+variant` (`m3`, `f2`).
    public var variant: String
    /// `-p`, 0...99.
    public var pitch: Int
    /// `-s`, words per minute.
    public var wordsPerMinute: Int

    public init(variant: String, pitch: Int, wordsPerMinute: Int) {
        self.variant = variant
        self.pitch = pitch
        self.wordsPerMinute = wordsPerMinute
    }

    /// Variant for voices below `femaleThresholdHz`, and for voices at or above it.
    public static let maleVariant = "m3"
    public static let femaleVariant = "f2"
    public static let femaleThresholdHz: Double = 160
    /// The `-p` grid of the pitch tables.
    static let pitchGrid: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]

    /// Median f0 (Hz) measured at each `pitchGrid` value of `-p`.
    struct Table: Sendable {
        var malePitchHz: [Double]
        var femalePitchHz: [Double]
        /// (`-s`, syllables per second) measured, rising.
        var maleRate: [(wpm: Double, syllablesPerSecond: Double)]
        var femaleRate: [(wpm: Double, syllablesPerSecond: Double)]
    }

    static let english = Table(
        malePitchHz: [71.4, 76.5, 81.4, 88.0, 95.1, 104.5, 114.9, 126.6, 140.4, 156.2, 172.3],
        femalePitchHz: [129.3, 139.1, 149.3, 162.2, 176.5, 194.4, 213.7, 236.7, 262.7, 292.8, 323.1],
        maleRate: [
            (80, 2.62), (100, 3.11), (125, 3.56), (150, 4.19), (175, 4.78), (200, 4.97), (225, 5.31),
            (250, 5.55),
        ],
        femaleRate: [
            (80, 2.47), (100, 2.90), (125, 3.35), (150, 4.02), (175, 4.51), (200, 4.97), (250, 5.42),
            (275, 5.57), (300, 5.88),
        ])

    static let mandarin = Table(
        malePitchHz: [64.5, 69.8, 75.4, 81.3, 85.5, 91.7, 98.9, 108.6, 122.2, 138.0, 153.9],
        femalePitchHz: [111.7, 117.1, 120.1, 129.4, 142.7, 159.4, 178.7, 201.5, 226.9, 257.0, 287.2],
        maleRate: [(80, 2.71), (100, 3.19), (125, 3.68), (150, 4.26), (175, 4.98), (200, 5.57)],
        femaleRate: [(80, 2.76), (100, 3.25), (125, 3.78), (150, 4.31), (175, 5.03), (200, 5.67), (225, 6.04)])

    /// Settings whose speech has about `pitchHz` median f0 and `syllablesPerSecond`, for the
    /// espeak-ng `language` (`en-us` and other languages use the English table, `cmn`/`zh…` the
    /// Mandarin one). Values beyond what the variant can do are clamped to its limits.
    public static func matching(
        pitchHz: Double, syllablesPerSecond: Double, language: String = "en-us"
    ) -> EspeakVoiceSettings {
        let lower = language.lowercased()
        let table = lower.hasPrefix("cmn") || lower.hasPrefix("zh") ? mandarin : english
        let female = pitchHz.isFinite && pitchHz >= femaleThresholdHz
        let pitchTable = female ? table.femalePitchHz : table.malePitchHz
        let rateTable = female ? table.femaleRate : table.maleRate

        // Pitch: interpolate -p against log f0 (f0 grows about exponentially with -p).
        var p = 50.0
        if pitchHz.isFinite && pitchHz > 0 {
            p = interpolate(
                log(pitchHz), xs: pitchTable.map { log($0) }, ys: pitchGrid)
        }
        // Rate: interpolate -s against syllables per second.
        var wpm = 175.0
        if syllablesPerSecond.isFinite && syllablesPerSecond > 0 {
            wpm = interpolate(
                syllablesPerSecond, xs: rateTable.map(\.syllablesPerSecond), ys: rateTable.map(\.wpm))
        }
        return EspeakVoiceSettings(
            variant: female ? femaleVariant : maleVariant,
            pitch: min(99, max(0, Int(p.rounded()))),
            wordsPerMinute: Int(wpm.rounded()))
    }

    /// Piecewise-linear y(x) for rising `xs`, clamped to the ends of the table.
    static func interpolate(_ x: Double, xs: [Double], ys: [Double]) -> Double {
        guard let first = xs.first, let last = xs.last else { return 0 }
        if x <= first { return ys[0] }
        if x >= last { return ys[ys.count - 1] }
        var i = 1
        while xs[i] < x { i += 1 }
        let t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
        return ys[i - 1] + t * (ys[i] - ys[i - 1])
    }
}
