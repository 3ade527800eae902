import ZoetropeCore

/// The built-in engines and the catalog of models they serve: the motion engine for
/// `kling-3-pro-image2video`, the voice engine for `kling-create-voice`. Used by the gateway's
/// own render slots and by `zoetrope worker`. Models of the catalog that only remote GPU workers
/// run (`ltx-2-image2video`) have no engine here.
public struct BuiltInEngines: Sendable {
    public let catalog: ModelCatalog
    /// The engine of each model, by slug.
    public let engines: [String: any Engine]

    /// The catalog these engines serve (also what `zoetrope openapi` documents).
    public static let catalog = ModelCatalog.standard(videoEngine: MotionEngine.engineName, voiceEngine: VoiceCloneEngine.engineName)

    public init(fetcher: InputFetcher) {
        let videoEngine = MotionEngine(fetcher: fetcher)
        let voiceEngine = VoiceCloneEngine(fetcher: fetcher)
        catalog = Self.catalog
        engines = Dictionary(uniqueKeysWithValues: catalog.models.compactMap { model -> (String, any Engine)? in
            switch model.engine {
            case videoEngine.name: (model.slug, videoEngine)
            case voiceEngine.name: (model.slug, voiceEngine)
            default: nil
            }
        })
    }
}
