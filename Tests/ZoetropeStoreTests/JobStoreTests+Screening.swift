import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The content policy's screen, on every store: a job committed with a screen deadline is not
/// leased until it is marked screened; a screen whose deadline passed is taken over; ending an
/// unscreened job releases its credits; stores upgraded from the previous schema keep their jobs leasable.
extension JobStoreTests {
    /// A job committed while the content policy screens it, until `deadline`.
    func unscreenedJob(_ created: Date, until deadline: Date, apiKeyID: String = "key", cost: Credits = .zero) -> Job {
        var item = job(created, apiKeyID: apiKeyID, cost: cost)
        item.screenUntil = deadline
        return item
    }

    /// The row an older schema held for a queued job `id` submitted at `created` (for stores
    /// upgraded from it).
    func oldQueuedJobRow(_ id: String, created: Date) throws -> String {
        let request = String(decoding: try JSONEncoder().encode(job(created).request), as: UTF8.self)
        return """
            INSERT INTO jobs (id, api_key_id, model, request, status, max_attempts, created_at, updated_at)
            VALUES ('\(id)', 'key', '\(Self.model)', '\(request)', 'QUEUED', 3, \(created.timeIntervalSince1970),
                \(created.timeIntervalSince1970))
            """
    }

    @Test(arguments: StoreFixture.all)
    func anUnscreenedJobIsLeasedOnlyOnceMarkedScreened(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let screening = unscreenedJob(t0, until: t0 + 30), passed = job(t0 + 1)
            try await store.insert(screening)
            try await store.insert(passed)
            #expect(try await store.job(id: screening.id)?.screenUntil?.timeIntervalSince1970 == (t0 + 30).timeIntervalSince1970)
            #expect(try await store.job(id: passed.id)?.screenUntil == nil)
            // Older, but still being screened: the runner gets the passed one, then nothing.
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 2)?.id == passed.id)
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 2) == nil)
            // Still QUEUED, and counted in the queue, in submit order.
            #expect(try await store.queuedJobIDs(limit: 10) == [screening.id])
            #expect(try await store.queuePosition(of: screening) == 1)

            #expect(try await store.markScreened(id: screening.id, request: nil, now: t0 + 3))
            let marked = try #require(try await store.job(id: screening.id))
            #expect(marked.screenUntil == nil && marked.status == .queued && marked.request == screening.request)
            #expect(marked.updatedAt.timeIntervalSince1970 == (t0 + 3).timeIntervalSince1970)
            // Passed once only.
            #expect(try await !store.markScreened(id: screening.id, request: nil, now: t0 + 4))
            let leased = try #require(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 5))
            #expect(leased.id == screening.id && leased.attempts == 1)
            // Leased: no longer QUEUED, so no longer screenable.
            #expect(try await !store.markScreened(id: screening.id, request: nil, now: t0 + 6))
            #expect(try await !store.markScreened(id: "nope", request: nil, now: t0 + 6))
        }
    }

    @Test(arguments: StoreFixture.all)
    func markScreenedStoresTheRequestItIsGiven(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let screening = unscreenedJob(t0, until: t0 + 30)
            try await store.insert(screening)
            // The screen fetched the remote start image and stored it beside the job.
            let fetched = JobRequest.video(GenerationRequest(prompt: "x", startImage: .stored("start_image.jpg")))
            #expect(fetched != screening.request)
            #expect(try await store.markScreened(id: screening.id, request: fetched, now: t0 + 1))
            #expect(try await store.job(id: screening.id)?.request == fetched)
            let leased = try #require(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 2))
            #expect(leased.request == fetched && leased.screenUntil == nil)
        }
    }

    @Test(arguments: StoreFixture.all)
    func endingAnUnscreenedJobReleasesItsCreditsAndEndsItsScreen(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let price = Credits("2")!
            let (key, _) = try await APIKeyGenerator.create(name: "metered", in: store, options: KeyOptions(credits: Credits("5")!))
            func balance() async throws -> Credits? { try await store.key(id: key.id)?.credits }
            let blocked = unscreenedJob(t0, until: t0 + 30, apiKeyID: key.id, cost: price)
            let cancelled = unscreenedJob(t0 + 1, until: t0 + 30, apiKeyID: key.id, cost: price)
            try await store.insert(blocked)
            try await store.insert(cancelled)
            #expect(try await balance() == Credits("1"))
            // Blocked by the content policy: failed with no lease owner, the reservation given back.
            #expect(try await store.fail(id: blocked.id, owner: nil, error: "blocked by the content policy", now: t0 + 2))
            #expect(try await balance() == Credits("3"))
            #expect(try await store.cancel(id: cancelled.id, now: t0 + 3)?.status == .cancelled)
            #expect(try await balance() == Credits("5"))
            // Ended jobs are neither passed nor taken over, and never leased.
            #expect(try await !store.markScreened(id: blocked.id, request: nil, now: t0 + 4))
            #expect(try await !store.markScreened(id: cancelled.id, request: nil, now: t0 + 4))
            #expect(try await store.job(id: blocked.id)?.status == .failed)
            #expect(try await store.claimUnscreened(now: t0 + 100, until: t0 + 130, limit: 10).isEmpty)
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 160, now: t0 + 100) == nil)
            #expect(try await balance() == Credits("5"))
        }
    }

    @Test(arguments: StoreFixture.all)
    func claimUnscreenedTakesOverOnlyScreensPastTheirDeadline(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let first = unscreenedJob(t0, until: t0 + 10), running = unscreenedJob(t0 + 1, until: t0 + 20)
            let third = unscreenedJob(t0 + 2, until: t0 + 5), passed = job(t0 + 3)
            let cancelled = unscreenedJob(t0 + 4, until: t0 + 1)
            for item in [third, passed, running, first, cancelled] { try await store.insert(item) }
            _ = try await store.cancel(id: cancelled.id, now: t0 + 5)

            #expect(try await store.claimUnscreened(now: t0 + 4, until: t0 + 34, limit: 10).isEmpty)
            // At t0+15 the screens of `first` and `third` are past their deadline; `running`'s is not.
            let claimed = try await store.claimUnscreened(now: t0 + 15, until: t0 + 45, limit: 10)
            #expect(claimed.map(\.id) == [first.id, third.id])
            #expect(claimed.allSatisfy { $0.screenUntil?.timeIntervalSince1970 == (t0 + 45).timeIntervalSince1970 })
            #expect(try await store.job(id: third.id)?.screenUntil?.timeIntervalSince1970 == (t0 + 45).timeIntervalSince1970)
            // Moved: not taken over again before the new deadline.
            #expect(try await store.claimUnscreened(now: t0 + 16, until: t0 + 46, limit: 10).isEmpty)
            // Taken over, still not leasable; the passed job is the only one a runner gets.
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 16)?.id == passed.id)
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 16) == nil)
            // Oldest first, up to the limit.
            #expect(try await store.claimUnscreened(now: t0 + 50, until: t0 + 80, limit: 2).map(\.id) == [first.id, running.id])
            #expect(try await store.claimUnscreened(now: t0 + 50, until: t0 + 80, limit: 2).map(\.id) == [third.id])
            #expect(try await store.markScreened(id: running.id, request: nil, now: t0 + 51))
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 90, now: t0 + 52)?.id == running.id)
        }
    }

    @Test(arguments: StoreFixture.all)
    func concurrentScreenTakeoversNeverClaimTheSameJob(_ fixture: StoreFixture) async throws {
        try await fixture.withStores(count: 2) { stores in
            let t0 = Date()
            let jobs = (0..<24).map { unscreenedJob(t0 + Double($0) * 0.001, until: t0 + 1) }
            for item in jobs { try await stores[0].insert(item) }
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for claimer in 0..<6 {
                    let store = stores[claimer % stores.count]
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claimUnscreened(now: t0 + 2, until: t0 + 600, limit: 3)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claimed.count == 24)
            #expect(Set(claimed) == Set(jobs.map(\.id)))
        }
    }

    @Test(arguments: StoreFixture.all)
    func aWaiterWakesWhenAnotherStorePassesAJob(_ fixture: StoreFixture) async throws {
        // PostgreSQL: two instances on one database (LISTEN/NOTIFY); SQLite: one instance.
        try await fixture.withStores(count: 2) { stores in
            let (waiter, screener) = (stores[1], stores[0])
            let clock = ContinuousClock()
            let screening = unscreenedJob(Date(), until: Date() + 600)
            try await screener.insert(screening)
            try await Task.sleep(for: .seconds(1))  // the insert's own wake-up has come and gone

            let started = clock.now
            let waiting = Task { await waiter.waitForWork(timeout: .seconds(120)); return clock.now }
            try await Task.sleep(for: .milliseconds(200))  // the waiter is waiting
            #expect(try await screener.markScreened(id: screening.id, request: nil, now: Date()))
            let woke = await waiting.value
            // Woken, not timed out: a wake-up, whatever the machine's load (no latency assertion).
            #expect(woke - started < .seconds(60), "woke after \(woke - started)")
        }
    }

    @Test(arguments: StoreFixture.all)
    func jobsQueuedBeforeTheScreenExistedStayLeasable(_ fixture: StoreFixture) async throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        // From the schemas before the content policy's migration.
        try await fixture.withStoreUpgraded(
            from: (sqlite: 6, postgres: 2),
            seeding: [try oldQueuedJobRow("old", created: t0)]
        ) { store in
            let old = try #require(try await store.job(id: "old"))
            #expect(old.status == .queued && old.screenUntil == nil)
            #expect(try await !store.markScreened(id: "old", request: nil, now: t0 + 1))
            #expect(try await store.claimUnscreened(now: t0 + 1, until: t0 + 31, limit: 10).isEmpty)
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 2)?.id == "old")
            // The new tables are there too.
            #expect(try await store.policyImages().isEmpty)
            #expect(try await store.policyEvents(limit: 10).isEmpty)
        }
    }
}
