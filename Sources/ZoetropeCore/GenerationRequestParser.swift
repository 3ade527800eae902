import Foundation

/// Turns a client's JSON body into a `GenerationRequest`, or refuses it with a 400 that names the
/// field and what is wrong with it. The rules are those of SPEC.md's parameter table.
public struct GenerationRequestParser: Sendable {
    /// Largest image accepted, inline or fetched.
    public static let maxImageBytes = MediaInputParser.maxBytes
    public static let maxPromptLength = 2500
    public static let maxSegmentPromptLength = 512
    public static let durationRange = 3...15
    public static let segmentDurationRange = 1...15
    public static let maxSegments = 5
    public static let maxElements = 3
    public static let maxReferenceImages = 3
    public static let maxVoices = 2

    public static let knownFields: Set<String> = [
        "prompt", "start_image_url", "end_image_url", "aspect_ratio", "cfg_scale", "duration",
        "negative_prompt", "generate_audio", "multi_prompt", "shot_type", "elements", "voice_ids",
    ]

    public init() {}

    public func parse(_ body: JSONValue) async throws -> GenerationRequest {
        let fields = try body.parameters(known: Self.knownFields)

        let multiPrompt = try parseSegments(fields["multi_prompt"])
        let prompt = try optionalString(fields["prompt"], field: "prompt")
        if let prompt {
            if prompt.isEmpty && multiPrompt.isEmpty {
                throw APIError.badRequest("prompt must not be empty")
            }
            if prompt.count > Self.maxPromptLength {
                throw APIError.badRequest(
                    "prompt is \(prompt.count) characters; at most \(Self.maxPromptLength) are allowed")
            }
        } else if multiPrompt.isEmpty {
            throw APIError.badRequest("prompt is required (or give multi_prompt)")
        }

        guard let startValue = fields["start_image_url"], startValue != .null else {
            throw APIError.badRequest("start_image_url is required")
        }
        let startImage = try MediaInputParser.parse(startValue, field: "start_image_url", kind: "an image")
        let endImage = try fields["end_image_url"].flatMap { $0 == .null ? nil : try MediaInputParser.parse($0, field: "end_image_url", kind: "an image") }

        var aspectRatio = GenerationRequest.AspectRatio.landscape
        if let value = try optionalString(fields["aspect_ratio"], field: "aspect_ratio") {
            guard let parsed = GenerationRequest.AspectRatio(rawValue: value) else {
                throw APIError.badRequest("aspect_ratio must be one of \"16:9\", \"9:16\", \"1:1\"; got \"\(value)\"")
            }
            aspectRatio = parsed
        }

        var cfgScale = 0.5
        if let value = fields["cfg_scale"], value != .null {
            guard case .number(let number) = value else {
                throw APIError.badRequest("cfg_scale must be a number between 0 and 1, got \(value.typeName)")
            }
            guard number.isFinite, (0...1).contains(number) else {
                throw APIError.badRequest("cfg_scale must be between 0 and 1, got \(number)")
            }
            cfgScale = number
        }

        let explicitDuration = try parseDuration(fields["duration"], field: "duration", range: Self.durationRange)
        let duration: Int
        if multiPrompt.isEmpty {
            duration = explicitDuration ?? 5
        } else {
            let total = multiPrompt.reduce(0) { $0 + $1.duration }
            if let explicitDuration {
                guard total == explicitDuration else {
                    throw APIError.badRequest(
                        "multi_prompt segment durations add up to \(total) s but duration is \(explicitDuration) s; they must match")
                }
            } else {
                guard Self.durationRange.contains(total) else {
                    throw APIError.badRequest(
                        "multi_prompt segment durations add up to \(total) s; the video must last 3 to 15 s")
                }
            }
            duration = total
        }

        let negativePrompt = try optionalString(fields["negative_prompt"], field: "negative_prompt")
            ?? GenerationRequest.defaultNegativePrompt
        if negativePrompt.count > Self.maxPromptLength {
            throw APIError.badRequest(
                "negative_prompt is \(negativePrompt.count) characters; at most \(Self.maxPromptLength) are allowed")
        }

        var generateAudio = true
        if let value = fields["generate_audio"], value != .null {
            guard case .bool(let flag) = value else {
                throw APIError.badRequest("generate_audio must be a boolean (true or false), got \(value.typeName)")
            }
            generateAudio = flag
        }

        let shotType = try optionalString(fields["shot_type"], field: "shot_type") ?? "customize"
        guard shotType == "customize" else {
            throw APIError.badRequest("shot_type must be \"customize\"; got \"\(shotType)\"")
        }

        let elements = try parseElements(fields["elements"])
        let voiceIDs = try parseVoices(fields["voice_ids"])
        // A <<<voice_N>>> tag needs its N-th voice id (the ids themselves are resolved for the
        // caller's key by the API, which knows who is asking).
        let prompts = multiPrompt.isEmpty ? [("prompt", prompt ?? "")] : multiPrompt.enumerated().map {
            ("multi_prompt[\($0.offset)].prompt", $0.element.prompt)
        }
        for (field, text) in prompts {
            if let tag = SpeechScript.voiceTags(in: text).first(where: { $0 < 1 || $0 > voiceIDs.count }) {
                throw APIError.badRequest(
                    voiceIDs.isEmpty
                        ? "\(field) uses <<<voice_\(tag)>>> but voice_ids is empty; create a voice with kling-create-voice and pass its id in voice_ids"
                        : "\(field) uses <<<voice_\(tag)>>> but voice_ids has \(voiceIDs.count) id\(voiceIDs.count == 1 ? "" : "s")")
            }
        }

        return GenerationRequest(
            prompt: prompt, startImage: startImage, endImage: endImage, aspectRatio: aspectRatio,
            cfgScale: cfgScale, duration: duration, negativePrompt: negativePrompt,
            generateAudio: generateAudio, multiPrompt: multiPrompt, shotType: shotType,
            elements: elements, voiceIDs: voiceIDs)
    }

    // MARK: - Fields

    private func optionalString(_ value: JSONValue?, field: String) throws -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let string) = value else {
            throw APIError.badRequest("\(field) must be a string, got \(value.typeName)")
        }
        return string
    }

    /// Accepts `"5"` or `5`; returns nil when absent.
    private func parseDuration(_ value: JSONValue?, field: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value, value != .null else { return nil }
        let seconds: Int?
        switch value {
        case .string(let text): seconds = Int(text.trimmingCharacters(in: .whitespaces))
        case .number(let number): seconds = number.rounded() == number && abs(number) < 1e6 ? Int(number) : nil
        default:
            throw APIError.badRequest("\(field) must be a string such as \"5\", got \(value.typeName)")
        }
        guard let seconds, range.contains(seconds) else {
            throw APIError.badRequest(
                "\(field) must be a whole number of seconds from \"\(range.lowerBound)\" to \"\(range.upperBound)\"")
        }
        return seconds
    }

    /// An optional array of at most `limit` objects whose keys are all in `allowed`, with each
    /// object's path (`field[i]`) for error messages.
    private func objectArray(
        _ value: JSONValue?, field: String, limit: Int, noun: String, allowed: Set<String>
    ) throws -> [(path: String, fields: [String: JSONValue])] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            throw APIError.badRequest("\(field) must be an array of objects, got \(value.typeName)")
        }
        guard items.count <= limit else {
            throw APIError.badRequest("\(field) has \(items.count) \(noun); at most \(limit) are allowed")
        }
        return try items.enumerated().map { index, item in
            let path = "\(field)[\(index)]"
            guard case .object(let fields) = item else {
                throw APIError.badRequest("\(path) must be an object, got \(item.typeName)")
            }
            let unknown = fields.keys.filter { !allowed.contains($0) }.sorted()
            if !unknown.isEmpty {
                throw APIError.badRequest("\(path) has unknown field(s): \(unknown.joined(separator: ", "))")
            }
            return (path, fields)
        }
    }

    private func parseSegments(_ value: JSONValue?) throws -> [GenerationRequest.ShotSegment] {
        try objectArray(
            value, field: "multi_prompt", limit: Self.maxSegments, noun: "segments", allowed: ["prompt", "duration"]
        ).map { path, fields in
            guard let prompt = try optionalString(fields["prompt"], field: "\(path).prompt"), !prompt.isEmpty else {
                throw APIError.badRequest("\(path).prompt is required")
            }
            guard prompt.count <= Self.maxSegmentPromptLength else {
                throw APIError.badRequest(
                    "\(path).prompt is \(prompt.count) characters; at most \(Self.maxSegmentPromptLength) are allowed")
            }
            let duration = try parseDuration(fields["duration"], field: "\(path).duration", range: Self.segmentDurationRange) ?? 5
            return GenerationRequest.ShotSegment(prompt: prompt, duration: duration)
        }
    }

    private func parseElements(_ value: JSONValue?) throws -> [GenerationRequest.Element] {
        try objectArray(
            value, field: "elements", limit: Self.maxElements, noun: "entries",
            allowed: ["frontal_image_url", "reference_image_urls"]
        ).map { path, fields in
            let frontal = try fields["frontal_image_url"].flatMap {
                $0 == .null ? nil : try MediaInputParser.parse($0, field: "\(path).frontal_image_url", kind: "an image")
            }
            var references: [MediaInput] = []
            if let refs = fields["reference_image_urls"], refs != .null {
                guard case .array(let urls) = refs else {
                    throw APIError.badRequest("\(path).reference_image_urls must be an array of strings, got \(refs.typeName)")
                }
                guard urls.count <= Self.maxReferenceImages else {
                    throw APIError.badRequest(
                        "\(path).reference_image_urls has \(urls.count) images; at most \(Self.maxReferenceImages) are allowed")
                }
                references = try urls.enumerated().map { try MediaInputParser.parse($1, field: "\(path).reference_image_urls[\($0)]", kind: "an image") }
            }
            guard frontal != nil || !references.isEmpty else {
                throw APIError.badRequest("\(path) needs a frontal_image_url or reference_image_urls")
            }
            return GenerationRequest.Element(frontalImage: frontal, referenceImages: references)
        }
    }

    private func parseVoices(_ value: JSONValue?) throws -> [String] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            throw APIError.badRequest("voice_ids must be an array of strings, got \(value.typeName)")
        }
        guard items.count <= Self.maxVoices else {
            throw APIError.badRequest("voice_ids has \(items.count) ids; at most \(Self.maxVoices) are allowed")
        }
        return try items.enumerated().map { index, item in
            guard case .string(let id) = item, !id.isEmpty else {
                throw APIError.badRequest("voice_ids[\(index)] must be a non-empty string")
            }
            return id
        }
    }
}
