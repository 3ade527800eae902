import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The token buckets PostgreSQL keeps for every gateway (``RateLimitStore``): the burst, the
/// refusal and its `Retry-After`, the refill on the database's clock, one bucket for several
/// stores, and forgetting full buckets. (SQLite keeps none: its gateway counts in memory.)
@Suite(.enabled(if: StoreFixture.databaseURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
struct RateLimitStoreTests {
    /// Runs `body` with `count` stores on one fresh database.
    func withStores(_ count: Int, _ body: ([PostgresDataStore]) async throws -> Void) async throws {
        try await StoreFixture.postgres.withStores(count: count) { stores in
            try await body(stores.map { $0 as! PostgresDataStore })
        }
    }

    /// Moves `keyID`'s last take `seconds` into the past, as if that much time had gone by.
    func age(_ store: PostgresDataStore, _ keyID: String, by seconds: Double) async throws {
        try await store.execute("UPDATE rate_limit_buckets SET updated_at = updated_at - \(seconds) WHERE key_id = '\(keyID)'")
    }

    @Test func theBurstIsSpentThenRefusedWithRetryAfter() async throws {
        try await withStores(1) { stores in
            // A token a minute, so a slow machine's pauses between statements bring none back.
            let store = stores[0], limit = RateLimit(requestsPerMinute: 1, burst: 3)
            var remaining: [Int] = []
            for _ in 0..<3 {
                let decision = try await store.takeRateLimitToken(keyID: "k", limit: limit)
                #expect(decision.allowed && decision.limit == 1 && decision.retryAfter == 0)
                remaining.append(decision.remaining)
            }
            #expect(remaining == [2, 1, 0])
            let refused = try await store.takeRateLimitToken(keyID: "k", limit: limit)
            #expect(!refused.allowed && refused.remaining == 0)
            #expect((1...60).contains(refused.retryAfter) && (121...180).contains(refused.reset), "\(refused)")
            // Another key has its own bucket.
            #expect(try await store.takeRateLimitToken(keyID: "other", limit: limit).allowed)
        }
    }

    @Test func tokensComeBackAtTheRateUpToTheBurst() async throws {
        try await withStores(1) { stores in
            // A token a minute, so a slow machine's pauses between statements bring none back.
            let store = stores[0], limit = RateLimit(requestsPerMinute: 1, burst: 2)
            _ = try await store.takeRateLimitToken(keyID: "k", limit: limit)
            _ = try await store.takeRateLimitToken(keyID: "k", limit: limit)
            #expect(try await !store.takeRateLimitToken(keyID: "k", limit: limit).allowed)
            try await age(store, "k", by: 60)
            #expect(try await store.takeRateLimitToken(keyID: "k", limit: limit).allowed)
            #expect(try await !store.takeRateLimitToken(keyID: "k", limit: limit).allowed)
            // A long pause saves up no more than the burst.
            try await age(store, "k", by: 3600)
            #expect(try await store.takeRateLimitToken(keyID: "k", limit: limit).remaining == 1)
            #expect(try await store.takeRateLimitToken(keyID: "k", limit: limit).allowed)
            #expect(try await !store.takeRateLimitToken(keyID: "k", limit: limit).allowed)

            // And on the database's own clock: a token a second comes back within the second.
            let fast = RateLimit(requestsPerMinute: 60, burst: 1)
            #expect(try await store.takeRateLimitToken(keyID: "fast", limit: fast).allowed)
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await store.takeRateLimitToken(keyID: "fast", limit: fast).allowed)
        }
    }

    @Test func storesOnOneDatabaseShareEachKeysBucket() async throws {
        try await withStores(3) { stores in
            let limit = RateLimit(requestsPerMinute: 1, burst: 10)
            let decisions = try await withThrowingTaskGroup(of: RateLimitDecision.self) { group in
                for index in 0..<30 {
                    let store = stores[index % 3]
                    group.addTask { try await store.takeRateLimitToken(keyID: "k", limit: limit) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(decisions.filter(\.allowed).count == 10)
            #expect(decisions.filter { !$0.allowed }.allSatisfy { $0.retryAfter >= 1 && $0.remaining == 0 })
            for store in stores { #expect(try await !store.takeRateLimitToken(keyID: "k", limit: limit).allowed) }
        }
    }

    @Test func aTakeGrantsUpToWhatTheBucketHolds() async throws {
        try await withStores(1) { stores in
            let store = stores[0], limit = RateLimit(requestsPerMinute: 1, burst: 10)
            #expect(try await store.takeRateLimitTokens(keyID: "k", upTo: 4, limit: limit).granted == 4)
            let rest = try await store.takeRateLimitTokens(keyID: "k", upTo: 10, limit: limit)
            #expect(rest.granted == 6 && rest.tokens < 1)
            #expect(try await store.takeRateLimitTokens(keyID: "k", upTo: 10, limit: limit).granted == 0)
            // A key never seen starts with a full bucket, and a take never grants more than the burst.
            #expect(try await store.takeRateLimitTokens(keyID: "new", upTo: 50, limit: limit).granted == 10)
        }
    }

    @Test func fullBucketsAreForgottenOthersKept() async throws {
        try await withStores(1) { stores in
            // A token a minute, so a slow machine's pauses between statements refill nothing.
            let store = stores[0], limit = RateLimit(requestsPerMinute: 1, burst: 2)
            _ = try await store.takeRateLimitToken(keyID: "spent", limit: limit)
            _ = try await store.takeRateLimitToken(keyID: "spent", limit: limit)
            _ = try await store.takeRateLimitToken(keyID: "refilled", limit: limit)
            try await age(store, "refilled", by: 60)
            try await store.forgetFullRateLimitBuckets(limit: limit)
            #expect(try await store.rateLimitBucketKeys() == ["spent"])
            // Forgetting changes nothing a key sees.
            #expect(try await !store.takeRateLimitToken(keyID: "spent", limit: limit).allowed)
            #expect(try await store.takeRateLimitToken(keyID: "refilled", limit: limit).remaining == 1)
        }
    }
}
