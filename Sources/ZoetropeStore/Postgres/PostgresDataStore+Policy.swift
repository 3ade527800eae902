import Foundation
import PostgresNIO
import ZoetropeCore

/// The content policy's image hash list and its record of blocked and flagged requests (``PolicyStore``).
extension PostgresDataStore {
    public func addPolicyImage(_ image: PolicyImage) async throws {
        try await rows(
            """
            INSERT INTO policy_images (id, hash, category, label, added_at)
            VALUES (\(image.id), \(image.hash), \(image.category), \(image.label), \(image.addedAt.timeIntervalSince1970))
            """)
    }

    public func policyImages() async throws -> [PolicyImage] {
        try await rows("SELECT id, hash, category, label, added_at FROM policy_images ORDER BY added_at, id")
            .map(Self.image(from:))
    }

    public func removePolicyImage(id: String) async throws -> Bool {
        !(try await rows("DELETE FROM policy_images WHERE id = \(id) RETURNING id")).isEmpty
    }

    public func recordPolicyEvent(_ event: PolicyEvent) async throws {
        try await rows(
            """
            INSERT INTO policy_events (job_id, api_key_id, model, category, action, source, field, created_at)
            VALUES (\(event.jobID), \(event.apiKeyID), \(event.model), \(event.category), \(event.action),
                \(event.source), \(event.field), \(event.createdAt.timeIntervalSince1970))
            """)
    }

    public func policyEvents(limit: Int) async throws -> [PolicyEvent] {
        try await rows(
            """
            SELECT job_id, api_key_id, model, category, action, source, field, created_at FROM policy_events
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        ).map(Self.event(from:))
    }

    private static func image(from row: PostgresRow) throws -> PolicyImage {
        let (id, hash, category, label, addedAt) = try row.decode((String, String, String, String, Double).self)
        return PolicyImage(
            id: id, hash: hash, category: category, label: label, addedAt: Date(timeIntervalSince1970: addedAt))
    }

    private static func event(from row: PostgresRow) throws -> PolicyEvent {
        let (jobID, apiKeyID, model, category, action, source, field, createdAt) = try row.decode(
            (String, String, String, String, String, String, String, Double).self)
        return PolicyEvent(
            jobID: jobID, apiKeyID: apiKeyID, model: model, category: category, action: action, source: source,
            field: field, createdAt: Date(timeIntervalSince1970: createdAt))
    }
}
