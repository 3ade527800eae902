import Foundation
import ZoetropeMedia

/// Small MP4s made with ffmpeg (on a thread of their own, not the tests' shared pool) for tests
/// that upload a worker's video: a flat picture of any size
/// and frame count at 24 fps, H.264, with a silent AAC track or none.
enum TestVideo {
    /// The bytes of an MP4 of `frames` frames at `width` × `height`.
    static func mp4(width: Int = 1920, height: Int = 1080, frames: Int = 72, audio: Bool = true) async throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("video-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = ["-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=0x3060a0:s=\(width)x\(height):r=24"]
        if audio { arguments += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-map", "0:v", "-map", "1:a", "-c:a", "aac"] }
        arguments += [
            "-frames:v", String(frames), "-t", String(Double(frames) / 24), "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", file.path,
        ]
        let output = try await ProcessRunner.run("ffmpeg", arguments)
        guard output.status == 0 else { throw TestFailure("ffmpeg could not make a test video: \(output.lastErrorLine)") }
        return try Data(contentsOf: file)
    }

    /// A picture that is not a video: a PNG test card.
    static func png() async throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await ProcessRunner.run(
            "ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180", "-frames:v", "1", file.path])
        guard output.status == 0 else { throw TestFailure("ffmpeg could not make a test picture: \(output.lastErrorLine)") }
        return try Data(contentsOf: file)
    }
}
