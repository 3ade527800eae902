import AsyncHTTPClient
import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound

/// The built-in engine end to end: stored pictures in, MP4 out, measured with ffmpeg.
@Suite(.serialized)
struct MotionEngineTests {
    let engine = MotionEngine(fetcher: InputFetcher(policy: OutboundPolicy(allowPrivate: true)))

    /// Renders `request` (whose stored inputs live in `directory`) to `directory/out.mp4`.
    func render(_ request: GenerationRequest, in directory: URL) async throws -> URL {
        let output = directory.appendingPathComponent("out.mp4")
        try await engine.render(request, context: RenderContext(
            jobID: "test", inputDirectory: directory, outputFile: output, progress: { _ in }))
        return output
    }

    @Test func firstFrameIsTheCoverCroppedStartImage() async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = directory.appendingPathComponent("start.png")
        try VideoAnalysis.picture("testsrc2=s=1600x1200", to: start)
        let reference = directory.appendingPathComponent("reference.png")
        try VideoAnalysis.coverCrop(start, width: 1920, height: 1080, to: reference)
        let request = GenerationRequest(prompt: "a quiet scene", startImage: .stored("start.png"), duration: 3, generateAudio: false)
        let video = try await render(request, in: directory)
        #expect(try VideoAnalysis.frameCount(video) == 72)
        let ssim = try VideoAnalysis.ssim(video: video, frame: 0, against: reference)
        #expect(ssim >= 0.97, "frame 0 SSIM \(ssim)")
    }

    @Test func endImageIsTheLastFrameAndTheMorphMovesContent() async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        // One wide scene; the start and end pictures are 1920×1080 windows 48 px apart.
        let scene = directory.appendingPathComponent("scene.png")
        try VideoAnalysis.picture("mandelbrot=s=2048x1080:start_scale=1.6:maxiter=300", to: scene)
        func window(_ x: Int, _ name: String) throws -> URL {
            let file = directory.appendingPathComponent(name)
            _ = try VideoAnalysis.ffmpeg(["-v", "error", "-i", scene.path, "-vf", "crop=1920:1080:\(x):0", file.path])
            return file
        }
        let start = try window(40, "start.png")
        let end = try window(88, "end.png")
        let halfway = try window(64, "halfway.png")
        let dissolve = directory.appendingPathComponent("dissolve.png")
        _ = try VideoAnalysis.ffmpeg(["-v", "error", "-i", start.path, "-i", end.path, "-filter_complex",
                                      "blend=all_mode=average", dissolve.path])
        let request = GenerationRequest(
            prompt: "transition", startImage: .stored("start.png"), endImage: .stored("end.png"), duration: 3,
            generateAudio: false)
        let video = try await render(request, in: directory)
        #expect(try VideoAnalysis.ssim(video: video, frame: 71, against: end) >= 0.90)
        #expect(try VideoAnalysis.ssim(video: video, frame: 0, against: start) >= 0.97)
        // The middle frame (eased t = 0.5) shows the scene halfway along, not a double exposure.
        let middle = try VideoAnalysis.ssim(video: video, frame: 35, against: halfway)
        let blended = try VideoAnalysis.ssim(video: video, frame: 35, against: dissolve)
        #expect(middle > blended, "SSIM to the halfway window \(middle), to a dissolve \(blended)")
        #expect(middle >= 0.8, "SSIM to the halfway window \(middle)")
    }

    @Test func unrelatedEndImageFallsBackToADissolve() throws {
        var a = PlanarImage(width: 320, height: 180)
        var b = PlanarImage(width: 320, height: 180)
        var state: UInt32 = 1
        for index in a.y.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            a.y[index] = UInt8(truncatingIfNeeded: state >> 24)
            state = state &* 1_664_525 &+ 1_013_904_223
            b.y[index] = UInt8(truncatingIfNeeded: state >> 24)
        }
        let morph = FlowMorph(start: a, end: b)
        #expect(!morph.usesFlow, "confidence \(morph.confidence)")
        var frame = PlanarImage(width: 320, height: 180)
        morph.frame(at: 0, start: a, end: b, into: &frame)
        #expect(frame.y == a.y)
        morph.frame(at: 1, start: a, end: b, into: &frame)
        #expect(frame.y == b.y)
    }

    @Test func multiShotCutsAtSegmentBoundariesAndFilmsElements() async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try VideoAnalysis.picture("color=c=0xC02020:s=640x360", to: directory.appendingPathComponent("start.png"))
        try VideoAnalysis.picture("color=c=0x2040D0:s=400x400", to: directory.appendingPathComponent("element.png"))
        let request = GenerationRequest(
            prompt: nil, startImage: .stored("start.png"), aspectRatio: .square, duration: 6, generateAudio: false,
            multiPrompt: [
                .init(prompt: "wide shot, pan left", duration: 2),
                .init(prompt: "@Element1 close up, slow push in", duration: 3),
                .init(prompt: "back to the room", duration: 1),
            ],
            elements: [.init(frontalImage: .stored("element.png"), referenceImages: [])])
        let video = try await render(request, in: directory)
        let means = try VideoAnalysis.frameMeans(video)
        #expect(means.count == 144)
        // Red frames have V (Cr) well above U (Cb); blue frames the reverse.
        let isRed = means.map { $0.v > $0.u + 40 }
        let isBlue = means.map { $0.u > $0.v + 40 }
        #expect(isRed[0..<48].allSatisfy { $0 })
        #expect(isBlue[48..<120].allSatisfy { $0 })
        #expect(isRed[120..<144].allSatisfy { $0 })
        let plan = engine.plan(for: request)
        guard case .object(let body) = plan, case .array(let shots)? = body["shots"] else {
            Issue.record("no plan")
            return
        }
        #expect(shots.count == 3)
        #expect(shots[1] == .object([
            "start_frame": 48, "frames": 72, "moves": ["push_in"], "speed": "slow", "strength": 0.625,
            "summary": "slow push in", "source": "elements[0]", "default": false, "motion_blur_frames": 0,
        ]))
    }

    @Test func aBadReferenceImageFailsNamingItsField() async throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        try VideoAnalysis.picture("color=c=gray:s=320x180", to: directory.appendingPathComponent("start.png"))
        try Data("nope".utf8).write(to: directory.appendingPathComponent("junk.bin"))
        let request = GenerationRequest(
            prompt: "x", startImage: .stored("start.png"), duration: 3,
            elements: [.init(frontalImage: .stored("start.png"), referenceImages: [.stored("junk.bin")])])
        await #expect {
            _ = try await render(request, in: directory)
        } throws: { error in
            (error as? RenderError)?.message.hasPrefix("elements[0].reference_image_urls[0]") == true
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.mp4").path))
    }
}
