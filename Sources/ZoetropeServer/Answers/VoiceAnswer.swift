import ZoetropeCore

/// The answer to `GET /v1/voices/{id}` (and each entry of `GET /v1/voices`): a voice's
/// measurements and the espeak-ng settings that speak for it.
struct VoiceAnswer: Codable, Equatable {
    var voiceID: String
    var voiceName: String
    var pitchHz: Double
    var syllablesPerSecond: Double
    var espeak: Espeak
    var createdAt: String

    /// The espeak-ng voice variant, pitch and speed.
    struct Espeak: Codable, Equatable {
        var variant: String
        var pitch: Int
        var wordsPerMinute: Int

        enum CodingKeys: String, CodingKey {
            case variant, pitch, wordsPerMinute = "words_per_minute"
        }
    }

    init(_ voice: VoiceProfile) {
        voiceID = voice.id
        voiceName = voice.name
        pitchHz = voice.pitchHz
        syllablesPerSecond = voice.syllablesPerSecond
        espeak = Espeak(variant: voice.espeakVariant, pitch: voice.espeakPitch, wordsPerMinute: voice.wordsPerMinute)
        createdAt = voice.createdAt.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case voiceID = "voice_id", voiceName = "voice_name", pitchHz = "pitch_hz",
            syllablesPerSecond = "syllables_per_second", espeak, createdAt = "created_at"
    }

    /// The answer to `GET /v1/voices`: the caller's voices.
    struct List: Codable, Equatable {
        var voices: [VoiceAnswer]
    }

    /// The answer to `DELETE /v1/voices/{id}`.
    struct Deletion: Codable, Equatable {
        var voiceID: String
        var deleted: Bool

        enum CodingKeys: String, CodingKey {
            case voiceID = "voice_id", deleted
        }
    }
}
