import Foundation
import ZoetropeCore

/// The token buckets of one process, one per API key: the ``RateLimitStore`` of a gateway on
/// SQLite, which is the only process on its database.
package actor RateLimiter: RateLimitStore {
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]

    package init() {}

    package func take(_ keyID: String, limit: RateLimit, now: Date = Date()) -> RateLimitDecision {
        var bucket = buckets[keyID] ?? (Double(limit.burst), now)
        bucket.tokens = limit.refilled(bucket.tokens, after: now.timeIntervalSince(bucket.updated))
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[keyID] = bucket
        return limit.decision(allowed: allowed, tokens: bucket.tokens)
    }

    package func forgetFull(limit: RateLimit, now: Date = Date()) {
        buckets = buckets.filter { limit.refilled($0.value.tokens, after: now.timeIntervalSince($0.value.updated)) < Double(limit.burst) }
    }

    package func takeRateLimitToken(keyID: String, limit: RateLimit) -> RateLimitDecision {
        take(keyID, limit: limit)
    }

    package func forgetFullRateLimitBuckets(limit: RateLimit) {
        forgetFull(limit: limit)
    }

    /// How many buckets are kept (for tests).
    package var count: Int { buckets.count }
}
