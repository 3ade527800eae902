/// The parameters of the product page's image-to-video model (`kling-3-pro-image2video`): names,
/// types, ranges, lengths, enumerations and defaults, as docs/API.md's parameter table gives them.
public enum VideoParameters {
    public static let promptLength = 1...2500
    public static let segmentPromptLength = 1...512
    public static let duration = 3...15
    public static let segmentDuration = 1...15
    public static let maxSegments = 5
    public static let maxElements = 3
    public static let maxReferenceImages = 3
    public static let maxVoices = 2
    public static let defaultDuration = 5
    public static let defaultCfgScale = 0.5
    public static let defaultNegativePrompt = "blur, distort, and low quality"
    /// Seeds: any 32-bit unsigned integer.
    public static let seed = 0...Int(UInt32.max)
    /// What `ltx-2-image2video`'s engine does not honour yet.
    public static let ltx2Unsupported: Set<String> = ["elements", "voice_ids"]

    /// A shot of a multi-shot video.
    public static let segment = ParameterSet([
        Parameter("prompt", .text(length: segmentPromptLength), required: true),
        Parameter("duration", .seconds(segmentDuration), default: .string(String(defaultDuration)),
                  description: "Seconds of this shot."),
    ])

    /// A character or object that prompts reference as `@ElementN`.
    public static let element = ParameterSet([
        Parameter("frontal_image_url", .media(.image)),
        Parameter("reference_image_urls", .list(of: .media(.image), maxItems: maxReferenceImages, noun: "images")),
    ], atLeastOneOf: ["frontal_image_url", "reference_image_urls"])

    public static let kling = ParameterSet([
        Parameter("prompt", .text(length: promptLength),
                  description: "What happens in the video. Required unless multi_prompt is given; <<<voice_N>>> \"line\" speaks a line in the N-th voice of voice_ids; @ElementN refers to elements[N-1]."),
        Parameter("start_image_url", .media(.image), required: true, description: "The first frame."),
        Parameter("end_image_url", .media(.image), description: "The last frame."),
        Parameter("aspect_ratio", .choice(GenerationRequest.AspectRatio.allCases.map(\.rawValue)),
                  default: .string(GenerationRequest.AspectRatio.landscape.rawValue)),
        Parameter("cfg_scale", .number(0...1), default: .number(defaultCfgScale),
                  description: "How closely the video follows the prompt."),
        Parameter("duration", .seconds(duration), default: .string(String(defaultDuration)),
                  description: "Seconds of video (24 frames each). With multi_prompt, the shots' durations must add up to it; without duration they set it and must add up to 3 to 15."),
        Parameter("negative_prompt", .text(length: 0...promptLength.upperBound), default: .string(defaultNegativePrompt)),
        Parameter("generate_audio", .boolean, default: true),
        Parameter("multi_prompt", .list(of: .object(segment), maxItems: maxSegments, noun: "segments"),
                  description: "Shots played in order, each with its own prompt and duration."),
        Parameter("shot_type", .choice(["customize"]), default: "customize"),
        Parameter("elements", .list(of: .object(element), maxItems: maxElements, noun: "entries"),
                  description: "Characters or objects, each with a frontal image and/or reference images."),
        Parameter("voice_ids", .list(of: .text(length: 1...200), maxItems: maxVoices, noun: "ids"),
                  description: "Voices made with kling-create-voice by the same API key; prompts use them as <<<voice_1>>>, <<<voice_2>>>."),
        Parameter("seed", .integer(seed),
                  description: "Makes the video reproducible: the same request with the same seed gives the same video. Chosen at random when absent; the seed used is in the result's metrics (and v1's x-seed-value header)."),
    ], atLeastOneOf: ["prompt", "multi_prompt"])
}

/// The parameters of `kling-create-voice`.
public enum VoiceParameters {
    public static let nameLength = 1...20

    public static let createVoice = ParameterSet([
        Parameter("voice_name", .text(length: nameLength), required: true),
        Parameter("voice_url", .media(.audio), required: true,
                  description: "5 to 30 s of one voice: an audio or video file (mp3, wav, mp4, mov)."),
    ])
}
