import Foundation
import ZoetropeCore

/// The blocking half of a motion render, run on its own thread: decode the pictures, render every
/// shot's frames (morphing into the end image during the last shot when there is one), and stream
/// them with the soundtrack to the encoder. Checks for cancellation between frames.
struct RenderJob: @unchecked Sendable {
    let request: GenerationRequest
    let shots: ShotList
    let files: [ShotList.Source: URL]
    let references: [(String, URL)]
    let endFile: URL?
    let context: RenderContext
    let decoder: ImageDecoder
    let renderer: FrameRenderer
    let soundtrack: Soundtrack
    let blur: MotionBlur
    let settings: EncoderSettings
    let flag: CancellationFlag

    /// The pictures a render draws from, decoded.
    private struct Pictures {
        /// Each camera shot's source levels, by shot.
        var levels: [SourcePyramid]
        /// The backdrop each camera shot that pulls back recedes into, by shot.
        var backdrops: [PlanarImage?]
        /// The last shot's transition into the end image, with its two pictures at output size.
        var morph: (FlowMorph, PlanarImage, PlanarImage)?
    }

    func run() throws {
        let stages = context.stages
        let (width, height) = request.aspectRatio.size
        // The soundtrack and the encoder's start (ffmpeg launching and loading its libraries) run
        // on a thread of their own, beside the pictures' decode.
        let opening = BackgroundWork { () throws -> (VideoEncoder, URL?) in
            var audioFile: URL?
            if request.generateAudio {
                let file = context.outputFile.deletingPathExtension().appendingPathExtension("wav")
                try stages.measure("audio") { try soundtrack.render(for: request).wavData().write(to: file) }
                audioFile = file
            }
            do {
                // Key frames: each shot's first, and the last (so the last frame decodes on its own
                // for `last_frame_url`, and is as close to the picture as the quality setting allows).
                let encoder = try VideoEncoder(
                    width: width, height: height, audio: audioFile, output: context.outputFile,
                    keyframes: shots.shots.map(\.startFrame) + [shots.frameCount - 1], settings: settings)
                return (encoder, audioFile)
            } catch {
                if let audioFile { try? FileManager.default.removeItem(at: audioFile) }
                throw error
            }
        }
        let decoded = Result { try stages.measure("decode") { try decodePictures(width: width, height: height) } }
        let opened = Result { try opening.wait() }
        if case .success(let (encoder, _)) = opened, (try? decoded.get()) == nil || flag.isCancelled { encoder.cancel() }
        defer { if case .success((_, let audioFile?)) = opened { try? FileManager.default.removeItem(at: audioFile) } }
        // A picture that cannot be decoded is the request's fault: its error comes first.
        let pictures = try decoded.get()
        let (encoder, _) = try opened.get()
        if flag.isCancelled { throw CancellationError() }

        var frame = PlanarImage(width: width, height: height)
        var written = 0
        let total = shots.frameCount
        // The encoder (ffmpeg) works beside the renderer: `encode` is the time this thread waits for it.
        let clock = ContinuousClock()
        var rendering = Duration.zero, encoding = Duration.zero
        defer {
            stages.add("render", rendering.inSeconds)
            stages.add("encode", encoding.inSeconds)
        }
        do {
            for (shotIndex, shot) in shots.shots.enumerated() {
                for index in 0..<shot.frameCount {
                    if flag.isCancelled { throw CancellationError() }
                    let renderStart = clock.now
                    if shotIndex < pictures.levels.count {
                        renderer.render(
                            pictures.levels[shotIndex], plan: shot.plan, frame: index, blur: blur,
                            backdrop: pictures.backdrops[shotIndex], into: &frame)
                    } else if let (flow, from, to) = pictures.morph {
                        let t = shot.frameCount > 1 ? Double(index) / Double(shot.frameCount - 1) : 1
                        flow.frame(at: t * t * (3 - 2 * t), start: from, end: to, into: &frame)
                    }
                    let encodeStart = clock.now
                    rendering += encodeStart - renderStart
                    try encoder.write(frame)
                    encoding += clock.now - encodeStart
                    written += 1
                    context.progress(0.02 + 0.97 * Double(written) / Double(total))
                }
            }
            let finishStart = clock.now
            try encoder.finish()
            encoding += clock.now - finishStart
        } catch {
            encoder.cancel()
            throw error
        }
    }

    /// Decodes every picture the shots film: each once per set of levels its zooms need
    /// (`SourcePyramid`), the backdrop a pull-back recedes into, and the end image's transition.
    private func decodePictures(width: Int, height: Int) throws -> Pictures {
        for (field, file) in references {
            _ = try decoder.probe(file, field: field)
        }
        // The end image's transition replaces the last shot's camera: it starts from that shot's
        // picture, both at output size.
        var morph: (FlowMorph, PlanarImage, PlanarImage)?
        if let endFile, let last = shots.shots.last, let lastFile = files[last.source] {
            let from = try decoder.decode(lastFile, field: last.source.field, width: width, height: height)
            let to = try decoder.decode(endFile, field: "end_image_url", width: width, height: height)
            morph = (FlowMorph(start: from, end: to), from, to)
        }
        struct Key: Hashable {
            var source: ShotList.Source
            var scales: [Double]
        }
        var pyramids: [Key: SourcePyramid] = [:]
        var backdrops: [Key: PlanarImage] = [:]
        var pictures = Pictures(levels: [], backdrops: [], morph: morph)
        let cameraShots = morph == nil ? shots.shots : Array(shots.shots.dropLast())
        for shot in cameraShots {
            if flag.isCancelled { throw CancellationError() }
            let zooms = shot.plan.zoomRange
            let key = Key(source: shot.source, scales: SourcePyramid.scales(for: zooms, width: width, height: height))
            if pyramids[key] == nil {
                guard let file = files[shot.source] else { throw RenderError("\(shot.source.field) has no image") }
                pyramids[key] = try decoder.decodePyramid(
                    file, field: shot.source.field, width: width, height: height, scales: key.scales)
            }
            if zooms.lowerBound < 1, backdrops[key] == nil {
                backdrops[key] = Backdrop.make(from: pyramids[key]!.outputSize)
            }
            pictures.levels.append(pyramids[key]!)
            pictures.backdrops.append(backdrops[key])
        }
        return pictures
    }
}
