import Foundation
import ZoetropeMedia

/// ffmpeg-based measurements the engine tests make on rendered videos.
enum VideoAnalysis {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A scratch directory removed by the caller.
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func ffmpeg(_ arguments: [String]) throws -> ProcessRunner.Output {
        try tool("ffmpeg", ["-hide_banner", "-nostdin", "-y"] + arguments)
    }

    /// `program`'s output; throws with its last error line when it fails.
    static func tool(_ program: String, _ arguments: [String]) throws -> ProcessRunner.Output {
        let output = try ProcessRunner.runBlocking(program, arguments)
        guard output.status == 0 else { throw Failure(description: "\(program) \(arguments): \(output.lastErrorLine)") }
        return output
    }

    /// The video's audio track decoded to mono 48 kHz samples.
    static func audioSamples(_ video: URL) throws -> [Float] {
        let output = try ffmpeg(["-v", "error", "-i", video.path, "-vn", "-ac", "1", "-ar", "48000", "-f", "f32le", "pipe:1"])
        return output.stdout.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
    }

    /// Integrated loudness (LUFS) and true peak (dBTP) of a file's audio, by ffmpeg's ebur128.
    static func loudness(_ file: URL) throws -> (integrated: Double, truePeak: Double) {
        let output = try ffmpeg(["-nostats", "-i", file.path, "-vn", "-af", "ebur128=peak=true", "-f", "null", "-"])
        let text = String(decoding: output.stderr, as: UTF8.self)
        // The summary at the end: "I:         -16.0 LUFS" ... "Peak:        -1.9 dBFS".
        guard let summary = text.range(of: "Summary:", options: .backwards) else {
            throw Failure(description: "no ebur128 summary")
        }
        func value(after label: String) -> Double? {
            guard let range = text.range(of: label, range: summary.upperBound..<text.endIndex) else { return nil }
            let rest = text[range.upperBound...].drop { $0 == " " }
            return Double(rest.prefix { $0 == "-" || $0 == "." || $0.isNumber })
        }
        guard let integrated = value(after: "I:"), let peak = value(after: "Peak:") else {
            throw Failure(description: "could not read the ebur128 summary")
        }
        return (integrated, peak)
    }

    /// Makes a picture from an ffmpeg lavfi source description.
    static func picture(_ source: String, to file: URL) throws {
        _ = try ffmpeg(["-v", "error", "-f", "lavfi", "-i", source, "-frames:v", "1", file.path])
    }

    /// The picture scaled to fill `width`×`height` and centre-cropped, as a PNG.
    static func coverCrop(_ file: URL, width: Int, height: Int, to output: URL) throws {
        _ = try ffmpeg(["-v", "error", "-i", file.path, "-vf",
                        "scale=\(width):\(height):force_original_aspect_ratio=increase:flags=lanczos,crop=\(width):\(height)",
                        output.path])
    }

    /// SSIM ("All") between frame `index` of `video` and a still picture.
    static func ssim(video: URL, frame index: Int, against picture: URL) throws -> Double {
        let output = try ffmpeg([
            "-i", video.path, "-i", picture.path, "-filter_complex",
            "[0:v]select=eq(n\\,\(index)),setpts=PTS-STARTPTS,format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]ssim",
            "-frames:v", "1", "-f", "null", "-",
        ])
        let text = String(decoding: output.stderr, as: UTF8.self)
        guard let range = text.range(of: "All:") else { throw Failure(description: "no SSIM in: \(text.suffix(300))") }
        let number = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number) else { throw Failure(description: "bad SSIM in: \(text.suffix(300))") }
        return value
    }

    /// Luma SSIM between frame `index` of `video` and a still picture, compared as a player shows
    /// them: the picture converted to the video's colour space (BT.709, limited range) first.
    static func lumaSSIM(video: URL, frame index: Int, against picture: URL) throws -> Double {
        let output = try ffmpeg([
            "-i", video.path, "-i", picture.path, "-filter_complex",
            "[0:v]select=eq(n\\,\(index)),setpts=PTS-STARTPTS,format=yuv420p[a];"
                + "[1:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[b];[a][b]ssim",
            "-frames:v", "1", "-f", "null", "-",
        ])
        return try ssimValue(String(decoding: output.stderr, as: UTF8.self), label: "Y:")
    }

    /// Luma SSIM of each of `frames` of `video` against one still picture, in one decode of the
    /// video (as `lumaSSIM(video:frame:against:)` measures one).
    static func lumaSSIM(video: URL, frames: [Int], against picture: URL) throws -> [Double] {
        let stats = video.deletingLastPathComponent().appendingPathComponent("ssim-\(UUID().uuidString.prefix(6)).log")
        defer { try? FileManager.default.removeItem(at: stats) }
        let selection = frames.map { "eq(n\\,\($0))" }.joined(separator: "+")
        _ = try ffmpeg([
            "-i", video.path, "-i", picture.path, "-filter_complex",
            "[0:v]select='\(selection)',setpts=N/24/TB,format=yuv420p[a];"
                + "[1:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=\(frames.count - 1):size=1,"
                + "setpts=N/24/TB[b];[a][b]ssim=stats_file=\(stats.path)",
            "-f", "null", "-",
        ])
        let lines = try String(contentsOf: stats, encoding: .utf8).split(separator: "\n")
        let values = try lines.map { line in
            guard let range = line.range(of: "Y:"), let value = Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
            else { throw Failure(description: "bad SSIM line: \(line)") }
            return value
        }
        guard values.count == frames.count else { throw Failure(description: "\(values.count) SSIM values for \(frames.count) frames") }
        return values
    }

    /// Luma SSIM of x264's own encode of `picture` (the engine's encoder settings, BT.709 limited
    /// range), against the picture: the best any video of it can score.
    static func encoderBound(_ picture: URL, in directory: URL) throws -> Double {
        let video = directory.appendingPathComponent("bound-\(UUID().uuidString.prefix(6)).mp4")
        defer { try? FileManager.default.removeItem(at: video) }
        _ = try ffmpeg(
            ["-v", "error", "-loop", "1", "-i", picture.path, "-frames:v", "24", "-vf",
             "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"]
                + EncoderSettings().x264Arguments + [video.path])
        return try lumaSSIM(video: video, frame: 0, against: picture)
    }

    private static func ssimValue(_ text: String, label: String) throws -> Double {
        guard let range = text.range(of: label, options: .backwards) else {
            throw Failure(description: "no SSIM in: \(text.suffix(300))")
        }
        let number = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number) else { throw Failure(description: "bad SSIM in: \(text.suffix(300))") }
        return value
    }

    /// Frame `index` of `video` saved as a PNG.
    static func extract(video: URL, frame index: Int, to output: URL) throws {
        _ = try ffmpeg(["-v", "error", "-i", video.path, "-vf", "select=eq(n\\,\(index))", "-frames:v", "1", output.path])
    }

    /// Mean Y, U, V of every frame, from a tiny decoded copy.
    static func frameMeans(_ video: URL) throws -> [(y: Double, u: Double, v: Double)] {
        let output = try ffmpeg(["-v", "error", "-i", video.path, "-vf", "scale=16:16", "-f", "rawvideo",
                                 "-pix_fmt", "yuv444p", "pipe:1"])
        let bytes = [UInt8](output.stdout)
        let frameSize = 16 * 16 * 3
        return stride(from: 0, to: bytes.count - frameSize + 1, by: frameSize).map { start in
            func mean(_ plane: Int) -> Double {
                let slice = bytes[(start + plane * 256)..<(start + plane * 256 + 256)]
                return Double(slice.reduce(0) { $0 + Int($1) }) / 256
            }
            return (mean(0), mean(1), mean(2))
        }
    }

    /// Decoded frame count, counted by ffprobe.
    static func frameCount(_ video: URL) throws -> Int {
        let output = try ProcessRunner.runBlocking(
            "ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
                        "-of", "csv=p=0", video.path])
        return Int(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
