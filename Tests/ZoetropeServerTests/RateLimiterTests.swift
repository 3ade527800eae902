import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer

/// `RateLimiter`: a token bucket per key, with a burst, refilled at the rate, and the numbers the
/// `X-RateLimit-*` and `Retry-After` headers carry.
struct RateLimiterTests {
    @Test func theBurstIsSpentThenRefusedWithRetryAfter() async {
        let limiter = RateLimiter(), limit = RateLimit(requestsPerMinute: 60, burst: 3)
        let now = Date()
        var remaining: [Int] = []
        for _ in 0..<3 {
            let decision = limiter.take("k", limit: limit, now: now)
            #expect(decision.allowed && decision.limit == 60 && decision.retryAfter == 0)
            remaining.append(decision.remaining)
        }
        #expect(remaining == [2, 1, 0])
        let refused = limiter.take("k", limit: limit, now: now)
        #expect(!refused.allowed && refused.remaining == 0 && refused.retryAfter == 1 && refused.reset == 3)
        // Another key has its own bucket.
        #expect(limiter.take("other", limit: limit, now: now).allowed)
    }

    @Test func tokensComeBackAtTheRateUpToTheBurst() async {
        let limiter = RateLimiter(), limit = RateLimit(requestsPerMinute: 6, burst: 2)  // a token every 10 s
        let start = Date()
        _ = limiter.take("k", limit: limit, now: start)
        _ = limiter.take("k", limit: limit, now: start)
        let early = limiter.take("k", limit: limit, now: start.addingTimeInterval(5))
        #expect(!early.allowed && early.retryAfter == 5)
        #expect(limiter.take("k", limit: limit, now: start.addingTimeInterval(10)).allowed)
        // A long pause saves up no more than the burst.
        let later = start.addingTimeInterval(3600)
        #expect(limiter.take("k", limit: limit, now: later).remaining == 1)
        #expect(limiter.take("k", limit: limit, now: later).allowed)
        #expect(await !limiter.take("k", limit: limit, now: later).allowed)
    }

    @Test func nonsenseLimitsAreRaisedToOne() async {
        let limiter = RateLimiter(), limit = RateLimit(requestsPerMinute: 0, burst: 0)
        #expect(limiter.take("k", limit: limit).allowed)
        let refused = limiter.take("k", limit: limit)
        #expect(!refused.allowed && refused.limit == 1)
    }

    @Test func fullBucketsAreForgottenOthersKept() async {
        let limiter = RateLimiter(), limit = RateLimit(requestsPerMinute: 6, burst: 2)  // a token every 10 s
        let start = Date()
        _ = limiter.take("spent", limit: limit, now: start)
        _ = limiter.take("spent", limit: limit, now: start)
        _ = limiter.take("refilled", limit: limit, now: start.addingTimeInterval(-10))
        limiter.forgetFull(limit: limit, now: start.addingTimeInterval(1))
        #expect(limiter.count == 1)
        // Forgetting changes nothing a key sees: the spent one is still spent.
        #expect(await !limiter.take("spent", limit: limit, now: start.addingTimeInterval(1)).allowed)
        #expect(limiter.take("refilled", limit: limit, now: start.addingTimeInterval(1)).remaining == 1)
    }
}
