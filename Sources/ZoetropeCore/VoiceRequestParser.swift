import Foundation

/// Turns a `kling-create-voice` JSON body into a `VoiceRequest`, or refuses it with an
/// `InvalidRequest` naming the field (the rules are `VoiceParameters.createVoice`).
public struct VoiceRequestParser: Sendable {
    public init() {}

    public func parse(_ body: JSONValue) throws -> VoiceRequest {
        try Self.build(try VoiceParameters.createVoice.validate(body))
    }

    /// The request from values already checked against the voice model's parameters.
    public static func build(_ values: ValidatedParameters) throws -> VoiceRequest {
        let raw = values["voice_name"]?.stringValue ?? ""
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let sample = values.media["voice_url"] else { throw InvalidRequest("voice_url", "is required") }
        return VoiceRequest(name: trimmed.isEmpty ? raw : trimmed, sample: sample)
    }
}
