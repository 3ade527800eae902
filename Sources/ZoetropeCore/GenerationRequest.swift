import Foundation

/// A validated request to generate one video. Every engine receives this and only this;
/// engines never see the raw JSON a client sent.
public struct GenerationRequest: Sendable, Codable, Equatable {
    /// Output frame rate of every video Zoetrope renders.
    public static let framesPerSecond = 24

    public var prompt: String?
    public var startImage: MediaInput
    public var endImage: MediaInput?
    public var aspectRatio: AspectRatio
    public var cfgScale: Double
    /// Length of the video in whole seconds.
    public var duration: Int
    public var negativePrompt: String
    public var generateAudio: Bool
    public var multiPrompt: [ShotSegment]
    public var shotType: String
    public var elements: [Element]
    public var voiceIDs: [String]
    /// The profiles of `voiceIDs`, in the same order, resolved for the caller's key at submit, so
    /// an engine (local or remote) needs no voice store.
    public var voices: [VoiceProfile]
    /// What makes the engine's choices (camera shake, ambience, an LTX-2 generation) repeatable;
    /// the gateway picks one at submit when the client gave none, so every job has one.
    public var seed: UInt32?

    public init(
        prompt: String?, startImage: MediaInput, endImage: MediaInput? = nil,
        aspectRatio: AspectRatio = .landscape, cfgScale: Double = 0.5, duration: Int = 5,
        negativePrompt: String = GenerationRequest.defaultNegativePrompt, generateAudio: Bool = true,
        multiPrompt: [ShotSegment] = [], shotType: String = "customize", elements: [Element] = [],
        voiceIDs: [String] = [], voices: [VoiceProfile] = [], seed: UInt32? = nil
    ) {
        self.prompt = prompt
        self.startImage = startImage
        self.endImage = endImage
        self.aspectRatio = aspectRatio
        self.cfgScale = cfgScale
        self.duration = duration
        self.negativePrompt = negativePrompt
        self.generateAudio = generateAudio
        self.multiPrompt = multiPrompt
        self.shotType = shotType
        self.elements = elements
        self.voiceIDs = voiceIDs
        self.voices = voices
        self.seed = seed
    }

    /// The prompt of every shot with its length in seconds: one shot without `multi_prompt`.
    public var shotPrompts: [(prompt: String, seconds: Int)] {
        multiPrompt.isEmpty ? [(prompt ?? "", duration)] : multiPrompt.map { ($0.prompt, $0.duration) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try container.decodeIfPresent(String.self, forKey: .prompt)
        startImage = try container.decode(MediaInput.self, forKey: .startImage)
        endImage = try container.decodeIfPresent(MediaInput.self, forKey: .endImage)
        aspectRatio = try container.decode(AspectRatio.self, forKey: .aspectRatio)
        cfgScale = try container.decode(Double.self, forKey: .cfgScale)
        duration = try container.decode(Int.self, forKey: .duration)
        negativePrompt = try container.decode(String.self, forKey: .negativePrompt)
        generateAudio = try container.decode(Bool.self, forKey: .generateAudio)
        multiPrompt = try container.decode([ShotSegment].self, forKey: .multiPrompt)
        shotType = try container.decode(String.self, forKey: .shotType)
        elements = try container.decode([Element].self, forKey: .elements)
        voiceIDs = try container.decode([String].self, forKey: .voiceIDs)
        // Stored before voices could be created: none resolved.
        voices = try container.decodeIfPresent([VoiceProfile].self, forKey: .voices) ?? []
        // Stored before seeds existed: none.
        seed = try container.decodeIfPresent(UInt32.self, forKey: .seed)
    }

    public static let defaultNegativePrompt = VideoParameters.defaultNegativePrompt

    /// Exactly `duration × 24` frames.
    public var frameCount: Int { duration * Self.framesPerSecond }

    /// Every image input with the field name a client would recognise, in a stable order.
    public var imageInputs: [(field: String, input: MediaInput)] {
        var inputs: [(String, MediaInput)] = []
        _ = mappingImageInputs { field, input in
            inputs.append((field, input))
            return input
        }
        return inputs
    }

    /// The request with each image input replaced by `transform(field, input)`, in the order and
    /// with the field names of `imageInputs`.
    public func mappingImageInputs(_ transform: (String, MediaInput) throws -> MediaInput) rethrows -> GenerationRequest {
        var request = self
        request.startImage = try transform("start_image_url", startImage)
        request.endImage = try endImage.map { try transform("end_image_url", $0) }
        request.elements = try elements.enumerated().map { index, element in
            Element(
                frontalImage: try element.frontalImage.map { try transform("elements[\(index)].frontal_image_url", $0) },
                referenceImages: try element.referenceImages.enumerated().map { refIndex, reference in
                    try transform("elements[\(index)].reference_image_urls[\(refIndex)]", reference)
                })
        }
        return request
    }

    /// Output picture shapes.
    public enum AspectRatio: String, Sendable, Codable, CaseIterable {
        case landscape = "16:9"
        case portrait = "9:16"
        case square = "1:1"

        /// Output size in pixels.
        public var size: (width: Int, height: Int) {
            switch self {
            case .landscape: (1920, 1080)
            case .portrait: (1080, 1920)
            case .square: (1080, 1080)
            }
        }
    }

    /// One shot of a multi-shot video.
    public struct ShotSegment: Sendable, Codable, Equatable {
        public var prompt: String
        public var duration: Int
        public init(prompt: String, duration: Int) {
            self.prompt = prompt
            self.duration = duration
        }
    }

    /// A character or object that prompts reference as `@ElementN`.
    public struct Element: Sendable, Codable, Equatable {
        public var frontalImage: MediaInput?
        public var referenceImages: [MediaInput]
        public init(frontalImage: MediaInput?, referenceImages: [MediaInput]) {
            self.frontalImage = frontalImage
            self.referenceImages = referenceImages
        }
    }
}

/// Where an input file (an image, or a voice sample) comes from: a remote URL fetched when the
/// job runs, bytes the client sent inline (a `data:` URI or bare base64), or such bytes already
/// saved beside the job.
public enum MediaInput: Sendable, Codable, Equatable {
    case remote(URL)
    case inline(Data)
    /// A file name, relative to the job's input directory.
    case stored(String)
}
