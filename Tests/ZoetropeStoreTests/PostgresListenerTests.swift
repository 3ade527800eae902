import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// PostgreSQL only: the store's `LISTEN` connection comes back after the server drops it.
struct PostgresListenerTests {
    @Test(.enabled(if: StoreFixture.databaseURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func theListenerReconnectsAfterItsConnectionDrops() async throws {
        try await StoreFixture.postgres.withStores(count: 2) { stores in
            let waiter = try #require(stores[0] as? PostgresDataStore)
            let submitter = stores[1]
            #expect(try await waiter.terminateListenSessions() == 2)
            try await Task.sleep(for: .seconds(1))  // the first retry comes after 100 ms

            let clock = ContinuousClock()
            let started = clock.now
            let waiting = Task { await waiter.waitForWork(timeout: .seconds(120)); return clock.now }
            try await Task.sleep(for: .milliseconds(200))
            try await submitter.insert(
                Job(
                    apiKeyID: "key", model: "m",
                    request: .video(GenerationRequest(prompt: "x", startImage: .remote(URL(string: "https://example.com/a.jpg")!)))))
            let woke = await waiting.value
            // Woken, not timed out: a wake-up, whatever the machine's load (no latency assertion).
            #expect(woke - started < .seconds(60), "woke after \(woke - started)")
        }
    }
}
