/// The models this server serves, by slug.
public struct ModelCatalog: Sendable {
    public static let klingImageToVideo = "kling-3-pro-image2video"
    public static let klingCreateVoice = "kling-create-voice"
    /// Lightricks' LTX-2 image-to-video with generated audio, served only by GPU workers
    /// (`ltx-worker/`); jobs wait in the queue until such a worker leases them.
    public static let ltx2ImageToVideo = "ltx-2-image2video"
    /// The engine name of models that only remote workers run.
    public static let remoteEngine = "remote-worker"

    public var models: [ModelDescriptor]

    /// The slug of every model this server knows (whatever engines serve them).
    public static let slugs = standard(videoEngine: "", voiceEngine: "").models.map(\.slug)

    public init(models: [ModelDescriptor]) { self.models = models }

    public func model(slug: String) -> ModelDescriptor? { models.first { $0.slug == slug } }

    /// The Kling image-to-video model (`kling-3-pro-image2video`) and the create-voice model, served by the given engines,
    /// and `ltx-2-image2video`, served by remote GPU workers only.
    public static func standard(videoEngine: String, voiceEngine: String) -> ModelCatalog {
        ModelCatalog(models: [
            ModelDescriptor(
                slug: klingImageToVideo, engine: videoEngine,
                description: "Animated 1080p videos from images with motion and synchronized audio.",
                parameters: VideoParameters.kling, output: .video, price: .perSecond(Credits(micros: 100_000))),
            ModelDescriptor(
                slug: klingCreateVoice, engine: voiceEngine,
                description: "A voice for voice_ids, made from 5 to 30 s of one voice; output {voice_id, voice_name}.",
                parameters: VoiceParameters.createVoice, output: .voice, price: .perJob(Credits(micros: 1_000_000))),
            ModelDescriptor(
                slug: ltx2ImageToVideo, engine: remoteEngine,
                description: "LTX-2 image-to-video with generated audio (subject motion, start and end frames), run by "
                    + "GPU workers; jobs wait in the queue until a worker serving this model is connected. "
                    + "elements and voice_ids are not supported by this model yet.",
                parameters: VideoParameters.kling.removing(VideoParameters.ltx2Unsupported),
                unsupported: Dictionary(uniqueKeysWithValues: VideoParameters.ltx2Unsupported.map {
                    ($0, "\($0) is not supported by \(ltx2ImageToVideo) yet; submit without \($0) (or use \(klingImageToVideo))")
                }),
                output: .video, price: .perSecond(Credits(micros: 100_000))),
        ])
    }
}
