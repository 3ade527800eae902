import Foundation
import PostgresNIO
import ZoetropeCore

/// API keys and their credit balances (``APIKeyStore``).
extension PostgresDataStore {
    public func insertKey(_ key: APIKey) async throws {
        let models = try key.models.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }
        try await rows(
            """
            INSERT INTO api_keys (id, name, key_hash, created_at, revoked_at, role, access, models, credits_micros,
                webhook_url)
            VALUES (\(key.id), \(key.name), \(key.keyHash), \(key.createdAt.timeIntervalSince1970),
                \(key.revokedAt?.timeIntervalSince1970), \(key.role.rawValue), \(key.access.rawValue), \(models),
                \(key.credits?.micros), \(key.webhookURL))
            """)
    }

    public func key(hash: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE key_hash = \(hash)").first.map(Self.key(from:))
    }

    public func key(id: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE id = \(id)").first.map(Self.key(from:))
    }

    public func keys() async throws -> [APIKey] {
        try await rows("SELECT * FROM api_keys ORDER BY created_at").map(Self.key(from:))
    }

    public func revokeKey(id: String, now: Date) async throws -> Bool {
        let found = !(try await rows(
            """
            WITH changed AS (
                UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(now.timeIntervalSince1970)) WHERE id = \(id)
                RETURNING id)
            SELECT id, pg_notify('\(unescaped: Self.keysChannel)', id) FROM changed
            """
        )).isEmpty
        keyChanges.publish(id)
        return found
    }

    public func changeCredits(id: String, amount: Credits?, set: Bool) async throws -> APIKey? {
        let micros = amount?.micros
        let query: PostgresQuery =
            set
            ? """
              WITH changed AS (UPDATE api_keys SET credits_micros = \(micros)::bigint WHERE id = \(id) RETURNING *)
              SELECT changed.*, pg_notify('\(unescaped: Self.keysChannel)', changed.id) FROM changed
              """
            : """
              WITH changed AS (
                  UPDATE api_keys SET credits_micros = COALESCE(credits_micros, 0) + \(micros)::bigint WHERE id = \(id)
                  RETURNING *)
              SELECT changed.*, pg_notify('\(unescaped: Self.keysChannel)', changed.id) FROM changed
              """
        let changed = try await rows(query).first.map(Self.key(from:))
        keyChanges.publish(id)
        return changed
    }

    private static func key(from row: PostgresRow) throws -> APIKey {
        let row = row.makeRandomAccess()
        return APIKey(
            id: try row["id"].decode(String.self), name: try row["name"].decode(String.self),
            keyHash: try row["key_hash"].decode(String.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            revokedAt: try row["revoked_at"].decode(Double?.self).map { Date(timeIntervalSince1970: $0) },
            role: APIKey.Role(rawValue: try row["role"].decode(String.self)) ?? .user,
            access: APIKey.Access(rawValue: try row["access"].decode(String.self)) ?? .full,
            models: try row["models"].decode(String?.self).map {
                try JSONDecoder().decode([String].self, from: Data($0.utf8))
            },
            credits: try row["credits_micros"].decode(Int64?.self).map { Credits(micros: $0) },
            webhookURL: try row["webhook_url"].decode(String?.self))
    }
}
