import Foundation

/// Turns a client's JSON body into a `GenerationRequest`: the declared parameters
/// (`VideoParameters.kling`) are checked by the registry's validator, then the rules that span
/// fields — shot durations against `duration`, `<<<voice_N>>>` tags against `voice_ids` — are
/// checked here. Every refusal is an `InvalidRequest` that names the field.
public struct GenerationRequestParser: Sendable {
    /// Largest image accepted, inline or fetched.
    public static let maxImageBytes = MediaInputParser.maxBytes

    public init() {}

    /// Validates a `kling-3-pro-image2video` body.
    public func parse(_ body: JSONValue) async throws -> GenerationRequest {
        try Self.build(try VideoParameters.kling.validate(body))
    }

    /// The request from values already checked against a video model's parameters.
    public static func build(_ values: ValidatedParameters) throws -> GenerationRequest {
        let multiPrompt = (values["multi_prompt"]?.arrayValue ?? []).map { segment in
            GenerationRequest.ShotSegment(
                prompt: segment["prompt"]?.stringValue ?? "",
                duration: segment["duration"]?.intValue ?? VideoParameters.defaultDuration)
        }
        let prompt = values["prompt"]?.stringValue
        let explicitDuration = values.given.contains("duration") ? values["duration"]?.intValue : nil
        let duration: Int
        if multiPrompt.isEmpty {
            duration = explicitDuration ?? VideoParameters.defaultDuration
        } else {
            let total = multiPrompt.reduce(0) { $0 + $1.duration }
            if let explicitDuration {
                guard total == explicitDuration else {
                    throw InvalidRequest(
                        field: "multi_prompt", message: "multi_prompt segment durations add up to \(total) s but duration is \(explicitDuration) s; they must match")
                }
            } else {
                guard VideoParameters.duration.contains(total) else {
                    throw InvalidRequest(
                        field: "multi_prompt", message: "multi_prompt segment durations add up to \(total) s; the video must last \(VideoParameters.duration.lowerBound) to \(VideoParameters.duration.upperBound) s")
                }
            }
            duration = total
        }

        let elements = (values["elements"]?.arrayValue ?? []).enumerated().map { index, element in
            let path = "elements[\(index)]"
            let references = (element["reference_image_urls"]?.arrayValue ?? []).indices.compactMap {
                values.media["\(path).reference_image_urls[\($0)]"]
            }
            return GenerationRequest.Element(frontalImage: values.media["\(path).frontal_image_url"], referenceImages: references)
        }
        let voiceIDs = (values["voice_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        // A <<<voice_N>>> tag needs its N-th voice id (the ids themselves are resolved for the
        // caller's key by the API, which knows who is asking).
        let prompts = multiPrompt.isEmpty ? [("prompt", prompt ?? "")] : multiPrompt.enumerated().map {
            ("multi_prompt[\($0.offset)].prompt", $0.element.prompt)
        }
        for (field, text) in prompts {
            if let tag = SpeechScript.voiceTags(in: text).first(where: { $0 < 1 || $0 > voiceIDs.count }) {
                throw InvalidRequest(
                    field: field, message: voiceIDs.isEmpty
                        ? "\(field) uses <<<voice_\(tag)>>> but voice_ids is empty; create a voice with kling-create-voice and pass its id in voice_ids"
                        : "\(field) uses <<<voice_\(tag)>>> but voice_ids has \(voiceIDs.count) id\(voiceIDs.count == 1 ? "" : "s")")
            }
        }
        guard let startImage = values.media["start_image_url"] else {
            throw InvalidRequest("start_image_url", "is required")
        }
        return GenerationRequest(
            prompt: prompt, startImage: startImage, endImage: values.media["end_image_url"],
            aspectRatio: values["aspect_ratio"]?.stringValue.flatMap(GenerationRequest.AspectRatio.init(rawValue:)) ?? .landscape,
            cfgScale: values["cfg_scale"]?.numberValue ?? VideoParameters.defaultCfgScale, duration: duration,
            negativePrompt: values["negative_prompt"]?.stringValue ?? VideoParameters.defaultNegativePrompt,
            generateAudio: values["generate_audio"]?.boolValue ?? true, multiPrompt: multiPrompt,
            shotType: values["shot_type"]?.stringValue ?? "customize", elements: elements, voiceIDs: voiceIDs,
            seed: values["seed"]?.numberValue.map { UInt32($0) })
    }
}
