import Foundation
import ZoetropeMedia

/// What ffprobe says about an MP4: its streams, with decoded frame counts.
struct MediaProbe {
    struct Stream {
        var codecType: String
        var codecName: String
        var profile: String?
        var pixelFormat: String?
        var width: Int?
        var height: Int?
        var frameRate: String?
        var sampleRate: String?
        var frameCount: Int?
        var duration: Double?
    }

    var streams: [Stream]
    var formatName: String
    /// Whether the `moov` atom precedes `mdat` (`+faststart`).
    var isFastStart: Bool

    var video: Stream? { streams.first { $0.codecType == "video" } }
    var audio: Stream? { streams.first { $0.codecType == "audio" } }

    static func probe(_ file: URL) throws -> MediaProbe {
        let output = try ProcessRunner.runBlocking(
            "ffprobe",
            ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", file.path])
        guard output.status == 0,
            let root = try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any],
            let streams = root["streams"] as? [[String: Any]]
        else {
            throw TestFailure("ffprobe failed: \(output.lastErrorLine)")
        }
        let format = root["format"] as? [String: Any]
        let data = try Data(contentsOf: file)
        let moov = data.range(of: Data("moov".utf8))?.lowerBound ?? Int.max
        let mdat = data.range(of: Data("mdat".utf8))?.lowerBound ?? Int.max
        return MediaProbe(
            streams: streams.map { stream in
                Stream(
                    codecType: stream["codec_type"] as? String ?? "", codecName: stream["codec_name"] as? String ?? "",
                    profile: stream["profile"] as? String, pixelFormat: stream["pix_fmt"] as? String,
                    width: stream["width"] as? Int, height: stream["height"] as? Int,
                    frameRate: stream["r_frame_rate"] as? String, sampleRate: stream["sample_rate"] as? String,
                    frameCount: (stream["nb_read_frames"] as? String).flatMap(Int.init),
                    duration: (stream["duration"] as? String).flatMap(Double.init))
            },
            formatName: format?["format_name"] as? String ?? "", isFastStart: moov < mdat)
    }

    /// Writes `data` to a temporary file and probes it.
    static func probe(_ data: Data) throws -> MediaProbe {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString).mp4")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try probe(file)
    }
}
