import Foundation

/// A token bucket per API key, in this process: `requestsPerMinute` tokens a minute, at most
/// `burst` saved up; each authenticated request takes one.
package actor RateLimiter {
    /// What a request learns from the bucket, for the `X-RateLimit-*` headers.
    package struct Decision: Sendable {
        package var allowed: Bool
        package var limit: Int
        package var remaining: Int
        /// Seconds until the bucket is full again.
        package var reset: Int
        /// Seconds until one token is back (when refused).
        package var retryAfter: Int
    }

    package let requestsPerMinute: Double
    package let burst: Double
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]

    package init(requestsPerMinute: Int, burst: Int) {
        self.requestsPerMinute = Double(max(requestsPerMinute, 1))
        self.burst = Double(max(burst, 1))
    }

    package func take(_ keyID: String, now: Date = Date()) -> Decision {
        let rate = requestsPerMinute / 60
        var bucket = buckets[keyID] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[keyID] = bucket
        return Decision(
            allowed: allowed, limit: Int(requestsPerMinute), remaining: Int(bucket.tokens.rounded(.down)),
            reset: Int(((burst - bucket.tokens) / rate).rounded(.up)),
            retryAfter: allowed ? 0 : max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))))
    }
}
