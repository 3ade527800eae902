import Foundation
import ZoetropeCore

/// The built-in CPU engine: moves a virtual camera over the start image (and dissolves into the
/// end image when one is given), renders each frame into `yuv420p` and streams it to ffmpeg.
/// It animates a still; it does not invent new content.
public struct MotionEngine: Engine {
    public static let engineName = "motion"
    public var name: String { Self.engineName }
    public let inputs: InputFiles
    public let soundtrack: Soundtrack
    public let decoder: ImageDecoder
    public let renderer: FrameRenderer
    public let blur: MotionBlur
    public let settings: EncoderSettings

    public init(
        fetcher: InputFetcher, decoder: ImageDecoder = ImageDecoder(), renderer: FrameRenderer = FrameRenderer(),
        blur: MotionBlur = MotionBlur(), soundtrack: Soundtrack = Soundtrack(), settings: EncoderSettings = EncoderSettings()
    ) {
        self.inputs = InputFiles(fetcher: fetcher)
        self.soundtrack = soundtrack
        self.decoder = decoder
        self.renderer = renderer
        self.blur = blur
        self.settings = settings
    }

    public func run(_ request: JobRequest, context: RenderContext) async throws -> EngineOutput {
        guard let video = request.video else { throw RenderError("the motion engine renders videos only") }
        try await render(video, context: context)
        return .video
    }

    /// Refuses at submit a request whose spoken lines do not fit their shots.
    public func validate(_ request: JobRequest) async throws {
        guard let video = request.video, video.generateAudio else { return }
        try await ProcessRunner.onDedicatedThread { try soundtrack.checkSpeechFits(video) }
    }

    public func plan(for request: JobRequest) -> JSONValue? {
        request.video.map { plan(for: $0) }
    }

    /// Renders `request` into the context's output file.
    public func render(_ request: GenerationRequest, context: RenderContext) async throws {
        let shots = ShotList(request: request)
        let fetchStart = ContinuousClock.now
        // Fetch every input first (references too, so a bad one fails the job with its field named).
        // Progress moves with each input, halving its way to 0.01 (no count of inputs to keep in
        // step with the loops below), so slow downloads (each within its own deadline) never look
        // like a stalled render.
        var fetched = 0.0
        func file(for input: MediaInput, field: String) async throws -> URL {
            let file = try await inputs.file(for: input, field: field, context: context)
            fetched += 1
            context.progress(0.01 * (1 - pow(0.5, fetched)))
            return file
        }
        var files: [ShotList.Source: URL] = [:]
        files[.startImage] = try await file(for: request.startImage, field: "start_image_url")
        var referenceFiles: [(String, URL)] = []
        for (index, element) in request.elements.enumerated() {
            if let frontal = element.frontalImage {
                let field = "elements[\(index)].frontal_image_url"
                files[.element(index)] = try await file(for: frontal, field: field)
            }
            for (refIndex, reference) in element.referenceImages.enumerated() {
                let field = "elements[\(index)].reference_image_urls[\(refIndex)]"
                let referenceFile = try await file(for: reference, field: field)
                referenceFiles.append((field, referenceFile))
                if files[.element(index)] == nil { files[.element(index)] = referenceFile }
            }
        }
        var endFile: URL?
        if let endImage = request.endImage { endFile = try await file(for: endImage, field: "end_image_url") }
        context.stages.add("fetch", (ContinuousClock.now - fetchStart).inSeconds)
        context.progress(0.01)
        let flag = CancellationFlag()
        let job = RenderJob(
            request: request, shots: shots, files: files, references: referenceFiles, endFile: endFile,
            context: context, decoder: decoder, renderer: renderer, soundtrack: soundtrack,
            blur: blur.honouring(negativePrompt: request.negativePrompt), settings: settings, flag: flag)
        try await withTaskCancellationHandler {
            try await ProcessRunner.onDedicatedThread { try job.run() }
        } onCancel: {
            flag.cancel()
        }
    }

    /// The camera plan of every shot, the transition to the end image when there is one, and the
    /// soundtrack's reading of the prompts when there is audio.
    public func plan(for request: GenerationRequest) -> JSONValue {
        var plan = ShotList(request: request).json(
            endImage: request.endImage != nil, blur: blur.honouring(negativePrompt: request.negativePrompt))
        if request.generateAudio, case .object(var body) = plan {
            body["audio"] = soundtrack.plan(for: request)
            plan = .object(body)
        }
        return plan
    }
}
