import Foundation
import SQLiteNIO
import ZoetropeCore

/// The content policy's image hash list and its record of blocked and flagged requests (``PolicyStore``).
extension SQLiteDataStore {
    public func addPolicyImage(_ image: PolicyImage) async throws {
        _ = try await connection.query(
            "INSERT INTO policy_images (id, hash, category, label, added_at) VALUES (?, ?, ?, ?, ?)",
            [.text(image.id), .text(image.hash), .text(image.category), .text(image.label), .date(image.addedAt)])
    }

    public func policyImages() async throws -> [PolicyImage] {
        try await connection.query("SELECT * FROM policy_images ORDER BY added_at, id").map(Self.image(from:))
    }

    public func removePolicyImage(id: String) async throws -> Bool {
        !(try await connection.query("DELETE FROM policy_images WHERE id = ? RETURNING id", [.text(id)])).isEmpty
    }

    public func recordPolicyEvent(_ event: PolicyEvent) async throws {
        _ = try await connection.query(
            """
            INSERT INTO policy_events (job_id, api_key_id, model, category, action, source, field, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(event.jobID), .text(event.apiKeyID), .text(event.model), .text(event.category), .text(event.action),
             .text(event.source), .text(event.field), .date(event.createdAt)])
    }

    public func policyEvents(limit: Int) async throws -> [PolicyEvent] {
        try await connection.query(
            "SELECT * FROM policy_events ORDER BY created_at DESC, id DESC LIMIT ?", [.integer(limit)]
        ).map(Self.event(from:))
    }

    private static func image(from row: SQLiteRow) -> PolicyImage {
        PolicyImage(
            id: row.column("id")?.string ?? "", hash: row.column("hash")?.string ?? "",
            category: row.column("category")?.string ?? "", label: row.column("label")?.string ?? "",
            addedAt: Date(timeIntervalSince1970: row.column("added_at")?.double ?? 0))
    }

    private static func event(from row: SQLiteRow) -> PolicyEvent {
        PolicyEvent(
            jobID: row.column("job_id")?.string ?? "", apiKeyID: row.column("api_key_id")?.string ?? "",
            model: row.column("model")?.string ?? "", category: row.column("category")?.string ?? "",
            action: row.column("action")?.string ?? "", source: row.column("source")?.string ?? "",
            field: row.column("field")?.string ?? "",
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0))
    }
}
