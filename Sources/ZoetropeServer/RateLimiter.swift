import Foundation

/// A token bucket per API key, in this process: `requestsPerMinute` tokens a minute, at most
/// `burst` saved up; each authenticated request takes one.
actor RateLimiter {
    /// What a request learns from the bucket, for the `X-RateLimit-*` headers.
    struct Decision: Sendable {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// Seconds until the bucket is full again.
        var reset: Int
        /// Seconds until one token is back (when refused).
        var retryAfter: Int
    }

    let requestsPerMinute: Double
    let burst: Double
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]

    init(requestsPerMinute: Int, burst: Int) {
        self.requestsPerMinute = Double(max(requestsPerMinute, 1))
        self.burst = Double(max(burst, 1))
    }

    func take(_ keyID: String, now: Date = Date()) -> Decision {
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

/// Runs one body at a time per key (submits of one key, so the unfinished-jobs cap holds).
actor KeyedMutex {
    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        while busy.contains(key) {
            await withCheckedContinuation { waiters[key, default: []].append($0) }
        }
        busy.insert(key)
        defer {
            busy.remove(key)
            if var queue = waiters[key], !queue.isEmpty {
                queue.removeFirst().resume()
                waiters[key] = queue.isEmpty ? nil : queue
            }
        }
        return try await body()
    }
}
