import Foundation
import Testing
import ZoetropeMedia

/// `LastFrame` finds the decoded last frame whatever the MP4's streams: picture and sound ending
/// together, a sound track that outlasts the picture (a worker's upload), a last frame that is a
/// key frame (the engines' videos) or one predicted from the first.
@Suite struct LastFrameTests {
    @Test(arguments: [("1", "1", false), ("1", "4", false), ("1", "1", true), ("2", "3", true)])
    func thePNGIsTheLastDecodedFrame(videoSeconds: String, audioSeconds: String, endsOnKeyFrame: Bool) async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let video = directory.appendingPathComponent("clip.mp4")
        // A counter that changes every frame, so any other frame differs from the last.
        let made = try VideoAnalysis.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=640x360:r=24:d=\(videoSeconds)", "-f", "lavfi", "-i",
            "sine=f=440:d=\(audioSeconds)", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
        ] + (endsOnKeyFrame ? ["-force_key_frames", "\(Double(videoSeconds)! - 1.0 / 24)", "-forced-idr", "1"] : [])
            + [video.path])
        #expect(made.status == 0)
        let png = directory.appendingPathComponent("last.png")
        try await ProcessRunner.onDedicatedThread { try LastFrame.png(of: video) }.write(to: png)
        let frames = try VideoAnalysis.frameCount(video)
        #expect(try VideoAnalysis.lumaSSIM(video: video, frame: frames - 1, against: png) >= 0.99)
        #expect(try VideoAnalysis.lumaSSIM(video: video, frame: frames - 2, against: png) < 0.99)
    }
}

/// `MP4SyncSamples` reads the sample tables of real MP4s as ffprobe's packet flags have them.
@Suite struct MP4SyncSamplesTests {
    @Test(arguments: [(24, true), (24, false), (60, true)])
    func theLastSampleIsSyncWhenItIsAKeyFrame(frameRate: Int, endsOnKeyFrame: Bool) throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let video = directory.appendingPathComponent("clip.mp4")
        let made = try VideoAnalysis.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x180:r=\(frameRate):d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        ] + (endsOnKeyFrame ? ["-force_key_frames", "\(1 - 1 / Double(frameRate))", "-forced-idr", "1"] : []) + [video.path])
        #expect(made.status == 0)
        #expect(MP4SyncSamples.lastSampleIsSync(video) == endsOnKeyFrame)
        let notAVideo = directory.appendingPathComponent("notes.mp4")
        try Data("not a video at all".utf8).write(to: notAVideo)
        #expect(MP4SyncSamples.lastSampleIsSync(notAVideo) == nil)
    }
}
