import Foundation

/// Turns a client's JSON body into a `GenerationRequest`, or refuses it with a 400 that names the
/// field and what is wrong with it. The rules are those of SPEC.md's parameter table.
public struct GenerationRequestParser: Sendable {
    /// Largest image accepted, inline or fetched.
    public static let maxImageBytes = 50 * 1024 * 1024
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

    /// Looks up voice ids; returns the ids that do not exist for this caller.
    public var unknownVoices: @Sendable ([String]) async throws -> [String]

    public init(unknownVoices: @escaping @Sendable ([String]) async throws -> [String] = { $0 }) {
        self.unknownVoices = unknownVoices
    }

    public func parse(_ body: JSONValue) async throws -> GenerationRequest {
        guard case .object(let fields) = body else {
            throw APIError.badRequest("request body must be a JSON object, got \(body.typeName)")
        }
        let unknown = fields.keys.filter { !Self.knownFields.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw APIError.badRequest(
                "unknown parameter\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))")
        }

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
        let startImage = try parseImage(startValue, field: "start_image_url")
        let endImage = try fields["end_image_url"].flatMap { $0 == .null ? nil : try parseImage($0, field: "end_image_url") }

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
        if !voiceIDs.isEmpty {
            let missing = try await unknownVoices(voiceIDs)
            if let first = missing.first {
                throw APIError.badRequest("voice_ids: voice '\(first)' not found")
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

    /// An `http(s)` URL, a `data:` URI or bare base64, at most 50 MB once decoded.
    public func parseImage(_ value: JSONValue, field: String) throws -> ImageInput {
        guard case .string(let raw) = value else {
            throw APIError.badRequest("\(field) must be a string (an image URL, data URI or base64), got \(value.typeName)")
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            throw APIError.badRequest("\(field) must not be empty; give an http(s) URL, a data: URI or base64 image data")
        }
        let lower = text.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
                throw APIError.badRequest("\(field) is not a valid URL")
            }
            return .remote(url)
        }
        if lower.hasPrefix("data:") {
            guard let comma = text.firstIndex(of: ",") else {
                throw APIError.badRequest("\(field) is a data: URI without a comma before its data")
            }
            let header = text[text.index(text.startIndex, offsetBy: 5)..<comma].lowercased()
            guard header.hasSuffix(";base64") else {
                throw APIError.badRequest("\(field) data: URI must be base64-encoded (\";base64,\")")
            }
            let payload = text[text.index(after: comma)...]
            return .inline(try decodeBase64(payload, field: field))
        }
        if let colon = text.firstIndex(of: ":"), text.distance(from: text.startIndex, to: colon) < 12,
            text[..<colon].allSatisfy({ $0.isLetter })
        {
            throw APIError.badRequest(
                "\(field) uses the unsupported scheme '\(text[..<colon])'; give an http(s) URL, a data: URI or base64")
        }
        return .inline(try decodeBase64(Substring(text), field: field, bare: true))
    }

    private func decodeBase64(_ payload: Substring, field: String, bare: Bool = false) throws -> Data {
        // Worst case before decoding: 4 characters per 3 bytes.
        if payload.utf8.count > (Self.maxImageBytes / 3 + 2) * 4 + 1024 {
            throw APIError.badRequest("\(field) is larger than the 50 MB limit")
        }
        // Work on bytes: strip whitespace, map the URL-safe alphabet, restore missing padding.
        var cleaned = [UInt8]()
        cleaned.reserveCapacity(payload.utf8.count + 2)
        for byte in payload.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "-"): cleaned.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): cleaned.append(UInt8(ascii: "/"))
            default: cleaned.append(byte)
            }
        }
        switch cleaned.count % 4 {
        case 2: cleaned += [UInt8(ascii: "="), UInt8(ascii: "=")]
        case 3: cleaned.append(UInt8(ascii: "="))
        default: break
        }
        guard !cleaned.isEmpty, let data = Data(base64Encoded: Data(cleaned)) else {
            throw APIError.badRequest(
                bare
                    ? "\(field) must be an http(s) URL, a data: URI or base64-encoded image data"
                    : "\(field) data: URI does not hold valid base64")
        }
        if data.count > Self.maxImageBytes {
            throw APIError.badRequest("\(field) is \(data.count / (1024 * 1024)) MB; at most 50 MB is allowed")
        }
        return data
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
                $0 == .null ? nil : try parseImage($0, field: "\(path).frontal_image_url")
            }
            var references: [ImageInput] = []
            if let refs = fields["reference_image_urls"], refs != .null {
                guard case .array(let urls) = refs else {
                    throw APIError.badRequest("\(path).reference_image_urls must be an array of strings, got \(refs.typeName)")
                }
                guard urls.count <= Self.maxReferenceImages else {
                    throw APIError.badRequest(
                        "\(path).reference_image_urls has \(urls.count) images; at most \(Self.maxReferenceImages) are allowed")
                }
                references = try urls.enumerated().map { try parseImage($1, field: "\(path).reference_image_urls[\($0)]") }
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
