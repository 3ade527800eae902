import Foundation

/// A voice made by the `kling-create-voice` model from a sample recording: what was measured
/// and the espeak-ng settings that speak in its place. It belongs to the API key that made it.
public struct VoiceProfile: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var apiKeyID: String
    /// Median fundamental frequency of the sample's voiced speech, Hz.
    public var pitchHz: Double
    /// Speaking rate of the sample, syllables per second.
    public var syllablesPerSecond: Double
    /// espeak-ng voice variant (`m3`, `f2`, ...), pitch (`-p`, 0...99) and speed (`-s`, words per minute).
    public var espeakVariant: String
    public var espeakPitch: Int
    public var wordsPerMinute: Int
    public var createdAt: Date

    public init(
        id: String, name: String, apiKeyID: String, pitchHz: Double, syllablesPerSecond: Double,
        espeakVariant: String, espeakPitch: Int, wordsPerMinute: Int, createdAt: Date = Date()
    ) {
        self.id = id
        self.name = name
        self.apiKeyID = apiKeyID
        self.pitchHz = pitchHz
        self.syllablesPerSecond = syllablesPerSecond
        self.espeakVariant = espeakVariant
        self.espeakPitch = espeakPitch
        self.wordsPerMinute = wordsPerMinute
        self.createdAt = createdAt
    }
}

extension VoiceProfile {
    /// The id of the voice a `kling-create-voice` job makes. It follows from the job, so a retried
    /// job (on the gateway or on a remote worker) makes, and reports, the same voice.
    public static func voiceID(jobID: String) -> String {
        "voice_" + jobID.replacingOccurrences(of: "-", with: "")
    }
}
