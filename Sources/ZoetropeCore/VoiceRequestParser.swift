import Foundation

/// Turns a `kling-create-voice` JSON body into a `VoiceRequest`, or refuses it with a 400 naming
/// the field.
public struct VoiceRequestParser: Sendable {
    public static let maxNameLength = 20
    public static let knownFields: Set<String> = ["voice_name", "voice_url"]

    public init() {}

    public func parse(_ body: JSONValue) throws -> VoiceRequest {
        let fields = try body.parameters(known: Self.knownFields)
        guard let nameValue = fields["voice_name"], nameValue != .null else {
            throw APIError.badRequest("voice_name is required")
        }
        guard case .string(let rawName) = nameValue else {
            throw APIError.badRequest("voice_name must be a string, got \(nameValue.typeName)")
        }
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw APIError.badRequest("voice_name must not be empty") }
        guard name.count <= Self.maxNameLength else {
            throw APIError.badRequest(
                "voice_name is \(name.count) characters; at most \(Self.maxNameLength) are allowed")
        }
        guard let sampleValue = fields["voice_url"], sampleValue != .null else {
            throw APIError.badRequest("voice_url is required (an audio or video file: URL, data URI or base64)")
        }
        let sample = try MediaInputParser.parse(sampleValue, field: "voice_url", kind: "an audio or video file")
        return VoiceRequest(name: name, sample: sample)
    }
}
