/// A model clients call by its slug, declared once: its parameters, what it outputs, its price
/// rule and the engine that serves it. Everything else — validation, `/v1/models`, the OpenAPI
/// document, the worker protocol — derives from this.
public struct ModelDescriptor: Sendable {
    public var slug: String
    public var engine: String
    public var description: String
    /// The request body's parameters.
    public var parameters: ParameterSet
    /// Parameters of the product's contract this model's engine does not honour, each with the
    /// message that refuses it at submit (before any credit is reserved).
    public var unsupported: [String: String]
    public var output: Output
    /// The default price; operators may change it with `--price`.
    public var price: Price
    /// The upstream the operator routed the model to (`--route`), if any.
    public var route: ModelRoute?

    public init(
        slug: String, engine: String, description: String, parameters: ParameterSet,
        unsupported: [String: String] = [:], output: Output, price: Price
    ) {
        self.slug = slug
        self.engine = engine
        self.description = description
        self.parameters = parameters
        self.unsupported = unsupported
        self.output = output
        self.price = price
    }

    /// What a finished job's `output` is.
    public enum Output: String, Sendable {
        /// A signed link to an MP4 (the request is a `GenerationRequest`).
        case video = "video/mp4"
        /// A JSON object (the request is a `VoiceRequest`; the output `{voice_id, voice_name}`).
        case voice = "application/json"
    }

    /// How a model's jobs are priced.
    public enum Price: Sendable, Equatable {
        /// Credits per second of video.
        case perSecond(Credits)
        /// Credits per job.
        case perJob(Credits)
    }

    /// True when the model makes a video (its requests are `GenerationRequest`s).
    public var makesVideo: Bool { output == .video }

    /// The JSON Schema of the request body.
    public var requestSchema: JSONValue { parameters.jsonSchema }

    /// Validates a request body into the job request the engines receive.
    public func parse(_ body: JSONValue) async throws -> JobRequest {
        let values = try parameters.validate(body, unsupported: unsupported)
        switch output {
        case .video: return .video(try GenerationRequestParser.build(values))
        case .voice: return .voice(try VoiceRequestParser.build(values))
        }
    }

    /// The listing entry served by `GET /v1/models` (with `upstream` when the model is routed to one).
    public var json: JSONValue {
        var entry: [String: JSONValue] = [
            "slug": .string(slug), "engine": .string(engine), "description": .string(description),
            "output": .string(output.rawValue), "parameters": requestSchema,
        ]
        if let route { entry["upstream"] = route.json }
        return .object(entry)
    }
}
