import Foundation

/// Durable storage of the voices `kling-create-voice` makes. Every voice belongs to one API key;
/// the lookups take the caller's key so another key's voices stay invisible.
public protocol VoiceStore: Sendable {
    /// Stores the voice, replacing one with the same id (a retried job makes the same voice).
    func saveVoice(_ voice: VoiceProfile) async throws
    func voice(id: String, apiKeyID: String) async throws -> VoiceProfile?
    /// The key's voices, oldest first.
    func voices(apiKeyID: String) async throws -> [VoiceProfile]
    /// False when the key has no such voice.
    func deleteVoice(id: String, apiKeyID: String) async throws -> Bool
}
