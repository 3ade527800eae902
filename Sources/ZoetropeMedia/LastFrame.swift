import Foundation
import ZoetropeCore

/// The last frame of a finished video as a PNG, decoded from the MP4 itself (so it is exactly what
/// a player shows at the end, BT.709 limited range converted to RGB): what a client feeds as the
/// next clip's start image to chain clips.
public enum LastFrame {
    /// How far before the end decoding starts, seconds, tried in turn: a fifth of a second holds the
    /// last frame of a video whose other streams end with it (as the engines' do), so only a few
    /// frames are converted; the longer tries cover an audio track that outlasts the picture.
    static let tailSeconds: [Double?] = [0.2, 2, nil]

    /// The PNG of `video`'s last frame; a `RenderError` when ffmpeg cannot decode one.
    public static func png(of video: URL) throws -> Data {
        let file = video.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString.lowercased())-last.png")
        defer { try? FileManager.default.removeItem(at: file) }
        var problem = ""
        for tail in tailSeconds {
            // Each decoded frame overwrites the file: the last one stays.
            let seek = tail.map { ["-sseof", String(-$0)] } ?? []
            let output = try ProcessRunner.runBlocking(
                "ffmpeg",
                ["-hide_banner", "-nostdin", "-v", "error"] + seek + ["-i", video.path, "-map", "0:v:0",
                 "-vf", "scale=in_color_matrix=bt709:in_range=tv:flags=accurate_rnd+full_chroma_int,format=rgb24",
                 "-update", "1", "-f", "image2", "-c:v", "png", "-y", file.path])
            if output.status == 0, let data = FileManager.default.contents(atPath: file.path), !data.isEmpty {
                return data
            }
            problem = output.lastErrorLine(hiding: video)
        }
        throw RenderError("the video's last frame could not be decoded (\(problem))")
    }
}
