import Foundation
import PostgresNIO
import ZoetropeCore

/// Webhook deliveries and their attempt log (``WebhookStore``).
extension PostgresDataStore {
    public func claimDueWebhookDeliveries(now: Date, claimUntil: Date, limit: Int) async throws -> [WebhookDelivery] {
        try await rows(
            """
            UPDATE webhook_deliveries SET next_attempt_at = \(claimUntil.timeIntervalSince1970)
            WHERE id IN (
                SELECT id FROM webhook_deliveries
                WHERE state = 'pending' AND next_attempt_at <= \(now.timeIntervalSince1970)
                ORDER BY next_attempt_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).map(Self.delivery(from:)).sorted { $0.id < $1.id }
    }

    public func recordWebhookAttempt(
        deliveryID: Int, body: Data, attempt: WebhookAttempt, state: WebhookDelivery.State, nextAttemptAt: Date
    ) async throws {
        // One statement: the log entry and the delivery's new state commit together.
        try await rows(
            """
            WITH logged AS (
                INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error)
                VALUES (\(deliveryID), \(attempt.attempt), \(attempt.at.timeIntervalSince1970), \(attempt.statusCode),
                    \(attempt.error))
            )
            UPDATE webhook_deliveries SET body = \(body), attempts = \(attempt.attempt), state = \(state.rawValue),
                next_attempt_at = \(nextAttemptAt.timeIntervalSince1970), last_error = \(attempt.error)
            WHERE id = \(deliveryID)
            """)
    }

    public func webhookDeliveries(jobID: String) async throws -> [(WebhookDelivery, [WebhookAttempt])] {
        let deliveries = try await rows("SELECT * FROM webhook_deliveries WHERE job_id = \(jobID) ORDER BY id")
            .map(Self.delivery(from:))
        var result: [(WebhookDelivery, [WebhookAttempt])] = []
        for delivery in deliveries {
            let attempts = try await rows(
                """
                SELECT attempt, at, status_code, error FROM webhook_attempts
                WHERE delivery_id = \(delivery.id) ORDER BY attempt
                """
            ).map { row in
                let (attempt, at, statusCode, error) = try row.decode((Int, Double, Int?, String?).self)
                return WebhookAttempt(attempt: attempt, at: Date(timeIntervalSince1970: at), statusCode: statusCode, error: error)
            }
            result.append((delivery, attempts))
        }
        return result
    }

    public func webhookSecret(apiKeyID: String) async throws -> String {
        // Made on first use; COALESCE keeps the first one if two callers race.
        let fresh = "whsec_" + APIKeyGenerator.makeSecret().dropFirst(3)
        guard
            let secret = try await rows(
                """
                UPDATE api_keys SET webhook_secret = COALESCE(webhook_secret, \(fresh)) WHERE id = \(apiKeyID)
                RETURNING webhook_secret
                """
            ).first?.decode(String.self)
        else { throw RenderError("no key '\(apiKeyID)'") }
        return secret
    }

    private static func delivery(from row: PostgresRow) throws -> WebhookDelivery {
        let row = row.makeRandomAccess()
        return WebhookDelivery(
            id: try row["id"].decode(Int.self), jobID: try row["job_id"].decode(String.self),
            apiKeyID: try row["api_key_id"].decode(String.self), url: try row["url"].decode(String.self),
            body: try row["body"].decode(Data?.self), attempts: try row["attempts"].decode(Int.self),
            nextAttemptAt: Date(timeIntervalSince1970: try row["next_attempt_at"].decode(Double.self)),
            state: WebhookDelivery.State(rawValue: try row["state"].decode(String.self)) ?? .pending,
            lastError: try row["last_error"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)))
    }
}
