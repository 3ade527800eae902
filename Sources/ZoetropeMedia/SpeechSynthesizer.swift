import Foundation
import ZoetropeCore

/// Speaks lines with espeak-ng (English as `en-us`, Chinese as Mandarin `cmn`), with a created
/// voice's variant, pitch and speed when one is given, and returns the speech as mono 48 kHz
/// samples (ffmpeg resamples espeak-ng's 22.05 kHz output).
public struct SpeechSynthesizer: Sendable {
    /// Words per minute of the built-in voices (espeak-ng's own default, 175, is hurried).
    public static let defaultWordsPerMinute = 160

    public init() {}

    /// The espeak-ng voice and settings for a line.
    public static func espeakArguments(for line: SpeechLine, voice: VoiceProfile?) -> [String] {
        let language = line.language == .mandarin ? "cmn" : "en-us"
        guard let voice else { return ["-v", language, "-s", String(defaultWordsPerMinute)] }
        return ["-v", "\(language)+\(voice.espeakVariant)", "-p", String(voice.espeakPitch),
                "-s", String(voice.wordsPerMinute)]
    }

    /// The line spoken, mono, at `StereoAudio.sampleRate`, with espeak-ng's leading and trailing
    /// silence trimmed.
    public func synthesize(_ line: SpeechLine, voice: VoiceProfile?) throws -> [Float] {
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
        let decoded = try ProcessRunner.runBlocking(
            "ffmpeg", ["-v", "error", "-i", wavFile.path, "-ac", "1", "-ar", String(StereoAudio.sampleRate),
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
