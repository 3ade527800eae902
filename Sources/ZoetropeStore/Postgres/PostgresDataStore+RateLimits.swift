import Foundation
import PostgresNIO
import ZoetropeCore

/// The API keys' token buckets in the database every gateway shares (``RateLimitStore``), so a
/// key's rate is the configured one however many gateways there are.
///
/// Each take (of one token, or of a gateway's share: ``RateLimit/shareSize``) is one statement: `INSERT … ON CONFLICT DO UPDATE` locks the key's row, so concurrent
/// takes from any gateway queue on it and each sees the one before. Times are the database's clock
/// (`clock_timestamp()`), never a gateway's, so gateways whose clocks disagree refill alike; the
/// refill is ``RateLimit/refilled(_:after:)`` in SQL, and what the request is told is
/// ``RateLimit/decision(allowed:tokens:)`` of what the statement returns.
extension PostgresDataStore: RateLimitStore {
    public func takeRateLimitTokens(keyID: String, upTo count: Int, limit: RateLimit) async throws -> RateLimitGrant {
        let burst = Double(limit.burst), rate = limit.tokensPerSecond, count = max(count, 0)
        let first = min(count, limit.burst)
        // A statement that waited for the row lock may read the clock before the one that held it:
        // its elapsed time is then negative (refills nothing) and the later time is kept.
        let row = try await rows(
            """
            INSERT INTO rate_limit_buckets AS bucket (key_id, tokens, updated_at, allowed, granted)
            VALUES (\(keyID), \(burst - Double(first)), extract(epoch FROM clock_timestamp()), \(first > 0), \(first))
            ON CONFLICT (key_id) DO UPDATE SET (tokens, updated_at, allowed, granted) = (
                SELECT refilled - taken, GREATEST(bucket.updated_at, EXCLUDED.updated_at), taken > 0, taken
                FROM (
                    SELECT refilled, LEAST(floor(refilled), \(count))::integer AS taken
                    FROM (
                        SELECT LEAST(\(burst), bucket.tokens + GREATEST(0, EXCLUDED.updated_at - bucket.updated_at) * \(rate))
                            AS refilled
                    ) AS refill
                ) AS take
            )
            RETURNING granted, tokens
            """
        ).first
        guard let (granted, tokens) = try row?.decode((Int, Double).self) else {
            throw RenderError("rate-limit bucket of key \(keyID) returned no row")
        }
        return RateLimitGrant(granted: granted, tokens: tokens)
    }

    public func forgetFullRateLimitBuckets(limit: RateLimit) async throws {
        try await rows(
            """
            DELETE FROM rate_limit_buckets
            WHERE tokens + GREATEST(0, extract(epoch FROM clock_timestamp()) - updated_at) * \(limit.tokensPerSecond)
                >= \(Double(limit.burst))
            """)
    }
}

extension PostgresDataStore {
    /// The keys that have a bucket, in order (a test hook).
    package func rateLimitBucketKeys() async throws -> [String] {
        try await rows("SELECT key_id FROM rate_limit_buckets ORDER BY key_id").map { try $0.decode(String.self) }
    }
}
