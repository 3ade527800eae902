import Foundation
import Synchronization
import ZoetropeCore

/// The token buckets of one process, one per API key: the ``RateLimitStore`` of a gateway on
/// SQLite, which is the only process on its database.
package final class RateLimiter: RateLimitStore {
    private let buckets = Mutex<[String: (tokens: Double, updated: Date)]>([:])

    package init() {}

    package func take(_ keyID: String, limit: RateLimit, now: Date = Date()) -> RateLimitDecision {
        let grant = take(keyID, upTo: 1, limit: limit, now: now)
        return limit.decision(allowed: grant.granted > 0, tokens: grant.tokens)
    }

    package func take(_ keyID: String, upTo count: Int, limit: RateLimit, now: Date = Date()) -> RateLimitGrant {
        buckets.withLock { buckets in
            var bucket = buckets[keyID] ?? (Double(limit.burst), now)
            bucket.tokens = limit.refilled(bucket.tokens, after: now.timeIntervalSince(bucket.updated))
            bucket.updated = now
            let granted = min(max(count, 0), Int(bucket.tokens.rounded(.down)))
            bucket.tokens -= Double(granted)
            buckets[keyID] = bucket
            return RateLimitGrant(granted: granted, tokens: bucket.tokens)
        }
    }

    package func forgetFull(limit: RateLimit, now: Date = Date()) {
        buckets.withLock { buckets in
            buckets = buckets.filter { limit.refilled($0.value.tokens, after: now.timeIntervalSince($0.value.updated)) < Double(limit.burst) }
        }
    }

    package func takeRateLimitTokens(keyID: String, upTo count: Int, limit: RateLimit) -> RateLimitGrant {
        take(keyID, upTo: count, limit: limit)
    }

    package func forgetFullRateLimitBuckets(limit: RateLimit) {
        forgetFull(limit: limit)
    }

    /// How many buckets are kept (for tests).
    package var count: Int { buckets.withLock { $0.count } }
}
