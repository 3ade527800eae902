import Foundation
import SQLiteNIO
import ZoetropeCore

/// Saved voices (``VoiceStore``), one JSON profile per row.
extension SQLiteDataStore {
    public func saveVoice(_ voice: VoiceProfile) async throws {
        let profile = String(decoding: try Self.encoder.encode(voice), as: UTF8.self)
        _ = try await connection.query(
            "INSERT OR REPLACE INTO voices (id, api_key_id, profile, created_at) VALUES (?, ?, ?, ?)",
            [.text(voice.id), .text(voice.apiKeyID), .text(profile), .date(voice.createdAt)])
    }

    public func voice(id: String, apiKeyID: String) async throws -> VoiceProfile? {
        try await connection.query(
            "SELECT profile FROM voices WHERE id = ? AND api_key_id = ?", [.text(id), .text(apiKeyID)]
        ).first.map(Self.voice(from:))
    }

    public func voices(apiKeyID: String) async throws -> [VoiceProfile] {
        try await connection.query(
            "SELECT profile FROM voices WHERE api_key_id = ? ORDER BY created_at, id", [.text(apiKeyID)]
        ).map(Self.voice(from:))
    }

    public func deleteVoice(id: String, apiKeyID: String) async throws -> Bool {
        !(try await connection.query(
            "DELETE FROM voices WHERE id = ? AND api_key_id = ? RETURNING id", [.text(id), .text(apiKeyID)])).isEmpty
    }

    private static func voice(from row: SQLiteRow) throws -> VoiceProfile {
        guard let text = row.column("profile")?.string else { throw RenderError("a stored voice row is malformed") }
        return try JSONDecoder().decode(VoiceProfile.self, from: Data(text.utf8))
    }
}
