import Foundation

/// What a job asks for, by the kind of model it was submitted to: a video, or a voice made from a
/// sample recording. Stored as JSON; a video request is stored as the `GenerationRequest` itself.
public enum JobRequest: Sendable, Codable, Equatable {
    case video(GenerationRequest)
    case voice(VoiceRequest)

    /// The video request, when this is one.
    public var video: GenerationRequest? {
        if case .video(let request) = self { return request }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case voice
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let voice = try container.decodeIfPresent(VoiceRequest.self, forKey: .voice) {
            self = .voice(voice)
        } else {
            self = .video(try GenerationRequest(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .video(let request):
            try request.encode(to: encoder)
        case .voice(let request):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(request, forKey: .voice)
        }
    }

    /// Every input the request holds, with the field it came from.
    public var inputs: [(field: String, input: MediaInput)] {
        switch self {
        case .video(let request): request.imageInputs
        case .voice(let request): [("voice_url", request.sample)]
        }
    }

    /// The names of the inputs stored beside the job (`MediaInput.stored`).
    public var storedInputNames: [String] {
        inputs.compactMap { if case .stored(let name) = $0.input { name } else { nil } }
    }

    /// A line for logs: what is being made.
    public var summary: String {
        switch self {
        case .video(let request): "\(request.duration) s, \(request.aspectRatio.rawValue)"
        case .voice(let request): "voice '\(request.name)'"
        }
    }
}

/// A validated request of the `kling-create-voice` model: a name and a sample of one voice.
public struct VoiceRequest: Sendable, Codable, Equatable {
    public var name: String
    /// An audio or video file holding 5 to 30 s of the voice.
    public var sample: MediaInput

    public init(name: String, sample: MediaInput) {
        self.name = name
        self.sample = sample
    }
}
