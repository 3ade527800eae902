import Foundation
import ZoetropeCore

/// Speaks lines with espeak-ng (English as `en-us`, Chinese as Mandarin `cmn`), with a created
/// voice's variant, pitch and speed when one is given, and returns the speech as mono 48 kHz
/// samples (ffmpeg resamples espeak-ng's 22.05 kHz output, and quickens it when asked).
public struct SpeechSynthesizer: Sendable {
    /// espeak-ng's `-s` for the built-in voices, chosen so they speak at a natural pace. espeak-ng's
    /// `-s` is not the rate it speaks at: measured on its audio (leading and trailing silence cut,
    /// pauses at punctuation kept) over five everyday English sentences, `-s 120` spoke 150 words a
    /// minute, 130 spoke 164 and 160 spoke about 205; over six Mandarin sentences, `-s 275` spoke
    /// 3.7 characters (syllables) a second, 300 spoke 4.1 and 160 only 2.4.
    public static func builtInWordsPerMinute(for language: SpeechLine.Language) -> Int {
        switch language {
        case .english: 128  // about 160 words a minute
        case .mandarin: 295  // about 4 syllables a second
        }
    }

    /// The most a line is quickened to fit its shot (`atempo`, which keeps the pitch).
    public static let fastestTempo = 1.3

    public init() {}

    /// The espeak-ng voice and settings for a line.
    public static func espeakArguments(for line: SpeechLine, voice: VoiceProfile?) -> [String] {
        let language = line.language == .mandarin ? "cmn" : "en-us"
        guard let voice else { return ["-v", language, "-s", String(builtInWordsPerMinute(for: line.language))] }
        return ["-v", "\(language)+\(voice.espeakVariant)", "-p", String(voice.espeakPitch),
                "-s", String(voice.wordsPerMinute)]
    }

    /// The line spoken, mono, at `StereoAudio.sampleRate`, with espeak-ng's leading and trailing
    /// silence trimmed; `tempo` above 1 speaks it that much faster at the same pitch.
    public func synthesize(_ line: SpeechLine, voice: VoiceProfile?, tempo: Double = 1) throws -> [Float] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zoetrope-speech-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let textFile = directory.appendingPathComponent("line.txt")
        let wavFile = directory.appendingPathComponent("line.wav")
        try Data(line.text.utf8).write(to: textFile)
        let spoken = try ProcessRunner.runBlocking(
            "espeak-ng", Self.espeakArguments(for: line, voice: voice) + ["-b", "1", "-w", wavFile.path, "-f", textFile.path])
        guard spoken.status == 0 else { throw RenderError("speech synthesis failed: \(spoken.lastErrorLine)") }
        let quicken = tempo > 1 ? ["-af", String(format: "atempo=%.5f", tempo)] : []
        let decoded = try ProcessRunner.runBlocking(
            "ffmpeg", ["-v", "error", "-i", wavFile.path] + quicken + ["-ac", "1", "-ar", String(StereoAudio.sampleRate),
                       "-f", "f32le", "pipe:1"])
        guard decoded.status == 0 else { throw RenderError("speech resampling failed: \(decoded.lastErrorLine)") }
        return Self.trimmed(Self.floats(decoded.stdout))
    }

    /// Little-endian 32-bit float samples.
    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Without the silence before the first and after the last sample above −50 dBFS.
    static func trimmed(_ samples: [Float]) -> [Float] {
        let threshold: Float = 0.003
        guard let first = samples.firstIndex(where: { abs($0) > threshold }),
            let last = samples.lastIndex(where: { abs($0) > threshold })
        else { return [] }
        return Array(samples[first...last])
    }
}
