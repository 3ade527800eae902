import Foundation
import ZoetropeCore

/// The built-in CPU engine: moves a virtual camera over the start image (and dissolves into the
/// end image when one is given), renders each frame into `yuv420p` and streams it to ffmpeg.
/// It animates a still; it does not invent new content.
public struct MotionEngine: Engine {
    public let name = "motion"
    public let fetcher: ImageFetcher
    public let decoder: ImageDecoder
    public let renderer: FrameRenderer
    public let settings: EncoderSettings

    public init(
        fetcher: ImageFetcher, decoder: ImageDecoder = ImageDecoder(), renderer: FrameRenderer = FrameRenderer(),
        settings: EncoderSettings = EncoderSettings()
    ) {
        self.fetcher = fetcher
        self.decoder = decoder
        self.renderer = renderer
        self.settings = settings
    }

    public func render(_ request: GenerationRequest, context: RenderContext) async throws {
        let startFile = try await materialize(request.startImage, field: "start_image_url", context: context)
        let endFile = try await request.endImage.asyncMap {
            try await materialize($0, field: "end_image_url", context: context)
        }
        context.progress(0.01)
        let flag = CancellationFlag()
        let decoder = self.decoder
        let renderer = self.renderer
        let settings = self.settings
        try await withTaskCancellationHandler {
            try await ProcessRunner.onDedicatedThread {
                try Self.renderBlocking(
                    request, startFile: startFile, endFile: endFile, context: context, decoder: decoder,
                    renderer: renderer, settings: settings, flag: flag)
            }
        } onCancel: {
            flag.cancel()
        }
    }

    /// The camera plan the engine follows for `request`.
    public static func plan(for request: GenerationRequest) -> CameraPlan {
        CameraPlan.pushIn(frameCount: request.frameCount, cfgScale: request.cfgScale)
    }

    private static func renderBlocking(
        _ request: GenerationRequest, startFile: URL, endFile: URL?, context: RenderContext, decoder: ImageDecoder,
        renderer: FrameRenderer, settings: EncoderSettings, flag: CancellationFlag
    ) throws {
        let (width, height) = request.aspectRatio.size
        let sourceWidth = Int((Double(width) * CameraPlan.overscan / 2).rounded()) * 2
        let sourceHeight = Int((Double(height) * CameraPlan.overscan / 2).rounded()) * 2
        let start = try decoder.decode(startFile, field: "start_image_url", width: sourceWidth, height: sourceHeight)
        let end = try endFile.map { try decoder.decode($0, field: "end_image_url", width: width, height: height) }
        let plan = plan(for: request)

        var audioFile: URL?
        if request.generateAudio {
            let file = context.outputFile.deletingPathExtension().appendingPathExtension("wav")
            try Soundtrack.render(for: request).wavData().write(to: file)
            audioFile = file
        }
        defer { if let audioFile { try? FileManager.default.removeItem(at: audioFile) } }

        let encoder = try VideoEncoder(
            width: width, height: height, audio: audioFile, output: context.outputFile, settings: settings)
        var frame = PlanarImage(width: width, height: height)
        do {
            for index in 0..<plan.frameCount {
                if flag.isCancelled { throw CancellationError() }
                renderer.render(start, view: plan.view(at: index), into: &frame)
                if let end {
                    // Dissolve into the end image over the last 70% of the clip; the last frame is the end image.
                    let t = plan.frameCount > 1 ? Double(index) / Double(plan.frameCount - 1) : 1
                    let a = min(max((t - 0.3) / 0.7, 0), 1)
                    renderer.blend(end, alpha: a * a * (3 - 2 * a), into: &frame)
                }
                try encoder.write(frame)
                context.progress(0.02 + 0.97 * Double(index + 1) / Double(plan.frameCount))
            }
            try encoder.finish()
        } catch {
            encoder.cancel()
            throw error
        }
    }

    /// A local file holding the input's bytes: stored inputs as they are, remote ones fetched.
    private func materialize(_ input: ImageInput, field: String, context: RenderContext) async throws -> URL {
        let safeName = field.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        switch input {
        case .stored(let name):
            return context.inputDirectory.appendingPathComponent(name)
        case .inline(let data):
            return try save(data, name: "inline-\(String(safeName))", context: context)
        case .remote(let url):
            let data = try await fetcher.fetch(url, field: field)
            return try save(data, name: "fetched-\(String(safeName))", context: context)
        }
    }

    private func save(_ data: Data, name: String, context: RenderContext) throws -> URL {
        try FileManager.default.createDirectory(at: context.inputDirectory, withIntermediateDirectories: true)
        let file = context.inputDirectory.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        switch self {
        case .some(let value): return try await transform(value)
        case .none: return nil
        }
    }
}
