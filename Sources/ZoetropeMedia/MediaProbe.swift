import Foundation
import ZoetropeCore

/// What ffprobe reads from a media file: its container and each stream's codec, picture size,
/// rates and, when asked, the frames that decode. A file ffprobe cannot read cleanly (it fails, or
/// reports an error, such as a truncated stream, while reading) throws a `RenderError` with its message.
public struct MediaProbe: Sendable {
    /// One stream, as ffprobe reports it.
    public struct Stream: Sendable {
        /// `video`, `audio`, …
        public var codecType: String
        public var codecName: String
        public var profile: String?
        public var pixelFormat: String?
        public var width: Int?
        public var height: Int?
        public var frameRate: String?
        public var sampleRate: String?
        /// The frames decoded; nil unless they were counted.
        public var frameCount: Int?
        public var duration: Double?
    }

    /// The container as ffprobe names it (`mov,mp4,m4a,3gp,3g2,mj2` for an MP4).
    public var formatName: String
    public var streams: [Stream]

    public var video: Stream? { streams.first { $0.codecType == "video" } }
    public var audio: Stream? { streams.first { $0.codecType == "audio" } }

    /// Probes `file`; with `countingFrames`, decodes every stream to its end to count its frames.
    public static func probe(_ file: URL, countingFrames: Bool) throws -> MediaProbe {
        let output = try ProcessRunner.runBlocking(
            "ffprobe",
            ["-v", "error"] + (countingFrames ? ["-count_frames"] : [])
                + ["-show_streams", "-show_format", "-of", "json", file.path])
        let root = (try? JSONSerialization.jsonObject(with: output.stdout)) as? [String: Any]
        guard output.status == 0, output.lastErrorLine.isEmpty, let streams = root?["streams"] as? [[String: Any]],
            let format = root?["format"] as? [String: Any]
        else {
            let reason = output.lastErrorLine.isEmpty ? "ffprobe found no streams" : output.lastErrorLine(hiding: file)
            throw RenderError(reason)
        }
        return MediaProbe(
            formatName: format["format_name"] as? String ?? "",
            streams: streams.map { stream in
                Stream(
                    codecType: stream["codec_type"] as? String ?? "", codecName: stream["codec_name"] as? String ?? "",
                    profile: stream["profile"] as? String, pixelFormat: stream["pix_fmt"] as? String,
                    width: stream["width"] as? Int, height: stream["height"] as? Int,
                    frameRate: stream["r_frame_rate"] as? String, sampleRate: stream["sample_rate"] as? String,
                    frameCount: (stream["nb_read_frames"] as? String).flatMap(Int.init),
                    duration: (stream["duration"] as? String).flatMap(Double.init))
            })
    }
}
