/// A model clients can call by its slug, with the JSON Schema of its parameters.
public struct ModelDescriptor: Sendable {
    public var slug: String
    public var engine: String
    public var description: String
    public var parameters: JSONValue
    /// What a finished job's `output` is: `video/mp4` (a link to the file) or `application/json`.
    public var output: String

    public init(slug: String, engine: String, description: String, parameters: JSONValue, output: String = "video/mp4") {
        self.slug = slug
        self.engine = engine
        self.description = description
        self.parameters = parameters
        self.output = output
    }

    /// True when the model makes a video (its requests are `GenerationRequest`s).
    public var makesVideo: Bool { output == "video/mp4" }

    /// The listing entry served by `GET /v1/models`.
    public var json: JSONValue {
        ["slug": .string(slug), "engine": .string(engine), "description": .string(description),
         "output": .string(output), "parameters": parameters]
    }
}

/// The models this server serves.
public struct ModelCatalog: Sendable {
    public static let klingImageToVideo = "kling-3-pro-image2video"
    public static let klingCreateVoice = "kling-create-voice"
    /// Lightricks' LTX-2 image-to-video with generated audio, served only by GPU workers
    /// (`ltx-worker/`); jobs wait in the queue until such a worker leases them.
    public static let ltx2ImageToVideo = "ltx-2-image2video"
    /// The engine name of models that only remote workers run.
    public static let remoteEngine = "remote-worker"

    public var models: [ModelDescriptor]

    public init(models: [ModelDescriptor]) { self.models = models }

    public func model(slug: String) -> ModelDescriptor? { models.first { $0.slug == slug } }

    /// The catalog with the seed's video model and the create-voice model, served by the given engines,
    /// and `ltx-2-image2video`, served by remote GPU workers only (same parameters as the seed's model).
    public static func standard(videoEngine: String, voiceEngine: String) -> ModelCatalog {
        ModelCatalog(models: [
            ModelDescriptor(
                slug: klingImageToVideo, engine: videoEngine,
                description: "Animated 1080p videos from images with motion and synchronized audio.",
                parameters: klingParametersSchema),
            ModelDescriptor(
                slug: klingCreateVoice, engine: voiceEngine,
                description: "A voice for voice_ids, made from 5 to 30 s of one voice; output {voice_id, voice_name}.",
                parameters: createVoiceParametersSchema, output: "application/json"),
            ModelDescriptor(
                slug: ltx2ImageToVideo, engine: remoteEngine,
                description: "LTX-2 image-to-video with generated audio (subject motion, start and end frames), run by "
                    + "GPU workers; jobs wait in the queue until a worker serving this model is connected. "
                    + "elements and voice_ids are not supported by this model yet.",
                parameters: klingParametersSchema),
        ])
    }

    /// JSON Schema of `kling-create-voice`'s parameters.
    public static let createVoiceParametersSchema: JSONValue = [
        "type": "object",
        "additionalProperties": false,
        "required": ["voice_name", "voice_url"],
        "properties": [
            "voice_name": ["type": "string", "minLength": 1, "maxLength": 20],
            "voice_url": [
                "type": "string", "maxBytes": 52_428_800,
                "description": "http(s) URL, data: URI or bare base64 of an audio or video file (mp3, wav, mp4, mov) holding 5 to 30 s of one voice, at most 50 MB",
            ],
        ],
    ]

    /// JSON Schema of `kling-3-pro-image2video`'s parameters (SPEC.md's table).
    public static let klingParametersSchema: JSONValue = {
        let imageURL: JSONValue = [
            "type": "string", "maxBytes": 52_428_800,
            "description": "http(s) URL, data: URI or bare base64 of an image (JPEG, PNG, WebP, ...), at most 50 MB",
        ]
        let durationValues: JSONValue = .array((3...15).map { .string(String($0)) })
        return [
            "type": "object",
            "additionalProperties": false,
            "required": ["start_image_url"],
            "properties": [
                "prompt": ["type": "string", "minLength": 1, "maxLength": 2500,
                           "description": "Required unless multi_prompt is given."],
                "start_image_url": imageURL,
                "end_image_url": imageURL,
                "aspect_ratio": ["type": "string", "enum": ["16:9", "9:16", "1:1"], "default": "16:9"],
                "cfg_scale": ["type": "number", "minimum": 0, "maximum": 1, "default": 0.5],
                "duration": [
                    "oneOf": [["type": "string", "enum": durationValues], ["type": "integer", "minimum": 3, "maximum": 15]],
                    "default": "5",
                ],
                "negative_prompt": ["type": "string", "maxLength": 2500, "default": "blur, distort, and low quality"],
                "generate_audio": ["type": "boolean", "default": true],
                "multi_prompt": [
                    "type": "array", "maxItems": 5,
                    "items": [
                        "type": "object", "additionalProperties": false, "required": ["prompt"],
                        "properties": [
                            "prompt": ["type": "string", "minLength": 1, "maxLength": 512],
                            "duration": [
                                "oneOf": [
                                    ["type": "string", "enum": .array((1...15).map { .string(String($0)) })],
                                    ["type": "integer", "minimum": 1, "maximum": 15],
                                ],
                                "default": "5",
                            ],
                        ],
                    ],
                ],
                "shot_type": ["type": "string", "enum": ["customize"], "default": "customize"],
                "elements": [
                    "type": "array", "maxItems": 3,
                    "items": [
                        "type": "object", "additionalProperties": false,
                        "properties": [
                            "frontal_image_url": imageURL,
                            "reference_image_urls": ["type": "array", "maxItems": 3, "items": imageURL],
                        ],
                    ],
                ],
                "voice_ids": ["type": "array", "maxItems": 2, "items": ["type": "string"]],
            ],
        ]
    }()
}
