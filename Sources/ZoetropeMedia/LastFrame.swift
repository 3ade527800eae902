import Foundation
import ZoetropeCore

/// The last frame of a finished video as a PNG, decoded from the MP4 itself (so it is exactly what
/// a player shows at the end, BT.709 limited range converted to RGB): what a client feeds as the
/// next clip's start image to chain clips.
public enum LastFrame {
    /// The PNG of `video`'s last frame; a `RenderError` when ffmpeg cannot decode one.
    ///
    /// A video whose sample table says it ends on a key frame (the engines' do) costs one decoded
    /// frame: decoding starts at the key frame nearest the end. Otherwise the packet index says
    /// where the picture's last key frame is and when its last frame shows: decoding starts at that
    /// key frame and only the last frame is converted. Should the index not say, the whole picture
    /// is decoded.
    public static func png(of video: URL) throws -> Data {
        let file = video.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString.lowercased())-last.png")
        defer { try? FileManager.default.removeItem(at: file) }
        var problem = ""
        /// The PNG ffmpeg makes with `arguments` (each converted frame overwrites the file: the
        /// last one stays), or nil.
        func decode(_ arguments: [String]) throws -> Data? {
            let output = try ProcessRunner.runBlocking(
                "ffmpeg",
                ["-hide_banner", "-nostdin", "-v", "error"] + arguments
                    + ["-map", "0:v:0", "-update", "1", "-f", "image2", "-c:v", "png", "-y", file.path])
            if output.status == 0, let data = FileManager.default.contents(atPath: file.path), !data.isEmpty {
                return data
            }
            problem = output.lastErrorLine(hiding: video)
            return nil
        }
        if MP4SyncSamples.lastSampleIsSync(video) == true,
            let data = try decode(["-noaccurate_seek", "-sseof", "-0.001", "-i", video.path, "-frames:v", "1", "-vf", toRGB])
        {
            return data
        }
        // From the last key frame, converting only the last frame; then, should that give nothing
        // (an index whose timestamps the decoder does not reproduce), every frame from the start.
        if let index = try index(of: video),
            let data = try decode([
                "-copyts", "-noaccurate_seek", "-ss", String(index.lastKeyFrame), "-i", video.path, "-vf",
                // The last frame's own timestamp, with slack for the rounding of the index's text.
                "select='gte(t,\(index.lastFrame - 0.0005))',\(toRGB)",
            ])
        {
            return data
        }
        if let data = try decode(["-i", video.path, "-vf", toRGB]) { return data }
        throw RenderError("the video's last frame could not be decoded (\(problem))")
    }

    /// BT.709 limited range to RGB, as players convert.
    static let toRGB = "scale=in_color_matrix=bt709:in_range=tv:flags=accurate_rnd+full_chroma_int,format=rgb24"

    /// Where the picture's last key frame and last frame are, in seconds of the file's own
    /// timestamps; nil when the packet index does not say (no key frame, no timestamps).
    static func index(of video: URL) throws -> (lastKeyFrame: Double, lastFrame: Double)? {
        let probe = try ProcessRunner.runBlocking(
            "ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0",
             video.path])
        guard probe.status == 0 else { return nil }
        var lastKeyFrame: Double?
        var lastFrame = -Double.infinity
        for line in String(decoding: probe.stdout, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let time = Double(fields[0]) else { continue }
            lastFrame = max(lastFrame, time)
            if fields[1].hasPrefix("K") { lastKeyFrame = max(lastKeyFrame ?? time, time) }
        }
        guard let lastKeyFrame, lastFrame.isFinite else { return nil }
        return (lastKeyFrame, lastFrame)
    }
}
