import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The store contract, run against every store (`StoreFixture.all`: SQLite, and PostgreSQL when
/// `ZOETROPE_TEST_DATABASE_URL` is set): the queue's state machine (leasing, heartbeats, lease
/// expiry, completion by the lease owner only, release, abandonment, expiry), credits, webhooks,
/// keys, voices, history, workers, and what must hold under concurrency.
struct JobStoreTests {
    static let model = "kling-3-pro-image2video"

    func job(
        _ created: Date, maxAttempts: Int = 3, model: String = model, apiKeyID: String = "key", cost: Credits = .zero,
        webhookURL: String? = nil
    ) -> Job {
        Job(
            apiKeyID: apiKeyID, model: model,
            request: .video(GenerationRequest(prompt: "x", startImage: .remote(URL(string: "https://example.com/a.jpg")!))),
            maxAttempts: maxAttempts, cost: cost, webhookURL: webhookURL, createdAt: created)
    }

    @Test(arguments: StoreFixture.all)
    func leasesOldestFirstAndReportsQueuePositions(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let first = job(t0), second = job(t0.addingTimeInterval(1)), third = job(t0.addingTimeInterval(2))
            for item in [third, first, second] { try await store.insert(item) }
            #expect(try await store.queuePosition(of: first) == 1)
            #expect(try await store.queuePosition(of: third) == 3)
            #expect(try await store.queuedJobIDs(limit: 10) == [first.id, second.id, third.id])
            #expect(try await store.queuedJobIDs(limit: 2) == [first.id, second.id])

            let leased = try #require(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 30, now: t0))
            #expect(leased.id == first.id)
            #expect(leased.status == .processing)
            #expect(leased.attempts == 1)
            #expect(leased.leaseOwner == "a")
            #expect(try await store.queuePosition(of: try #require(try await store.job(id: third.id))) == 2)
            #expect(try await store.queuePosition(of: leased) == 0)
            #expect(try await store.queuedJobIDs(limit: 10) == [second.id, third.id])
            // Another model's runner sees nothing.
            #expect(try await store.lease(models: ["other"], owner: "b", expiresAt: t0 + 30, now: t0) == nil)
        }
    }

    @Test(arguments: StoreFixture.all)
    func onlyTheLeaseOwnerCompletesAndExpiredLeasesAreRetaken(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let item = job(t0)
            try await store.insert(item)
            _ = try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 10, now: t0)
            #expect(try await store.heartbeat(id: item.id, owner: "a", expiresAt: t0 + 20, now: t0 + 5))
            #expect(try await !store.heartbeat(id: item.id, owner: "b", expiresAt: t0 + 20, now: t0 + 5))
            // Not yet expired: nobody else can take it.
            #expect(try await store.lease(models: [Self.model], owner: "b", expiresAt: t0 + 40, now: t0 + 15) == nil)
            // Expired: "b" takes it over, with the attempt counted.
            let retaken = try #require(try await store.lease(models: [Self.model], owner: "b", expiresAt: t0 + 60, now: t0 + 25))
            #expect(retaken.attempts == 2)
            #expect(try await !store.complete(id: item.id, owner: "a", outputKey: "late.mp4", result: nil, now: t0 + 26))
            #expect(try await store.complete(id: item.id, owner: "b", outputKey: "done.mp4", result: nil, now: t0 + 27))
            let done = try #require(try await store.job(id: item.id))
            #expect(done.status == .completed)
            #expect(done.outputKey == "done.mp4")
            #expect(done.progress == 1)
            // Completion is recorded once.
            #expect(try await !store.complete(id: item.id, owner: "b", outputKey: "again.mp4", result: nil, now: t0 + 28))
            #expect(try await !store.fail(id: item.id, owner: nil, error: "x", now: t0 + 28))
        }
    }

    @Test(arguments: StoreFixture.all)
    func lostLastAttemptEndsFailedAndReleaseDoesNotCountAnAttempt(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let item = job(t0, maxAttempts: 2)
            try await store.insert(item)
            _ = try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 10, now: t0)
            try await store.release(id: item.id, owner: "a", now: t0 + 1)
            let released = try #require(try await store.job(id: item.id))
            #expect(released.status == .queued && released.attempts == 0)

            _ = try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 10, now: t0 + 2)
            _ = try await store.lease(models: [Self.model], owner: "b", expiresAt: t0 + 30, now: t0 + 11)
            #expect(try await store.failAbandoned(now: t0 + 20).isEmpty)
            let abandoned = try await store.failAbandoned(now: t0 + 31)
            #expect(abandoned.map(\.id) == [item.id])
            let failed = try #require(try await store.job(id: item.id))
            #expect(failed.status == .failed)
            #expect(failed.error?.contains("interrupted 2 times") == true)
        }
    }

    @Test(arguments: StoreFixture.all)
    func aFailedAttemptQueuesTheJobAgainUntilTheLastEndsItFailed(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let (key, _) = try await APIKeyGenerator.create(
                name: "metered", in: store, options: KeyOptions(credits: Credits("10")!))
            let item = job(t0, maxAttempts: 2, apiKeyID: key.id, cost: Credits("3")!, webhookURL: "https://example.com/hook")
            try await store.insert(item)
            _ = try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 10, now: t0)
            #expect(try await store.updateProgress(id: item.id, owner: "a", progress: 0.9, now: t0 + 1))
            #expect(try await store.failAttempt(id: item.id, owner: "b", error: "no", now: t0 + 2) == nil)

            // Attempts left: queued again, the attempt counted, nothing charged, refunded or delivered.
            let queued = try #require(try await store.failAttempt(id: item.id, owner: "a", error: "too short", now: t0 + 2))
            #expect(queued.status == .queued && queued.attempts == 1 && queued.progress == 0)
            #expect(queued.leaseOwner == nil && queued.leaseExpiresAt == nil && queued.error == nil)
            #expect(queued.startedAt == nil && queued.completedAt == nil)
            #expect(try await store.job(id: item.id)?.status == .queued)
            #expect(try await store.queuePosition(of: queued) == 1)
            #expect(try await store.key(id: key.id)?.credits == Credits("7"))
            #expect(try await store.webhookDeliveries(jobID: item.id).isEmpty)

            // The last attempt: FAILED with the reason, its reservation given back, its webhook queued.
            let retaken = try #require(try await store.lease(models: [Self.model], owner: "b", expiresAt: t0 + 20, now: t0 + 3))
            #expect(retaken.attempts == 2)
            #expect(try await store.failAttempt(id: item.id, owner: "a", error: "stale", now: t0 + 4) == nil)
            let failed = try #require(try await store.failAttempt(id: item.id, owner: "b", error: "too short again", now: t0 + 4))
            #expect(failed.status == .failed && failed.error == "too short again" && failed.leaseOwner == nil)
            #expect(failed.completedAt?.timeIntervalSince1970 == (t0 + 4).timeIntervalSince1970)
            #expect(try await store.job(id: item.id)?.error == "too short again")
            #expect(try await store.key(id: key.id)?.credits == Credits("10"))
            #expect(try await store.webhookDeliveries(jobID: item.id).count == 1)
            // Ended: nothing more to fail, nothing to lease.
            #expect(try await store.failAttempt(id: item.id, owner: "b", error: "again", now: t0 + 5) == nil)
            #expect(try await store.lease(models: [Self.model], owner: "c", expiresAt: t0 + 30, now: t0 + 5) == nil)
        }
    }

    @Test(arguments: StoreFixture.all)
    func progressAndFailureNeedTheOwner(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let item = job(t0)
            try await store.insert(item)
            _ = try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 10, now: t0)
            #expect(try await store.updateProgress(id: item.id, owner: "a", progress: 0.4, now: t0 + 1))
            #expect(try await !store.updateProgress(id: item.id, owner: "b", progress: 0.9, now: t0 + 1))
            #expect(try await store.job(id: item.id)?.progress == 0.4)
            #expect(try await !store.fail(id: item.id, owner: "b", error: "no", now: t0 + 2))
            #expect(try await store.fail(id: item.id, owner: "a", error: "start_image_url: bad", now: t0 + 2))
            #expect(try await store.job(id: item.id)?.error == "start_image_url: bad")
        }
    }

    @Test(arguments: StoreFixture.all)
    func cancelEndsQueuedAndRunningJobsOnce(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let running = job(t0), waiting = job(t0 + 1)
            try await store.insert(running)
            try await store.insert(waiting)
            let leased = try #require(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 2))
            #expect(leased.id == running.id)
            #expect(try await store.cancel(id: running.id, now: t0 + 3)?.status == .cancelled)
            // The runner learns it at its next progress write; the job is never leased again.
            #expect(try await !store.updateProgress(id: running.id, owner: "a", progress: 0.5, now: t0 + 3))
            #expect(try await !store.complete(id: running.id, owner: "a", outputKey: "x.mp4", result: nil, now: t0 + 4))
            #expect(try await store.cancel(id: waiting.id, now: t0 + 4)?.status == .cancelled)
            #expect(try await store.lease(models: [Self.model], owner: "b", expiresAt: t0 + 90, now: t0 + 70) == nil)
            // Finished jobs are not cancellable.
            #expect(try await store.cancel(id: running.id, now: t0 + 5) == nil)
            #expect(try await store.job(id: running.id)?.status == .cancelled)
        }
    }

    @Test(arguments: StoreFixture.all)
    func expiryDeletesJobsSubmittedBeforeTheCutoff(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let old = job(t0), recent = job(t0 + 100)
            try await store.insert(old)
            try await store.insert(recent)
            let expired = try await store.expire(createdBefore: t0 + 50)
            #expect(expired.map(\.id) == [old.id])
            #expect(try await store.job(id: old.id) == nil)
            #expect(try await store.job(id: recent.id) != nil)
        }
    }

    @Test(arguments: StoreFixture.all)
    func keysAreStoredAsHashesAndCanBeRevoked(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let (key, secret) = try await APIKeyGenerator.create(name: "ci", in: store)
            #expect(secret.hasPrefix("zk_") && secret.count == 67)
            #expect(key.keyHash != secret && key.keyHash.count == 64)
            #expect(try await store.key(hash: APIKeyGenerator.hash(secret))?.id == key.id)
            #expect(try await store.key(hash: APIKeyGenerator.hash(secret + "x")) == nil)
            #expect(try await store.revokeKey(id: key.id, now: Date()))
            #expect(try await store.key(hash: APIKeyGenerator.hash(secret))?.revokedAt != nil)
            #expect(try await !store.revokeKey(id: "nope", now: Date()))
        }
    }

    // MARK: - Stored fields

    @Test(arguments: StoreFixture.all)
    func jobsRoundTripEveryField(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000.123456)
            var item = job(t0, maxAttempts: 5, webhookURL: "https://example.com/hook")
            item.progress = 0.25
            try await store.insert(item)
            let stored = try #require(try await store.job(id: item.id))
            #expect(stored.request == item.request)
            #expect(stored.apiKeyID == "key" && stored.model == Self.model && stored.status == .queued)
            #expect(stored.maxAttempts == 5 && stored.progress == 0.25 && stored.webhookURL == "https://example.com/hook")
            #expect(stored.createdAt.timeIntervalSince1970 == t0.timeIntervalSince1970)
            #expect(stored.leaseOwner == nil && stored.leaseExpiresAt == nil && stored.startedAt == nil)
            #expect(try await store.job(id: "missing") == nil)

            _ = try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 30, now: t0 + 1)
            let result = JSONValue.object(["voice_id": .string("v1"), "pitch": .number(120.5)])
            #expect(try await store.complete(id: item.id, owner: "a", outputKey: nil, result: result, now: t0 + 2))
            let done = try #require(try await store.job(id: item.id))
            #expect(done.result == result)
            #expect(done.outputKey == nil)
            #expect(done.startedAt?.timeIntervalSince1970 == (t0 + 1).timeIntervalSince1970)
            #expect(done.completedAt?.timeIntervalSince1970 == (t0 + 2).timeIntervalSince1970)
        }
    }

    // MARK: - Counts and workers

    @Test(arguments: StoreFixture.all)
    func unfinishedJobCountCountsQueuedAndProcessingJobsOfTheKey(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            #expect(try await store.unfinishedJobCount(apiKeyID: "key") == 0)
            let a = job(t0), b = job(t0 + 1), c = job(t0 + 2), d = job(t0 + 3), other = job(t0 + 4, apiKeyID: "other")
            for item in [a, b, c, d, other] { try await store.insert(item) }
            #expect(try await store.unfinishedJobCount(apiKeyID: "key") == 4)
            _ = try await store.lease(models: [Self.model], owner: "w", expiresAt: t0 + 60, now: t0 + 4)  // a
            #expect(try await store.unfinishedJobCount(apiKeyID: "key") == 4)
            _ = try await store.cancel(id: c.id, now: t0 + 5)
            #expect(try await store.fail(id: d.id, owner: nil, error: "bad input", now: t0 + 5))
            #expect(try await store.unfinishedJobCount(apiKeyID: "key") == 2)
            #expect(try await store.complete(id: a.id, owner: "w", outputKey: "a.mp4", result: nil, now: t0 + 6))
            #expect(try await store.unfinishedJobCount(apiKeyID: "key") == 1)
            #expect(try await store.unfinishedJobCount(apiKeyID: "other") == 1)
            #expect(try await store.unfinishedJobCount(apiKeyID: "nobody") == 0)
        }
    }

    @Test(arguments: StoreFixture.all)
    func jobCountsGroupByModelAndState(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            #expect(try await store.jobCounts().isEmpty)
            let jobs = [job(t0), job(t0 + 1), job(t0 + 2), job(t0, model: "voice"), job(t0 + 1, model: "voice")]
            for item in jobs { try await store.insert(item) }
            _ = try await store.lease(models: [Self.model], owner: "w", expiresAt: t0 + 60, now: t0 + 3)
            _ = try await store.cancel(id: jobs[4].id, now: t0 + 3)
            let counts = try await store.jobCounts().sorted { ($0.model, $0.status.rawValue) < ($1.model, $1.status.rawValue) }
            #expect(
                counts == [
                    JobCount(model: Self.model, status: .processing, count: 1),
                    JobCount(model: Self.model, status: .queued, count: 2),
                    JobCount(model: "voice", status: .cancelled, count: 1),
                    JobCount(model: "voice", status: .queued, count: 1),
                ])
        }
    }

    @Test(arguments: StoreFixture.all)
    func workersCountWhenSeenRecently(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            #expect(try await store.activeWorkerCount(seenSince: t0 - 60) == 0)
            try await store.recordWorker(id: "slot-1", models: [Self.model], now: t0 - 7200)
            try await store.recordWorker(id: "slot-2", models: ["b", "a"], now: t0 - 30)
            try await store.recordWorker(id: "remote-1", models: [Self.model], now: t0 - 100)
            #expect(try await store.activeWorkerCount(seenSince: t0 - 10_000) == 3)
            #expect(try await store.activeWorkerCount(seenSince: t0 - 60) == 1)
            // Counting prunes workers unseen for an hour before `since`: slot-1 is gone for good.
            #expect(try await store.activeWorkerCount(seenSince: t0 - 10_000) == 2)
            // Seen again: one worker, not two.
            try await store.recordWorker(id: "remote-1", models: [Self.model], now: t0)
            #expect(try await store.activeWorkerCount(seenSince: t0 - 60) == 2)
            #expect(try await store.activeWorkerCount(seenSince: t0 - 10_000) == 2)
        }
    }

    // MARK: - Credits

    @Test(arguments: StoreFixture.all)
    func creditsAreReservedAtSubmitAndGivenBackUnlessTheJobCompletes(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let (key, _) = try await APIKeyGenerator.create(
                name: "metered", in: store, options: KeyOptions(credits: Credits("10")!))
            func balance() async throws -> Credits? { try await store.key(id: key.id)?.credits }
            let price = Credits("3")!
            let completed = job(t0, apiKeyID: key.id, cost: price)
            let cancelled = job(t0 + 1, apiKeyID: key.id, cost: price)
            let failed = job(t0 + 2, apiKeyID: key.id, cost: price)
            for item in [completed, cancelled, failed] { try await store.insert(item) }
            #expect(try await balance() == Credits("1"))
            // Short: nothing is inserted, and the error says what was needed and what is left.
            do {
                try await store.insert(job(t0 + 3, apiKeyID: key.id, cost: price))
                Issue.record("an insert beyond the balance succeeded")
            } catch let error as InsufficientCredits {
                #expect(error.needed == price && error.available == Credits("1"))
            }
            #expect(try await store.unfinishedJobCount(apiKeyID: key.id) == 3)

            _ = try await store.lease(models: [Self.model], owner: "w", expiresAt: t0 + 60, now: t0 + 4)
            #expect(try await store.complete(id: completed.id, owner: "w", outputKey: "x.mp4", result: nil, now: t0 + 5))
            #expect(try await balance() == Credits("1"))
            _ = try await store.cancel(id: cancelled.id, now: t0 + 6)
            #expect(try await balance() == Credits("4"))
            #expect(try await store.fail(id: failed.id, owner: nil, error: "bad", now: t0 + 7))
            #expect(try await balance() == Credits("7"))
            // Ending an ended job again gives nothing back twice.
            #expect(try await store.cancel(id: cancelled.id, now: t0 + 8) == nil)
            #expect(try await !store.fail(id: failed.id, owner: nil, error: "again", now: t0 + 8))
            #expect(try await balance() == Credits("7"))

            // Expiring an unfinished job refunds it; expiring a finished one does not.
            let waiting = job(t0 + 9, apiKeyID: key.id, cost: price)
            try await store.insert(waiting)
            #expect(try await balance() == Credits("4"))
            let expired = try await store.expire(createdBefore: t0 + 100)
            #expect(Set(expired.map(\.id)) == Set([completed.id, cancelled.id, failed.id, waiting.id]))
            #expect(try await balance() == Credits("7"))

            // An unmetered key is never short; a free job costs nothing.
            try await store.insert(job(t0, apiKeyID: "unmetered", cost: price))
            try await store.insert(job(t0, apiKeyID: key.id))
            #expect(try await balance() == Credits("7"))
        }
    }

    @Test(arguments: StoreFixture.all)
    func concurrentSubmitsNeverOverspendTheBalance(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let price = Credits("0.5")!
            let (key, _) = try await APIKeyGenerator.create(
                name: "metered", in: store, options: KeyOptions(credits: Credits("5")!))  // covers 10
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<30 {
                    let item = job(t0 + Double(index), apiKeyID: key.id, cost: price)
                    group.addTask {
                        do {
                            try await store.insert(item)
                            return true
                        } catch is InsufficientCredits {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 10)
            #expect(outcomes.filter { !$0 }.count == 20)
            #expect(try await store.key(id: key.id)?.credits == .zero)
            #expect(try await store.unfinishedJobCount(apiKeyID: key.id) == 10)
        }
    }

    @Test(arguments: StoreFixture.all)
    func changeCreditsAddsSetsAndUnmeters(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let (key, _) = try await APIKeyGenerator.create(name: "k", in: store)
            #expect(try await store.key(id: key.id)?.credits == nil)
            #expect(try await store.changeCredits(id: key.id, amount: Credits("2.5"), set: false)?.credits == Credits("2.5"))
            #expect(try await store.changeCredits(id: key.id, amount: Credits("-1"), set: false)?.credits == Credits("1.5"))
            #expect(try await store.changeCredits(id: key.id, amount: Credits("40"), set: true)?.credits == Credits("40"))
            #expect(try await store.changeCredits(id: key.id, amount: nil, set: true)?.credits == nil)
            #expect(try await store.changeCredits(id: "nope", amount: Credits("1"), set: false) == nil)
        }
    }

    // MARK: - Concurrency

    @Test(arguments: StoreFixture.all)
    func concurrentLeasersTakeEveryJobExactlyOnce(_ fixture: StoreFixture) async throws {
        try await fixture.withStores(count: 2) { stores in
            let t0 = Date()
            let jobs = (0..<20).map { job(t0 + Double($0) * 0.001) }
            for item in jobs { try await stores[0].insert(item) }
            let leased = try await withThrowingTaskGroup(of: [String].self) { group in
                for leaser in 0..<8 {
                    let store = stores[leaser % stores.count]
                    group.addTask {
                        var mine: [String] = []
                        while let taken = try await store.lease(
                            models: [Self.model], owner: "leaser-\(leaser)", expiresAt: t0 + 600, now: t0 + 1)
                        {
                            #expect(taken.leaseOwner == "leaser-\(leaser)" && taken.attempts == 1)
                            mine.append(taken.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(leased.count == 20)
            #expect(Set(leased) == Set(jobs.map(\.id)))
            #expect(try await stores[0].lease(models: [Self.model], owner: "late", expiresAt: t0 + 600, now: t0 + 2) == nil)
        }
    }

    @Test(arguments: StoreFixture.all)
    func aWaiterWakesWhenAnotherStoreQueuesWork(_ fixture: StoreFixture) async throws {
        // PostgreSQL: two instances on one database, as two processes would be (LISTEN/NOTIFY).
        // SQLite: one instance (its signal stays in the process).
        try await fixture.withStores(count: 2) { stores in
            let (waiter, submitter) = (stores[1], stores[0])
            let clock = ContinuousClock()
            // Nothing queued: the wait lasts its timeout.
            let idle = await clock.measure { await waiter.waitForWork(timeout: .milliseconds(300)) }
            #expect(idle >= .milliseconds(250))

            let started = clock.now
            let waiting = Task { await waiter.waitForWork(timeout: .seconds(120)); return clock.now }
            try await Task.sleep(for: .milliseconds(200))  // the waiter is waiting
            try await submitter.insert(job(Date()))
            let woke = await waiting.value
            // Woken, not timed out: a wake-up, whatever the machine's load (no latency assertion).
            #expect(woke - started < .seconds(60), "woke after \(woke - started)")

            // A job handed back (release) wakes waiters too.
            _ = try #require(try await submitter.lease(models: [Self.model], owner: "w", expiresAt: Date() + 60, now: Date()))
            let leasedJob = try #require(
                try await submitter.jobs(apiKeyID: "key", filter: JobFilter(), limit: 1, offset: 0).jobs.first)
            let started2 = clock.now
            let waiting2 = Task { await waiter.waitForWork(timeout: .seconds(120)); return clock.now }
            try await Task.sleep(for: .milliseconds(200))
            try await submitter.release(id: leasedJob.id, owner: "w", now: Date())
            let woke2 = await waiting2.value
            #expect(woke2 - started2 < .seconds(60), "woke after \(woke2 - started2)")
        }
    }

    @Test(.enabled(if: StoreFixture.databaseURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func twoProcessesMigratingAnEmptyDatabaseAtOnceBothSucceed() async throws {
        try await StoreFixture.withPostgresDatabase { url in
            async let first = PostgresDataStore.open(url: url, logger: StoreFixture.logger, queryTimeout: StoreFixture.queryTimeout)
            async let second = PostgresDataStore.open(url: url, logger: StoreFixture.logger, queryTimeout: StoreFixture.queryTimeout)
            var opened: [PostgresDataStore] = []
            var failures: [String] = []
            do { opened.append(try await first) } catch { failures.append(String(reflecting: error)) }
            do { opened.append(try await second) } catch { failures.append(String(reflecting: error)) }
            #expect(failures.isEmpty, "\(failures)")
            if opened.count == 2 {
                let versions = try await opened[0].appliedMigrationVersions()
                #expect(versions == Array(1...PostgresDataStore.schemaVersion))
                // Both work on the one schema.
                try await opened[0].insert(job(Date()))
                #expect(try await opened[1].unfinishedJobCount(apiKeyID: "key") == 1)
            }
            for store in opened { try await store.close() }
            // Opening again applies nothing.
            let again = try await PostgresDataStore.open(url: url, logger: StoreFixture.logger, queryTimeout: StoreFixture.queryTimeout)
            let versions = try await again.appliedMigrationVersions()
            try await again.close()
            #expect(versions.count == PostgresDataStore.schemaVersion)
        }
    }

    @Test(.enabled(if: StoreFixture.databaseURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func openRejectsBadURLsAndDatabaseNames() async throws {
        await #expect(throws: (any Error).self) {
            try await PostgresDataStore.open(url: "mysql://localhost/x", logger: StoreFixture.logger)
        }
        await #expect(throws: (any Error).self) {
            try await PostgresDataStore.open(url: "postgres://localhost/x?sslmode=sometimes", logger: StoreFixture.logger)
        }
        await #expect(throws: (any Error).self) {
            try await PostgresDatabaseAdmin.createDatabase(
                adminURL: try #require(StoreFixture.databaseURL), name: "x; DROP DATABASE postgres", logger: StoreFixture.logger)
        }
        #expect(throws: (any Error).self) { _ = try PostgresDatabaseAdmin.url("postgres://h/db", database: "Upper") }
        // A missing database or a closed port fails on the one plain connection made first, with the
        // server's reason (not PostgresNIO's generic description), not after the pool's minute of
        // retries: the message says so, where a time limit would fail on a loaded machine.
        let adminURL = try #require(StoreFixture.databaseURL)
        let missing = await #expect(throws: (any Error).self) {
            try await PostgresDataStore.open(
                url: try PostgresDatabaseAdmin.url(adminURL, database: "zoetrope_no_such_database"), logger: StoreFixture.logger)
        }
        let missingText = missing.map { "\($0)" } ?? ""
        #expect(missingText.contains("cannot connect to PostgreSQL") && missingText.contains("does not exist"), "\(missingText)")
        let closed = await #expect(throws: (any Error).self) {
            try await PostgresDataStore.open(url: "postgres://postgres@127.0.0.1:1/postgres", logger: StoreFixture.logger)
        }
        #expect(closed.map { "\($0)" }?.hasPrefix("cannot connect to PostgreSQL at 127.0.0.1:1/postgres") == true,
                "\(String(describing: closed))")
        #expect(try PostgresDatabaseAdmin.url("postgresql://u:p@h:5433/db?sslmode=disable", database: "t_1") ==
            "postgresql://u:p@h:5433/t_1?sslmode=disable")
    }

    // MARK: - Webhooks

    @Test(arguments: StoreFixture.all)
    func endingAJobWithAWebhookQueuesOneDelivery(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let (key, _) = try await APIKeyGenerator.create(name: "hooks", in: store)
            let hooked = job(t0, apiKeyID: key.id, webhookURL: "https://example.com/hook")
            let cancelled = job(t0 + 1, apiKeyID: key.id, webhookURL: "https://example.com/other")
            let plain = job(t0 + 2, apiKeyID: key.id)
            for item in [hooked, cancelled, plain] { try await store.insert(item) }
            #expect(try await store.claimDueWebhookDeliveries(now: t0 + 100, claimUntil: t0 + 200, limit: 10).isEmpty)

            _ = try await store.lease(models: [Self.model], owner: "w", expiresAt: t0 + 60, now: t0 + 3)
            #expect(try await store.complete(id: hooked.id, owner: "w", outputKey: "x.mp4", result: nil, now: t0 + 4))
            _ = try await store.cancel(id: cancelled.id, now: t0 + 5)
            _ = try await store.cancel(id: plain.id, now: t0 + 5)
            let deliveries = try await store.webhookDeliveries(jobID: hooked.id)
            #expect(deliveries.count == 1)
            let delivery = try #require(deliveries.first?.0)
            #expect(delivery.url == "https://example.com/hook" && delivery.apiKeyID == key.id && delivery.state == .pending)
            #expect(delivery.attempts == 0 && delivery.body == nil && deliveries.first?.1.isEmpty == true)
            #expect(delivery.nextAttemptAt.timeIntervalSince1970 == (t0 + 4).timeIntervalSince1970)
            #expect(try await store.webhookDeliveries(jobID: cancelled.id).count == 1)
            #expect(try await store.webhookDeliveries(jobID: plain.id).isEmpty)

            // Due at t0+4 and t0+5: not before.
            #expect(try await store.claimDueWebhookDeliveries(now: t0 + 3.5, claimUntil: t0 + 60, limit: 10).isEmpty)
            let claimed = try await store.claimDueWebhookDeliveries(now: t0 + 6, claimUntil: t0 + 60, limit: 10)
            #expect(claimed.map(\.jobID) == [hooked.id, cancelled.id])
            #expect(claimed.allSatisfy { $0.nextAttemptAt.timeIntervalSince1970 == (t0 + 60).timeIntervalSince1970 })
            // Claimed: not handed out again before `claimUntil`, and handed out again after it.
            #expect(try await store.claimDueWebhookDeliveries(now: t0 + 30, claimUntil: t0 + 90, limit: 10).isEmpty)
            #expect(try await store.claimDueWebhookDeliveries(now: t0 + 61, claimUntil: t0 + 120, limit: 1).count == 1)

            // A failed attempt, then a delivered one; a delivered delivery is never claimed again.
            let body = Data(#"{"status":"COMPLETED"}"#.utf8)
            try await store.recordWebhookAttempt(
                deliveryID: delivery.id, body: body,
                attempt: WebhookAttempt(attempt: 1, at: t0 + 7, statusCode: 503, error: "HTTP 503"), state: .pending,
                nextAttemptAt: t0 + 8)
            try await store.recordWebhookAttempt(
                deliveryID: delivery.id, body: body,
                attempt: WebhookAttempt(attempt: 2, at: t0 + 9, statusCode: 200, error: nil), state: .delivered,
                nextAttemptAt: t0 + 9)
            let logged = try #require(try await store.webhookDeliveries(jobID: hooked.id).first)
            #expect(logged.0.state == .delivered && logged.0.attempts == 2 && logged.0.body == body)
            #expect(logged.0.lastError == nil)
            #expect(logged.1.map(\.attempt) == [1, 2])
            #expect(logged.1.map(\.statusCode) == [503, 200])
            #expect(logged.1.first?.error == "HTTP 503")
            #expect(logged.1.first?.at.timeIntervalSince1970 == (t0 + 7).timeIntervalSince1970)
            let later = try await store.claimDueWebhookDeliveries(now: t0 + 1000, claimUntil: t0 + 2000, limit: 10)
            #expect(later.map(\.jobID) == [cancelled.id])
        }
    }

    @Test(arguments: StoreFixture.all)
    func concurrentClaimersNeverGetTheSameDelivery(_ fixture: StoreFixture) async throws {
        try await fixture.withStores(count: 2) { stores in
            let t0 = Date()
            let jobs = (0..<24).map { job(t0 + Double($0) * 0.001, webhookURL: "https://example.com/\($0)") }
            for item in jobs {
                try await stores[0].insert(item)
                _ = try await stores[0].cancel(id: item.id, now: t0 + 1)
            }
            let claimed = try await withThrowingTaskGroup(of: [Int].self) { group in
                for claimer in 0..<6 {
                    let store = stores[claimer % stores.count]
                    group.addTask {
                        var mine: [Int] = []
                        while true {
                            let batch = try await store.claimDueWebhookDeliveries(now: t0 + 2, claimUntil: t0 + 600, limit: 3)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(claimed.count == 24)
            #expect(Set(claimed).count == 24)
        }
    }

    @Test(arguments: StoreFixture.all)
    func theWebhookSecretIsMadeOnceAndKept(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let (key, _) = try await APIKeyGenerator.create(name: "k", in: store)
            let secrets = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await store.webhookSecret(apiKeyID: key.id) } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(secrets.count == 1)
            let secret = try #require(secrets.first)
            #expect(secret.hasPrefix("whsec_") && secret.count == 70)
            #expect(try await store.webhookSecret(apiKeyID: key.id) == secret)
            await #expect(throws: (any Error).self) { try await store.webhookSecret(apiKeyID: "nope") }
        }
    }

    // MARK: - Keys, idempotency, history, voices

    @Test(arguments: StoreFixture.all)
    func keysKeepTheirRoleAccessModelsCreditsAndWebhook(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000.5)
            let (admin, _) = try await APIKeyGenerator.create(name: "admin", in: store, options: KeyOptions(role: .admin), now: t0)
            let (limited, _) = try await APIKeyGenerator.create(
                name: "limited", in: store,
                options: KeyOptions(
                    access: .submitOnly, models: [Self.model, "voice"], credits: Credits("12.5"),
                    webhookURL: "https://example.com/hook"),
                now: t0 + 1)
            #expect(try await store.key(id: admin.id) == admin)
            #expect(try await store.key(id: limited.id) == limited)
            #expect(try await store.key(hash: limited.keyHash) == limited)
            #expect(try await store.keys().map(\.id) == [admin.id, limited.id])
            #expect(try await store.key(id: "nope") == nil)
            // Revoking keeps the first revocation time.
            #expect(try await store.revokeKey(id: admin.id, now: t0 + 5))
            #expect(try await store.revokeKey(id: admin.id, now: t0 + 9))
            #expect(try await store.key(id: admin.id)?.revokedAt?.timeIntervalSince1970 == (t0 + 5).timeIntervalSince1970)
            // The hash is unique.
            await #expect(throws: (any Error).self) {
                try await store.insertKey(APIKey(id: "dup", name: "dup", keyHash: admin.keyHash, createdAt: t0))
            }
        }
    }

    @Test(arguments: StoreFixture.all)
    func idempotencyKeysHoldTheFirstClaim(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let first = try await store.claimIdempotencyKey("k1", apiKeyID: "a", bodyHash: "h1", requestID: "r1", now: t0)
            #expect(first.requestID == "r1" && first.bodyHash == "h1")
            let again = try await store.claimIdempotencyKey("k1", apiKeyID: "a", bodyHash: "h2", requestID: "r2", now: t0 + 1)
            #expect(again.requestID == "r1" && again.bodyHash == "h1")
            // Keys are per API key.
            #expect(try await store.claimIdempotencyKey("k1", apiKeyID: "b", bodyHash: "h3", requestID: "r3", now: t0).requestID == "r3")
            // Only the claim's own request releases it.
            try await store.releaseIdempotencyKey("k1", apiKeyID: "a", requestID: "r2")
            #expect(try await store.claimIdempotencyKey("k1", apiKeyID: "a", bodyHash: "h4", requestID: "r4", now: t0).requestID == "r1")
            try await store.releaseIdempotencyKey("k1", apiKeyID: "a", requestID: "r1")
            #expect(try await store.claimIdempotencyKey("k1", apiKeyID: "a", bodyHash: "h5", requestID: "r5", now: t0 + 10).requestID == "r5")
            // Expiry forgets claims made before the cutoff.
            try await store.expireIdempotencyKeys(claimedBefore: t0 + 5)
            #expect(try await store.claimIdempotencyKey("k1", apiKeyID: "b", bodyHash: "h6", requestID: "r6", now: t0 + 20).requestID == "r6")
            #expect(try await store.claimIdempotencyKey("k1", apiKeyID: "a", bodyHash: "h7", requestID: "r7", now: t0 + 20).requestID == "r5")

            // Concurrent claims of one key: exactly one holds.
            let holders = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await store.claimIdempotencyKey(
                            "race", apiKeyID: "a", bodyHash: "h", requestID: "q\(index)", now: t0).requestID
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(holders.count == 1)
        }
    }

    @Test(arguments: StoreFixture.all)
    func historyFiltersAndPagesNewestFirst(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            let jobs = (0..<6).map { job(t0 + Double($0) * 10, model: $0 % 2 == 0 ? Self.model : "voice") }
            for item in jobs { try await store.insert(item) }
            try await store.insert(job(t0, apiKeyID: "other"))
            _ = try await store.cancel(id: jobs[4].id, now: t0 + 100)

            let all = try await store.jobs(apiKeyID: "key", filter: JobFilter(), limit: 10, offset: 0)
            #expect(all.total == 6)
            #expect(all.jobs.map(\.id) == jobs.reversed().map(\.id))
            let page = try await store.jobs(apiKeyID: "key", filter: JobFilter(), limit: 2, offset: 2)
            #expect(page.total == 6)
            #expect(page.jobs.map(\.id) == [jobs[3].id, jobs[2].id])
            let voice = try await store.jobs(apiKeyID: "key", filter: JobFilter(model: "voice"), limit: 10, offset: 0)
            #expect(voice.total == 3 && voice.jobs.map(\.id) == [jobs[5].id, jobs[3].id, jobs[1].id])
            let cancelled = try await store.jobs(apiKeyID: "key", filter: JobFilter(status: .cancelled), limit: 10, offset: 0)
            #expect(cancelled.total == 1 && cancelled.jobs.first?.id == jobs[4].id)
            // `from` is inclusive, `to` exclusive.
            let window = try await store.jobs(
                apiKeyID: "key", filter: JobFilter(status: .queued, from: t0 + 10, to: t0 + 40), limit: 10, offset: 0)
            #expect(window.total == 3 && window.jobs.map(\.id) == [jobs[3].id, jobs[2].id, jobs[1].id])
            let combined = try await store.jobs(
                apiKeyID: "key", filter: JobFilter(status: .queued, model: Self.model, from: t0 + 10, to: t0 + 40),
                limit: 10, offset: 0)
            #expect(combined.total == 1 && combined.jobs.map(\.id) == [jobs[2].id])
            let past = try await store.jobs(apiKeyID: "key", filter: JobFilter(), limit: 10, offset: 10)
            #expect(past.total == 6 && past.jobs.isEmpty)
            #expect(try await store.jobs(apiKeyID: "nobody", filter: JobFilter(), limit: 10, offset: 0).total == 0)
        }
    }

    @Test(arguments: StoreFixture.all)
    func voicesBelongToTheirKey(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            func voice(_ id: String, key: String, at: Date, pitch: Double = 120) -> VoiceProfile {
                VoiceProfile(
                    id: id, name: "v-\(id)", apiKeyID: key, pitchHz: pitch, syllablesPerSecond: 4.5, espeakVariant: "m3",
                    espeakPitch: 40, wordsPerMinute: 160, createdAt: at)
            }
            try await store.saveVoice(voice("b", key: "k1", at: t0 + 1))
            try await store.saveVoice(voice("a", key: "k1", at: t0 + 2))
            try await store.saveVoice(voice("c", key: "k2", at: t0))
            // Saving the same id again replaces it.
            try await store.saveVoice(voice("b", key: "k1", at: t0 + 1, pitch: 200))
            #expect(try await store.voices(apiKeyID: "k1").map(\.id) == ["b", "a"])
            #expect(try await store.voice(id: "b", apiKeyID: "k1")?.pitchHz == 200)
            #expect(try await store.voice(id: "b", apiKeyID: "k1") == voice("b", key: "k1", at: t0 + 1, pitch: 200))
            #expect(try await store.voice(id: "c", apiKeyID: "k1") == nil)
            #expect(try await !store.deleteVoice(id: "c", apiKeyID: "k1"))
            #expect(try await store.deleteVoice(id: "c", apiKeyID: "k2"))
            #expect(try await store.voices(apiKeyID: "k2").isEmpty)
        }
    }

    @Test(arguments: StoreFixture.all)
    func theStoreIsReachable(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            try await store.checkReachable()
        }
    }
}
