import Foundation
import SQLiteNIO
import ZoetropeCore

/// Webhook deliveries and their attempt log (``WebhookStore``).
extension SQLiteDataStore {
    public func claimDueWebhookDeliveries(now: Date, claimUntil: Date, limit: Int) async throws -> [WebhookDelivery] {
        try await connection.query(
            """
            UPDATE webhook_deliveries SET next_attempt_at = ?
            WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?
                ORDER BY next_attempt_at LIMIT ?)
            RETURNING *
            """,
            [.date(claimUntil), .date(now), .integer(limit)]
        ).map(Self.delivery(from:)).sorted { $0.id < $1.id }
    }

    public func recordWebhookAttempt(
        deliveryID: Int, body: Data, attempt: WebhookAttempt, state: WebhookDelivery.State, nextAttemptAt: Date
    ) async throws {
        // The log first: a crash between the two statements repeats an attempt, never hides one.
        _ = try await connection.query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error) VALUES (?, ?, ?, ?, ?)",
            [.integer(deliveryID), .integer(attempt.attempt), .date(attempt.at),
             attempt.statusCode.map { .integer($0) } ?? .null, .optionalText(attempt.error)])
        _ = try await connection.query(
            """
            UPDATE webhook_deliveries SET body = ?, attempts = ?, state = ?, next_attempt_at = ?, last_error = ?
            WHERE id = ?
            """,
            [.blob(ByteBuffer(bytes: body)), .integer(attempt.attempt), .text(state.rawValue), .date(nextAttemptAt),
             .optionalText(attempt.error), .integer(deliveryID)])
    }

    public func webhookDeliveries(jobID: String) async throws -> [(WebhookDelivery, [WebhookAttempt])] {
        let deliveries = try await connection.query(
            "SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY id", [.text(jobID)]
        ).map(Self.delivery(from:))
        var result: [(WebhookDelivery, [WebhookAttempt])] = []
        for delivery in deliveries {
            let attempts = try await connection.query(
                "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", [.integer(delivery.id)]
            ).map { row in
                WebhookAttempt(
                    attempt: Int(row.column("attempt")?.integer ?? 0),
                    at: Date(timeIntervalSince1970: row.column("at")?.double ?? 0),
                    statusCode: row.column("status_code")?.integer.map { Int($0) }, error: row.column("error")?.string)
            }
            result.append((delivery, attempts))
        }
        return result
    }

    public func webhookSecret(apiKeyID: String) async throws -> String {
        // Made on first use; COALESCE keeps the first one if two callers race.
        let fresh = "whsec_" + APIKeyGenerator.makeSecret().dropFirst(3)
        let row = try await connection.query(
            "UPDATE api_keys SET webhook_secret = COALESCE(webhook_secret, ?) WHERE id = ? RETURNING webhook_secret",
            [.text(fresh), .text(apiKeyID)]).first
        guard let secret = row?.column("webhook_secret")?.string else { throw RenderError("no key '\(apiKeyID)'") }
        return secret
    }

    private static func delivery(from row: SQLiteRow) -> WebhookDelivery {
        WebhookDelivery(
            id: Int(row.column("id")?.integer ?? 0), jobID: row.column("job_id")?.string ?? "",
            apiKeyID: row.column("api_key_id")?.string ?? "", url: row.column("url")?.string ?? "",
            body: row.column("body")?.blob.map { Data($0.readableBytesView) },
            attempts: Int(row.column("attempts")?.integer ?? 0),
            nextAttemptAt: Date(timeIntervalSince1970: row.column("next_attempt_at")?.double ?? 0),
            state: row.column("state")?.string.flatMap(WebhookDelivery.State.init(rawValue:)) ?? .pending,
            lastError: row.column("last_error")?.string,
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0))
    }
}
