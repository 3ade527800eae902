import ZoetropeCore

/// The rate limit of every API key (`--rate-limit`, `--rate-burst`) and where its buckets live,
/// chosen once when the gateway is built: in the store when it keeps them itself (PostgreSQL, so
/// every gateway on the database shares one bucket per key, and this gateway takes tokens from it a
/// share at a time: `RateLimitShares`), in this process otherwise (SQLite).
struct KeyRateLimits: Sendable {
    let limit: RateLimit
    let buckets: any RateLimitStore
    /// This gateway's unspent shares of shared buckets (nil when the buckets are its own).
    let shares: RateLimitShares?

    init(configuration config: ServerConfiguration, store: any DataStore) {
        limit = RateLimit(requestsPerMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst)
        if let shared = store as? any RateLimitStore {
            buckets = shared
            shares = RateLimitShares()
        } else {
            buckets = RateLimiter()
            shares = nil
        }
    }

    /// Takes a token for a request of `keyID`; throws when the store cannot be reached.
    func take(_ keyID: String) async throws -> RateLimitDecision {
        guard let shares else { return try await buckets.takeRateLimitToken(keyID: keyID, limit: limit) }
        if let decision = shares.spend(keyID, limit: limit) { return decision }
        let grant = try await buckets.takeRateLimitTokens(keyID: keyID, upTo: limit.shareSize, limit: limit)
        guard grant.granted > 0 else {
            // Another request's take may have filled the share meanwhile.
            return shares.spend(keyID, limit: limit) ?? limit.decision(allowed: false, tokens: grant.tokens)
        }
        shares.keep(grant, for: keyID)
        return limit.decision(allowed: true, tokens: grant.tokens + Double(grant.granted - 1))
    }

    /// Forgets the buckets that are full again (for the expiry sweep).
    func forgetFull() async throws {
        try await buckets.forgetFullRateLimitBuckets(limit: limit)
    }
}
