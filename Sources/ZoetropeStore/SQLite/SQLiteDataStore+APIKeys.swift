import Foundation
import SQLiteNIO
import ZoetropeCore

/// API keys and their credit balances (``APIKeyStore``).
extension SQLiteDataStore {
    public func insertKey(_ key: APIKey) async throws {
        _ = try await connection.query(
            """
            INSERT INTO api_keys (id, name, key_hash, created_at, revoked_at, role, access, models, credits_micros,
                webhook_url)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(key.id), .text(key.name), .text(key.keyHash), .date(key.createdAt), .optionalDate(key.revokedAt),
             .text(key.role.rawValue), .text(key.access.rawValue),
             .optionalText(try key.models.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }),
             key.credits.map { .integer(Int($0.micros)) } ?? .null, .optionalText(key.webhookURL)])
    }

    public func key(hash: String) async throws -> APIKey? {
        try await connection.query("SELECT * FROM api_keys WHERE key_hash = ?", [.text(hash)]).first.map(Self.key(from:))
    }

    public func key(id: String) async throws -> APIKey? {
        try await connection.query("SELECT * FROM api_keys WHERE id = ?", [.text(id)]).first.map(Self.key(from:))
    }

    public func keys() async throws -> [APIKey] {
        try await connection.query("SELECT * FROM api_keys ORDER BY created_at").map(Self.key(from:))
    }

    public func revokeKey(id: String, now: Date) async throws -> Bool {
        let found = !(try await connection.query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING id",
            [.date(now), .text(id)])).isEmpty
        keyChanges.publish(id)
        return found
    }

    public func changeCredits(id: String, amount: Credits?, set: Bool) async throws -> APIKey? {
        let value: SQLiteData = amount.map { .integer(Int($0.micros)) } ?? .null
        let sql = set
            ? "UPDATE api_keys SET credits_micros = ? WHERE id = ? RETURNING *"
            : "UPDATE api_keys SET credits_micros = COALESCE(credits_micros, 0) + ? WHERE id = ? RETURNING *"
        let changed = try await connection.query(sql, [value, .text(id)]).first.map(Self.key(from:))
        keyChanges.publish(id)
        return changed
    }

    private static func key(from row: SQLiteRow) throws -> APIKey {
        APIKey(
            id: row.column("id")?.string ?? "", name: row.column("name")?.string ?? "",
            keyHash: row.column("key_hash")?.string ?? "",
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0),
            revokedAt: row.column("revoked_at")?.double.map { Date(timeIntervalSince1970: $0) },
            role: row.column("role")?.string.flatMap(APIKey.Role.init(rawValue:)) ?? .user,
            access: row.column("access")?.string.flatMap(APIKey.Access.init(rawValue:)) ?? .full,
            models: try row.column("models")?.string.map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) },
            credits: row.column("credits_micros")?.integer.map { Credits(micros: Int64($0)) },
            webhookURL: row.column("webhook_url")?.string)
    }
}
