import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia

/// The pure parts of the pipeline: camera plan, sampling, WAV writing; and the encoder's output.
struct RenderingTests {
    @Test func pushInStartsWideEndsCloserAndFollowsStrength() {
        let subtle = CameraPlan(frameCount: 120, moves: [.pushIn], strength: 0.25)
        let strong = CameraPlan(frameCount: 120, moves: [.pushIn], strength: 1)
        #expect(subtle.view(at: 0).zoom == strong.view(at: 0).zoom)
        #expect(subtle.view(at: 119).zoom < strong.view(at: 119).zoom)
        // Monotonic and eased: slow at both ends.
        let zooms = (0..<120).map { strong.view(at: $0).zoom }
        #expect(zip(zooms, zooms.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(zooms[1] - zooms[0] < zooms[60] - zooms[59])
    }

    @Test func aPullOutOpensOnTheWholePictureThenRecedes() {
        let plan = CameraPlan(frameCount: 72, moves: [.pullOut], strength: 1)
        #expect(plan.view(at: 0) == CameraPlan.View(zoom: 1, center: SIMD2(0.5, 0.5)))
        let zooms = (0..<72).map { plan.view(at: $0).zoom }
        #expect(zip(zooms, zooms.dropFirst()).allSatisfy { $0 >= $1 } && zooms.last! < 0.9)
    }

    /// Every move but the pull-out (whose picture recedes into its backdrop) stays inside the picture.
    @Test(arguments: CameraMove.allCases.filter { $0 != .pullOut })
    func noMoveRevealsPixelsOutsideTheImage(move: CameraMove) {
        for aspect in [16.0 / 9, 9.0 / 16, 1] {
            let plan = CameraPlan(frameCount: 72, moves: [move, .handheld], speed: .fast, strength: 1, aspect: aspect)
            for frame in 0..<72 {
                let view = plan.view(at: frame)
                // The rotated window's corners, in normalized source coordinates, stay inside 0...1.
                let halfW = 0.5 / view.zoom, halfH = 0.5 / view.zoom
                for (u, v) in [(-halfW, -halfH), (halfW, -halfH), (-halfW, halfH), (halfW, halfH)] {
                    let x = view.center.x + (cos(view.rotation) * u * aspect - sin(view.rotation) * v) / aspect
                    let y = view.center.y + sin(view.rotation) * u * aspect + cos(view.rotation) * v
                    #expect(x >= -1e-9 && x <= 1 + 1e-9 && y >= -1e-9 && y <= 1 + 1e-9, "\(move) frame \(frame): (\(x), \(y))")
                }
            }
        }
    }

    @Test func identityViewCopiesTheSource() {
        var source = PlanarImage(width: 64, height: 32)
        for index in source.y.indices { source.y[index] = UInt8(index % 251) }
        for index in source.u.indices { source.u[index] = UInt8((index * 3) % 251) }
        var output = PlanarImage(width: 64, height: 32)
        FrameRenderer().render(source, view: .init(zoom: 1, center: SIMD2(0.5, 0.5)), into: &output)
        #expect(output.y == source.y)
        #expect(output.u == source.u)
    }

    @Test func positionsOutsideThePictureTakeTheEdge() {
        var source = PlanarImage(width: 40, height: 40)
        for index in source.y.indices { source.y[index] = 200 }
        var output = PlanarImage(width: 20, height: 20)
        // Even a window far outside the picture only ever shows the picture's own pixels.
        FrameRenderer().render(source, view: .init(zoom: 2, center: SIMD2(5, -3)), into: &output)
        #expect(output.y.allSatisfy { $0 == 200 })
    }

    @Test func halfPixelShiftInterpolates() {
        var source = PlanarImage(width: 8, height: 2)
        for x in 0..<8 {
            source.y[x] = x % 2 == 0 ? 0 : 200
            source.y[8 + x] = x % 2 == 0 ? 0 : 200
        }
        var output = PlanarImage(width: 4, height: 2)
        // 4 output pixels over a 4-pixel window starting at x = 2.5: each lands between two source pixels.
        FrameRenderer.init(bands: 1).render(source, view: .init(zoom: 2, center: SIMD2(4.5 / 8, 0.5)), into: &output)
        #expect(output.y[0...3].allSatisfy { $0 == 100 })
    }

    @Test func wavHeaderDescribesTheSamples() {
        let audio = PCMAudio(sampleRate: 48_000, channels: 2, samples: [Int16](repeating: 0, count: 96_000))
        let wav = audio.wavData()
        #expect(wav.count == 44 + 192_000)
        #expect(String(decoding: wav[0..<4], as: UTF8.self) == "RIFF")
        #expect(String(decoding: wav[8..<16], as: UTF8.self) == "WAVEfmt ")
        #expect(audio.duration == 1)
    }

    @Test func encoderWritesExactlyTheFramesItIsGiven() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: output) }
        let encoder = try VideoEncoder(width: 320, height: 180, audio: nil, output: output)
        var frame = PlanarImage(width: 320, height: 180)
        for index in 0..<30 {
            for i in frame.y.indices { frame.y[i] = UInt8((i + index * 7) % 220 + 16) }
            try encoder.write(frame)
        }
        try encoder.finish()
        let probe = try ProcessRunner.runBlocking(
            "ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                        "stream=nb_read_frames,profile,pix_fmt", "-of", "csv=p=0", output.path])
        #expect(String(decoding: probe.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "High,yuv420p,30")
    }

    @Test func cancelledEncoderLeavesNoFile() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("cancel-\(UUID().uuidString).mp4")
        let encoder = try VideoEncoder(width: 320, height: 180, audio: nil, output: output)
        try encoder.write(PlanarImage(width: 320, height: 180))
        encoder.cancel()
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func decoderRefusesNonImagesAndCoverCrops() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let junk = directory.appendingPathComponent("junk.bin")
        try Data("not an image".utf8).write(to: junk)
        #expect(throws: RenderError.self) { try ImageDecoder().decode(junk, field: "start_image_url", width: 64, height: 64) }

        let png = directory.appendingPathComponent("wide.png")
        _ = try ProcessRunner.runBlocking("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=red:s=400x100", "-frames:v", "1", png.path])
        let image = try ImageDecoder().decode(png, field: "start_image_url", width: 64, height: 64)
        #expect(image.width == 64 && image.height == 64 && image.y.count == 64 * 64 && image.u.count == 32 * 32)

        // A picture over the pixel cap is refused from its header, before decoding.
        let capped = ImageDecoder(maxPixels: 10_000)
        #expect(throws: RenderError.self) { try capped.decode(png, field: "start_image_url", width: 64, height: 64) }
    }
}

/// What media tools print, before a client sees it, and the caps on every stream of a file.
struct MediaInputHardeningTests {
    @Test func toolMessagesLoseHeapPointersAndPaths() {
        let file = URL(fileURLWithPath: "/var/lib/zoetrope/work/abc/input/fetched-start_image_url")
        let line = "[png @ 0x55d0c2a3b4c0] \(file.path): Invalid PNG signature 0x89504e47 (see /usr/lib/x86_64/libavcodec.so)"
        let shown = ToolMessage.clientSafe(line, hiding: file)
        #expect(!shown.contains("0x") && !shown.contains("/var/") && !shown.contains("/usr/"), "\(shown)")
        #expect(shown.hasPrefix("Invalid PNG signature"), "\(shown)")
        #expect(ToolMessage.clientSafe(String(repeating: "x", count: 5000)).count <= 201)
    }

    @Test func everyVideoStreamIsCheckedAndTheFirstIsDecoded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streams-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A small first picture and a larger second one in one container.
        let file = directory.appendingPathComponent("two.mkv")
        let made = try ProcessRunner.runBlocking("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-f", "lavfi", "-i", "color=c=blue:s=400x100",
            "-map", "0", "-map", "1", "-frames:v", "1", "-c:v", "png", file.path])
        #expect(made.status == 0, "\(made.lastErrorLine)")
        let capped = ImageDecoder(maxPixels: 10_000)
        #expect {
            try capped.probe(file, field: "start_image_url")
        } throws: { error in
            (error as? RenderError)?.message.hasPrefix("start_image_url: the image is 400×100 pixels") == true
        }
        let image = try ImageDecoder().decode(file, field: "start_image_url", width: 16, height: 16)
        #expect(image.y.allSatisfy { abs(Int($0) - 63) <= 3 }, "the first stream (red: BT.709 luma 63) is the one decoded")
    }

    /// A picture of an extreme shape (a 200-byte 16 000×2 PNG) is cut to at most four times the
    /// output's shape before it is scaled to cover it: scaled whole it would be 8.6 million pixels
    /// wide (ffmpeg refuses the size after seconds and gigabytes). Its middle is what is shown, in
    /// both directions and in the source pyramid's one-run decode.
    @Test func aPictureOfAnExtremeShapeDecodesFromItsMiddle() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, size, middle) in [("wide", "16000x2", "x=7990:y=0:w=20:h=2"), ("tall", "2x16000", "x=0:y=7990:w=2:h=20")] {
            // Blue, with a red stripe in the middle where the output's crop lands.
            let file = directory.appendingPathComponent("\(name).png")
            let made = try ProcessRunner.runBlocking("ffmpeg", [
                "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=\(size)", "-vf", "drawbox=\(middle):color=red:t=fill",
                "-frames:v", "1", file.path])
            #expect(made.status == 0, "\(made.lastErrorLine)")
            let image = try ImageDecoder().decode(file, field: "start_image_url", width: 192, height: 108)
            #expect(image.width == 192 && image.height == 108)
            let centre = Int(image.y[54 * 192 + 96])
            #expect(abs(centre - 63) <= 4, "\(name): the middle is the red stripe (luma 63), got \(centre)")
            let pyramid = try ImageDecoder().decodePyramid(
                file, field: "start_image_url", width: 192, height: 108, scales: [1, 2])
            #expect(pyramid.levels.map(\.width) == [192, 384])
        }
    }

    /// Ordinary shapes, odd-sized 4:2:0 JPEGs and a 1×1 picture decode exactly as the plain cover
    /// filter (scale to cover, centre crop) makes them: the extreme-shape cut changes nothing there.
    @Test(arguments: ["640x360", "641x361", "1281x719", "3x3", "1x1", "360x640"])
    func ordinaryShapesDecodeAsThePlainCoverFilterMakesThem(size: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cover-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("picture.jpg")
        let made = try ProcessRunner.runBlocking("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=1280x720", "-vf", "scale=\(size.replacingOccurrences(of: "x", with: ":"))",
            "-frames:v", "1", "-pix_fmt", "yuvj420p", file.path])
        #expect(made.status == 0, "\(made.lastErrorLine)")
        let plain = try ProcessRunner.runBlocking("ffmpeg", [
            "-v", "error", "-i", file.path, "-frames:v", "1", "-filter_complex",
            "[0:v:0]scale=192:108:force_original_aspect_ratio=increase:flags=lanczos+accurate_rnd+full_chroma_int"
                + ":out_color_matrix=bt709:out_range=tv,crop=192:108,format=yuv420p",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"])
        let image = try ImageDecoder().decode(file, field: "start_image_url", width: 192, height: 108)
        #expect(image.y + image.u + image.v == [UInt8](plain.stdout), "\(size)")
    }
}
