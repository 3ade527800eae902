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
    public let blur: MotionBlur
    public let settings: EncoderSettings

    public init(
        fetcher: ImageFetcher, decoder: ImageDecoder = ImageDecoder(), renderer: FrameRenderer = FrameRenderer(),
        blur: MotionBlur = MotionBlur(), settings: EncoderSettings = EncoderSettings()
    ) {
        self.fetcher = fetcher
        self.decoder = decoder
        self.renderer = renderer
        self.blur = blur
        self.settings = settings
    }

    public func render(_ request: GenerationRequest, context: RenderContext) async throws {
        let shots = ShotList(request: request)
        // Fetch every input first (references too, so a bad one fails the job with its field named).
        var files: [ShotList.Source: URL] = [:]
        files[.startImage] = try await materialize(request.startImage, field: "start_image_url", context: context)
        var referenceFiles: [(String, URL)] = []
        for (index, element) in request.elements.enumerated() {
            if let frontal = element.frontalImage {
                let field = "elements[\(index)].frontal_image_url"
                files[.element(index)] = try await materialize(frontal, field: field, context: context)
            }
            for (refIndex, reference) in element.referenceImages.enumerated() {
                let field = "elements[\(index)].reference_image_urls[\(refIndex)]"
                let file = try await materialize(reference, field: field, context: context)
                referenceFiles.append((field, file))
                if files[.element(index)] == nil { files[.element(index)] = file }
            }
        }
        let endFile = try await request.endImage.asyncMap {
            try await materialize($0, field: "end_image_url", context: context)
        }
        context.progress(0.01)
        let flag = CancellationFlag()
        let job = RenderJob(
            request: request, shots: shots, files: files, references: referenceFiles, endFile: endFile,
            context: context, decoder: decoder, renderer: renderer,
            blur: blur.honouring(negativePrompt: request.negativePrompt), settings: settings, flag: flag)
        try await withTaskCancellationHandler {
            try await ProcessRunner.onDedicatedThread { try job.run() }
        } onCancel: {
            flag.cancel()
        }
    }

    public func plan(for request: GenerationRequest) -> JSONValue? {
        ShotList(request: request).json(endImage: request.endImage != nil, blur: blur.honouring(negativePrompt: request.negativePrompt))
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
