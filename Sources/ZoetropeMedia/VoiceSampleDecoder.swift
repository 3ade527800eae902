import Foundation
import ZoetropeCore

/// Decodes a voice sample (mp3, wav, mp4, mov, ... anything ffmpeg reads with an audio stream)
/// to mono 32-bit float samples at 16 kHz, reading at most a little more than the longest sample
/// allowed so an hour-long upload costs no more than a short one.
public struct VoiceSampleDecoder: Sendable {
    public static let sampleRate = 16_000

    public init() {}

    public func decode(_ file: URL, field: String) throws -> [Float] {
        let limit = VoiceAnalyzer.maximumSeconds + 1
        let output = try ProcessRunner.runBlocking(
            "ffmpeg", ["-v", "error", "-i", file.path, "-map", "0:a:0", "-vn", "-ac", "1",
                       "-ar", String(Self.sampleRate), "-t", String(limit), "-f", "f32le", "pipe:1"])
        guard output.status == 0 else {
            let reason = output.lastErrorLine(hiding: file)
            if String(decoding: output.stderr, as: UTF8.self).contains("matches no streams") {
                throw RenderError("\(field): the file has no audio track")
            }
            throw RenderError("\(field) is not a decodable audio or video file (mp3, wav, mp4, mov, ...): \(reason)")
        }
        return SpeechSynthesizer.floats(output.stdout)
    }
}
