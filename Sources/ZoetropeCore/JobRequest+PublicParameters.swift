import Foundation

extension JobRequest {
    /// How `duration` (and each `multi_prompt[i].duration`) is written.
    public enum DurationStyle: Sendable {
        /// Whole seconds as a JSON integer (`5`): the worker protocol.
        case seconds
        /// Whole seconds as a string (`"5"`), as Segmind's parameter table writes it: the history.
        case text
    }

    /// The request in the public parameter names a client sends (`prompt`, `start_image_url`, …;
    /// `voice_name`, `voice_url` for a voice), every default filled in, each input rendered by
    /// `input` from the input and its field path (`start_image_url`,
    /// `elements[0].reference_image_urls[1]`, `voice_url`: the paths of `inputs`). An absent
    /// `prompt` or `end_image_url` is `null`. Resolved voice profiles are not part of it.
    /// `GenerationRequestParser` / `VoiceRequestParser` read it back.
    public func publicParameters(
        durations: DurationStyle = .seconds, input: (_ field: String, _ input: MediaInput) throws -> JSONValue
    ) rethrows -> JSONValue {
        func seconds(_ value: Int) -> JSONValue {
            switch durations {
            case .seconds: .number(Double(value))
            case .text: .string(String(value))
            }
        }
        switch self {
        case .voice(let voice):
            return ["voice_name": .string(voice.name), "voice_url": try input("voice_url", voice.sample)]
        case .video(let video):
            let elements: [JSONValue] = try video.elements.enumerated().map { index, element in
                let path = "elements[\(index)]"
                return [
                    "frontal_image_url": try element.frontalImage.map { try input("\(path).frontal_image_url", $0) } ?? .null,
                    "reference_image_urls": .array(
                        try element.referenceImages.enumerated().map {
                            try input("\(path).reference_image_urls[\($0.offset)]", $0.element)
                        }),
                ]
            }
            return [
                "prompt": video.prompt.map { .string($0) } ?? .null,
                "start_image_url": try input("start_image_url", video.startImage),
                "end_image_url": try video.endImage.map { try input("end_image_url", $0) } ?? .null,
                "aspect_ratio": .string(video.aspectRatio.rawValue),
                "cfg_scale": .number(video.cfgScale),
                "duration": seconds(video.duration),
                "negative_prompt": .string(video.negativePrompt),
                "generate_audio": .bool(video.generateAudio),
                "multi_prompt": .array(video.multiPrompt.map { ["prompt": .string($0.prompt), "duration": seconds($0.duration)] }),
                "shot_type": .string(video.shotType),
                "elements": .array(elements),
                "voice_ids": .array(video.voiceIDs.map { .string($0) }),
                "seed": video.seed.map { .number(Double($0)) } ?? .null,
            ]
        }
    }

    /// The request with every input replaced by `transform`'s answer for it and its field path
    /// (the same paths as `publicParameters` and `inputs`).
    public func mappingInputs(_ transform: (_ field: String, _ input: MediaInput) throws -> MediaInput) rethrows -> JobRequest {
        switch self {
        case .voice(var voice):
            voice.sample = try transform("voice_url", voice.sample)
            return .voice(voice)
        case .video(var video):
            video.startImage = try transform("start_image_url", video.startImage)
            video.endImage = try video.endImage.map { try transform("end_image_url", $0) }
            video.elements = try video.elements.enumerated().map { index, element in
                let path = "elements[\(index)]"
                return GenerationRequest.Element(
                    frontalImage: try element.frontalImage.map { try transform("\(path).frontal_image_url", $0) },
                    referenceImages: try element.referenceImages.enumerated().map {
                        try transform("\(path).reference_image_urls[\($0.offset)]", $0.element)
                    })
            }
            return .video(video)
        }
    }

    /// Reads public parameters back (`publicParameters`' output, or a client's body): a voice
    /// request when the body holds `voice_name` or `voice_url`, else a video request.
    public static func parsePublic(_ body: JSONValue) async throws -> JobRequest {
        if case .object(let fields) = body, fields["voice_name"] != nil || fields["voice_url"] != nil {
            return .voice(try VoiceRequestParser().parse(body))
        }
        return .video(try await GenerationRequestParser().parse(body))
    }
}
