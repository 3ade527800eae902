import Foundation
import PostgresNIO
import ZoetropeCore

/// Saved voices (``VoiceStore``), one JSON profile per row.
extension PostgresDataStore {
    public func saveVoice(_ voice: VoiceProfile) async throws {
        let profile = String(decoding: try Self.encoder.encode(voice), as: UTF8.self)
        try await rows(
            """
            INSERT INTO voices (id, api_key_id, profile, created_at)
            VALUES (\(voice.id), \(voice.apiKeyID), \(profile), \(voice.createdAt.timeIntervalSince1970))
            ON CONFLICT (id) DO UPDATE
                SET api_key_id = EXCLUDED.api_key_id, profile = EXCLUDED.profile, created_at = EXCLUDED.created_at
            """)
    }

    public func voice(id: String, apiKeyID: String) async throws -> VoiceProfile? {
        try await rows("SELECT profile FROM voices WHERE id = \(id) AND api_key_id = \(apiKeyID)")
            .first.map(Self.voice(from:))
    }

    public func voices(apiKeyID: String) async throws -> [VoiceProfile] {
        try await rows("SELECT profile FROM voices WHERE api_key_id = \(apiKeyID) ORDER BY created_at, id")
            .map(Self.voice(from:))
    }

    public func deleteVoice(id: String, apiKeyID: String) async throws -> Bool {
        !(try await rows("DELETE FROM voices WHERE id = \(id) AND api_key_id = \(apiKeyID) RETURNING id")).isEmpty
    }

    private static func voice(from row: PostgresRow) throws -> VoiceProfile {
        let text = try row.decode(String.self)
        return try JSONDecoder().decode(VoiceProfile.self, from: Data(text.utf8))
    }
}
