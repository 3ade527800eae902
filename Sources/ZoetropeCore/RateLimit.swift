import Foundation

/// Every API key's rate limit: a token bucket refilled with `requestsPerMinute` tokens a minute,
/// holding at most `burst`; each authenticated request takes one. The arithmetic every
/// ``RateLimitStore`` shares (PostgreSQL's statement does the same refill in SQL).
public struct RateLimit: Sendable, Equatable {
    public let requestsPerMinute: Int
    public let burst: Int

    /// Limits below one are raised to one.
    public init(requestsPerMinute: Int, burst: Int) {
        self.requestsPerMinute = max(requestsPerMinute, 1)
        self.burst = max(burst, 1)
    }

    /// The refill rate.
    public var tokensPerSecond: Double { Double(requestsPerMinute) / 60 }

    /// How many tokens a gateway takes at once from a bucket shared with other gateways, to spend
    /// on its next requests without asking the database: a tenth of the burst, 1 to 100. Tokens
    /// only ever come out of the shared bucket, so together the gateways never allow more than
    /// the rate; a gateway's unspent share is at most this many.
    public var shareSize: Int { min(max(burst / 10, 1), 100) }

    /// `tokens` after `elapsed` seconds of refill, at most the burst (a clock that went back refills nothing).
    public func refilled(_ tokens: Double, after elapsed: Double) -> Double {
        min(Double(burst), tokens + max(0, elapsed) * tokensPerSecond)
    }

    /// What a take that did (`allowed`) or did not get a token tells the request, from the
    /// `tokens` left in the bucket after it.
    public func decision(allowed: Bool, tokens: Double) -> RateLimitDecision {
        RateLimitDecision(
            allowed: allowed, limit: requestsPerMinute, remaining: Int(tokens.rounded(.down)),
            reset: Int(((Double(burst) - tokens) / tokensPerSecond).rounded(.up)),
            retryAfter: allowed ? 0 : max(1, Int(((1 - tokens) / tokensPerSecond).rounded(.up))))
    }
}

/// What a request learns from its key's bucket, for the `X-RateLimit-*` and `Retry-After` headers.
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request got a token.
    public var allowed: Bool
    /// Requests a minute.
    public var limit: Int
    /// Whole tokens left.
    public var remaining: Int
    /// Seconds until the bucket is full again.
    public var reset: Int
    /// Seconds until one token is back (when refused; 0 when allowed).
    public var retryAfter: Int
}

/// What a take got from a bucket.
public struct RateLimitGrant: Sendable, Equatable {
    /// Whole tokens taken (0 when the bucket held less than one).
    public var granted: Int
    /// Tokens left in the bucket after the take.
    public var tokens: Double

    public init(granted: Int, tokens: Double) {
        self.granted = granted
        self.tokens = tokens
    }
}

/// Where the token buckets of API keys live: one gateway's memory (SQLite, one process), or the
/// database every gateway shares (PostgreSQL), so that a key's rate is the same however many there are.
public protocol RateLimitStore: Sendable {
    /// Refills `keyID`'s bucket under `limit` for the time since its last take, takes as many
    /// whole tokens as it holds up to `count`, and says what happened. A key never seen has a
    /// full bucket. Throws when the store cannot be reached (the request then fails; it is never
    /// let through unlimited).
    func takeRateLimitTokens(keyID: String, upTo count: Int, limit: RateLimit) async throws -> RateLimitGrant

    /// Forgets the buckets that are full again under `limit` (a forgotten bucket is a full one).
    func forgetFullRateLimitBuckets(limit: RateLimit) async throws
}

extension RateLimitStore {
    /// Takes one token from `keyID`'s bucket, if it holds one, and says what the request is told.
    public func takeRateLimitToken(keyID: String, limit: RateLimit) async throws -> RateLimitDecision {
        let grant = try await takeRateLimitTokens(keyID: keyID, upTo: 1, limit: limit)
        return limit.decision(allowed: grant.granted > 0, tokens: grant.tokens)
    }
}
