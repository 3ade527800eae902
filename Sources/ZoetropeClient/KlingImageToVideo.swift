import Foundation

/// The parameters of `kling-3-pro-image2video`, typed; encodes to exactly the JSON the server
/// expects (unset parameters are left out, so the server's defaults apply).
public struct KlingImageToVideo: Sendable, Encodable, Equatable {
    /// The model slug.
    public static let model = "kling-3-pro-image2video"

    /// Output shapes.
    public enum AspectRatio: String, Sendable, Encodable, CaseIterable {
        case landscape = "16:9"
        case portrait = "9:16"
        case square = "1:1"
    }

    /// One segment of a multi-shot video.
    public struct Shot: Sendable, Encodable, Equatable {
        public var prompt: String
        /// Seconds, 1...15.
        public var duration: Int

        public init(prompt: String, duration: Int = 5) {
            self.prompt = prompt
            self.duration = duration
        }

        enum CodingKeys: String, CodingKey { case prompt, duration }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(prompt, forKey: .prompt)
            try container.encode(String(duration), forKey: .duration)
        }
    }

    /// A character or object that prompts reference as `@ElementN`.
    public struct Element: Sendable, Encodable, Equatable {
        public var frontalImageURL: String?
        public var referenceImageURLs: [String]?

        public init(frontalImageURL: String? = nil, referenceImageURLs: [String]? = nil) {
            self.frontalImageURL = frontalImageURL
            self.referenceImageURLs = referenceImageURLs
        }

        enum CodingKeys: String, CodingKey {
            case frontalImageURL = "frontal_image_url"
            case referenceImageURLs = "reference_image_urls"
        }
    }

    public var prompt: String?
    /// An `http(s)` URL, a `data:` URI or base64 (see `dataURI(contentsOf:)`).
    public var startImageURL: String
    public var endImageURL: String?
    public var aspectRatio: AspectRatio?
    /// 0...1.
    public var cfgScale: Double?
    /// Seconds, 3...15; sent as a string, as Segmind's own API takes it.
    public var duration: Int?
    public var negativePrompt: String?
    public var generateAudio: Bool?
    public var multiPrompt: [Shot]?
    public var shotType: String?
    public var elements: [Element]?
    /// Ids from `kling-create-voice`, spoken as `<<<voice_1>>>`, `<<<voice_2>>>`.
    public var voiceIDs: [String]?
    /// 0...4294967295: the same request with the same seed makes the same video.
    public var seed: UInt32?

    public init(
        prompt: String?, startImageURL: String, endImageURL: String? = nil, aspectRatio: AspectRatio? = nil,
        cfgScale: Double? = nil, duration: Int? = nil, negativePrompt: String? = nil, generateAudio: Bool? = nil,
        multiPrompt: [Shot]? = nil, shotType: String? = nil, elements: [Element]? = nil, voiceIDs: [String]? = nil,
        seed: UInt32? = nil
    ) {
        self.prompt = prompt
        self.startImageURL = startImageURL
        self.endImageURL = endImageURL
        self.aspectRatio = aspectRatio
        self.cfgScale = cfgScale
        self.duration = duration
        self.negativePrompt = negativePrompt
        self.generateAudio = generateAudio
        self.multiPrompt = multiPrompt
        self.shotType = shotType
        self.elements = elements
        self.voiceIDs = voiceIDs
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case prompt
        case startImageURL = "start_image_url"
        case endImageURL = "end_image_url"
        case aspectRatio = "aspect_ratio"
        case cfgScale = "cfg_scale"
        case duration
        case negativePrompt = "negative_prompt"
        case generateAudio = "generate_audio"
        case multiPrompt = "multi_prompt"
        case shotType = "shot_type"
        case elements
        case voiceIDs = "voice_ids"
        case seed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(prompt, forKey: .prompt)
        try container.encode(startImageURL, forKey: .startImageURL)
        try container.encodeIfPresent(endImageURL, forKey: .endImageURL)
        try container.encodeIfPresent(aspectRatio, forKey: .aspectRatio)
        try container.encodeIfPresent(cfgScale, forKey: .cfgScale)
        try container.encodeIfPresent(duration.map(String.init), forKey: .duration)
        try container.encodeIfPresent(negativePrompt, forKey: .negativePrompt)
        try container.encodeIfPresent(generateAudio, forKey: .generateAudio)
        try container.encodeIfPresent(multiPrompt, forKey: .multiPrompt)
        try container.encodeIfPresent(shotType, forKey: .shotType)
        try container.encodeIfPresent(elements, forKey: .elements)
        try container.encodeIfPresent(voiceIDs, forKey: .voiceIDs)
        try container.encodeIfPresent(seed, forKey: .seed)
    }

    /// A local file as a `data:` URI (its type from the extension), the way to send local images.
    public static func dataURI(contentsOf file: URL) throws -> String {
        let types = [
            "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
            "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "wav": "audio/wav", "mp3": "audio/mpeg",
            "mp4": "video/mp4", "mov": "video/quicktime", "m4a": "audio/mp4",
        ]
        let type = types[file.pathExtension.lowercased()] ?? "application/octet-stream"
        return "data:\(type);base64," + (try Data(contentsOf: file)).base64EncodedString()
    }
}
