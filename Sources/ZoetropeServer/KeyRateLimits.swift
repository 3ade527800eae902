import ZoetropeCore

/// The rate limit of every API key (`--rate-limit`, `--rate-burst`) and where its buckets live,
/// chosen once when the gateway is built: in the store when it keeps them itself (PostgreSQL, so
/// every gateway on the database shares one bucket per key), in this process otherwise (SQLite).
struct KeyRateLimits: Sendable {
    let limit: RateLimit
    let buckets: any RateLimitStore

    init(configuration config: ServerConfiguration, store: any DataStore) {
        limit = RateLimit(requestsPerMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst)
        if let shared = store as? any RateLimitStore {
            buckets = shared
        } else {
            buckets = RateLimiter()
        }
    }

    /// Takes a token from `keyID`'s bucket; throws when the store cannot be reached.
    func take(_ keyID: String) async throws -> RateLimitDecision {
        try await buckets.takeRateLimitToken(keyID: keyID, limit: limit)
    }

    /// Forgets the buckets that are full again (for the expiry sweep).
    func forgetFull() async throws {
        try await buckets.forgetFullRateLimitBuckets(limit: limit)
    }
}
