import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound

/// Frame 0 of every shot is the start image: for a static shot, a pan, a push-in, a pull-out and an
/// orbit, in every aspect ratio, on a photo and on a per-pixel noise texture, the shot's first
/// frame scores a luma SSIM against the cover-cropped picture within 0.01 of what x264 itself
/// reaches encoding that crop (compared in BT.709 limited range, as players show it). The last
/// frame is the end image, by the same measure. The ffmpeg measurements run on their own threads
/// (`ProcessRunner.onDedicatedThread`), never holding the test runner's few shared threads.
@Suite(.serialized)
struct FidelityTests {
    let engine = MotionEngine(fetcher: InputFetcher(policy: OutboundPolicy(allowPrivate: true)))

    /// The photo (the benchmark's still, 2400×1350) and a sharp per-pixel noise texture (4:3).
    static func pictures(in directory: URL) throws -> [(name: String, file: URL)] {
        let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/zoetrope/Resources/bench-still.jpg")
        let copy = directory.appendingPathComponent("photo.jpg")
        try FileManager.default.copyItem(at: photo, to: copy)
        let noise = directory.appendingPathComponent("noise.png")
        try VideoAnalysis.picture("color=c=gray:s=2000x1500,noise=alls=90:allf=u,format=rgb24", to: noise)
        return [("photo", copy), ("noise", noise)]
    }

    /// One shot of each move, a second each: every shot starts on the start image.
    static let shots = ["static camera", "pan left", "push in", "pull out", "orbit left"]

    func render(_ request: GenerationRequest, in directory: URL) async throws -> URL {
        let output = directory.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).mp4")
        try await engine.render(request, context: RenderContext(
            jobID: "fidelity", inputDirectory: directory, outputFile: output, progress: { _ in }))
        return output
    }

    @Test(arguments: GenerationRequest.AspectRatio.allCases)
    func everyShotOpensOnTheCoverCroppedStartImage(aspect: GenerationRequest.AspectRatio) async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (width, height) = aspect.size
        for (name, file) in try await ProcessRunner.onDedicatedThread({ try Self.pictures(in: directory) }) {
            let crop = directory.appendingPathComponent("crop-\(name).png")
            let bound = try await ProcessRunner.onDedicatedThread {
                try VideoAnalysis.coverCrop(file, width: width, height: height, to: crop)
                return try VideoAnalysis.encoderBound(crop, in: directory)
            }
            let request = GenerationRequest(
                prompt: nil, startImage: .stored(file.lastPathComponent), aspectRatio: aspect, duration: Self.shots.count,
                generateAudio: false, multiPrompt: Self.shots.map { .init(prompt: $0, duration: 1) })
            let video = try await render(request, in: directory)
            let shots = ShotList(request: request).shots
            let starts = shots.map(\.startFrame)
            let scores = try await ProcessRunner.onDedicatedThread {
                try VideoAnalysis.lumaSSIM(video: video, frames: starts, against: crop)
            }
            for (shot, ssim) in zip(shots, scores) {
                let move = shot.plan.moves.map(\.rawValue).joined(separator: "+")
                #expect(ssim >= bound - 0.01, "\(aspect.rawValue) \(name) \(move): first frame SSIM \(ssim), x264 reaches \(bound)")
            }
        }
    }

    @Test func theLastFrameIsTheCoverCroppedEndImage() async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pictures = try await ProcessRunner.onDedicatedThread { try Self.pictures(in: directory) }
        for (start, end) in [(pictures[0], pictures[1]), (pictures[1], pictures[0])] {
            let crop = directory.appendingPathComponent("end-\(end.name).png")
            let bound = try await ProcessRunner.onDedicatedThread {
                try VideoAnalysis.coverCrop(end.file, width: 1920, height: 1080, to: crop)
                return try VideoAnalysis.encoderBound(crop, in: directory)
            }
            let request = GenerationRequest(
                prompt: "push in", startImage: .stored(start.file.lastPathComponent),
                endImage: .stored(end.file.lastPathComponent), duration: 3, generateAudio: false)
            let video = try await render(request, in: directory)
            let ssim = try await ProcessRunner.onDedicatedThread {
                try VideoAnalysis.lumaSSIM(video: video, frame: try VideoAnalysis.frameCount(video) - 1, against: crop)
            }
            #expect(ssim >= bound - 0.01, "\(start.name) to \(end.name): last frame SSIM \(ssim), x264 reaches \(bound)")
        }
    }
}

/// No shimmer: a slow pull-out over a per-pixel texture, rendered at 1080p, flickers (frame-to-frame
/// change of its fine detail) no more than the same camera rendered at twice the size and shrunk
/// with ffmpeg's area filter, the reference a supersampling renderer would give.
struct ShimmerTests {
    /// The centre 480×480 of each frame's luma, after `filter` (nil: none).
    static func lumaFrames(_ video: URL, filter: String? = nil) throws -> [[UInt8]] {
        let chain = [filter, "crop=480:480", "format=gray"].compactMap { $0 }.joined(separator: ",")
        let output = try VideoAnalysis.ffmpeg(["-v", "error", "-i", video.path, "-vf", chain, "-f", "rawvideo", "pipe:1"])
        let size = 480 * 480
        return stride(from: 0, to: output.stdout.count - size + 1, by: size).map { [UInt8](output.stdout[$0..<($0 + size)]) }
    }

    /// How much the fine detail (each pixel's difference from its 3×3 neighbourhood) changes
    /// between consecutive frames, against how much detail there is: the flicker, whatever the
    /// sharpness.
    static func flicker(_ frames: [[UInt8]]) -> Double {
        func detail(_ frame: [UInt8]) -> [Int] {
            var out = [Int](repeating: 0, count: 478 * 478)
            for y in 1..<479 {
                for x in 1..<479 {
                    var sum = 0
                    for dy in -1...1 { for dx in -1...1 { sum += Int(frame[(y + dy) * 480 + x + dx]) } }
                    out[(y - 1) * 478 + x - 1] = 9 * Int(frame[y * 480 + x]) - sum
                }
            }
            return out
        }
        let details = frames.map(detail)
        var change = 0.0, level = 0.0
        for (a, b) in zip(details, details.dropFirst()) {
            change += Double(zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) })
            level += Double(a.reduce(0) { $0 + abs($1) })
        }
        return change / max(level, 1)
    }

    @Test func aSlowPullOutOverAFineTextureDoesNotShimmer() async throws {
        let (rendered, reference) = try await ProcessRunner.onDedicatedThread { try Self.measure() }
        print("shimmer: flicker \(rendered), supersampled reference \(reference)")
        #expect(rendered <= reference * 1.1, "flicker \(rendered), supersampled reference \(reference)")
    }

    /// The flicker of the clip rendered at 1080p and of the supersampled reference (blocking).
    static func measure() throws -> (rendered: Double, reference: Double) {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texture = directory.appendingPathComponent("texture.png")
        try VideoAnalysis.picture("color=c=gray:s=2400x1350,noise=alls=70:allf=u,format=rgb24", to: texture)
        let plan = CameraPlan.reading(prompt: "slow pull out", frameCount: 48, cfgScale: 0.5, aspect: 16.0 / 9)
        let decoder = ImageDecoder(), renderer = FrameRenderer()

        func render(width: Int, height: Int, filter: [String]) throws -> URL {
            let pyramid = try decoder.decodePyramid(
                texture, field: "texture", width: width, height: height,
                scales: SourcePyramid.scales(for: plan.zoomRange, width: width, height: height))
            let backdrop = Backdrop.make(from: pyramid.outputSize)
            let raw = directory.appendingPathComponent("frames-\(width).yuv")
            FileManager.default.createFile(atPath: raw.path, contents: nil)
            let handle = try FileHandle(forWritingTo: raw)
            var frame = PlanarImage(width: width, height: height)
            for index in 0..<plan.frameCount {
                renderer.render(pyramid, plan: plan, frame: index, blur: MotionBlur(), backdrop: backdrop, into: &frame)
                try handle.write(contentsOf: Data(frame.y + frame.u + frame.v))
            }
            try handle.close()
            let video = directory.appendingPathComponent("clip-\(width).mp4")
            _ = try VideoAnalysis.ffmpeg(
                ["-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", "\(width)x\(height)",
                 "-framerate", "24", "-i", raw.path] + filter + EncoderSettings().x264Arguments + [video.path])
            try FileManager.default.removeItem(at: raw)
            return video
        }
        let rendered = try flicker(lumaFrames(try render(width: 1920, height: 1080, filter: [])))
        let reference = try flicker(lumaFrames(
            try render(width: 3840, height: 2160, filter: ["-vf", "scale=1920:1080:flags=area"])))
        return (rendered, reference)
    }
}

/// `seed`: the same request with the same seed renders the same MP4, byte for byte; another seed
/// shakes a handheld camera differently.
struct SeedTests {
    @Test func theSameSeedGivesTheSameVideoAndAnotherShakesDifferently() async throws {
        let engine = MotionEngine(fetcher: InputFetcher(policy: OutboundPolicy(allowPrivate: true)))
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await ProcessRunner.onDedicatedThread {
            try VideoAnalysis.picture("testsrc2=s=1280x720", to: directory.appendingPathComponent("start.png"))
        }
        func render(seed: UInt32) async throws -> Data {
            let request = GenerationRequest(
                prompt: "handheld shot in the rain", startImage: .stored("start.png"), aspectRatio: .square, duration: 3,
                generateAudio: true, seed: seed)
            let output = directory.appendingPathComponent("out-\(seed)-\(UUID().uuidString.prefix(4)).mp4")
            try await engine.render(request, context: RenderContext(
                jobID: "seed", inputDirectory: directory, outputFile: output, progress: { _ in }))
            return try Data(contentsOf: output)
        }
        let first = try await render(seed: 7)
        #expect(try await render(seed: 7) == first, "the same seed rendered another file")
        #expect(try await render(seed: 8) != first)
    }
}
