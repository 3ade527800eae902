import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The status poll's read: a job's state as `job(id:)` has it, at every step of its life, though
/// status polls are answered from memory until the job changes (this process's writes at once;
/// on PostgreSQL another process's through `NOTIFY zoetrope_jobs`).
extension JobStoreTests {
    @Test(arguments: StoreFixture.all)
    func snapshotsFollowTheJob(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let queued = job(Date(timeIntervalSince1970: 1_764_000_000.125))
            try await store.insert(queued)
            func same() async throws {
                let full = try #require(try await store.job(id: queued.id))
                #expect(try await store.snapshot(id: queued.id) == full.snapshot)
            }
            try await same()
            let now = Date()
            _ = try #require(try await store.lease(models: [Self.model], owner: "w", expiresAt: now + 60, now: now))
            #expect(try await store.updateProgress(id: queued.id, owner: "w", progress: 0.375, now: now + 1))
            try await same()
            #expect(try await store.fail(id: queued.id, owner: "w", error: "broken", now: now + 2))
            try await same()
            #expect(try await store.snapshot(id: queued.id)?.error == "broken")
            #expect(try await store.snapshot(id: "no-such-job") == nil)
        }
    }

    /// Every write to a job shows in the very next poll of it, though the poll before was answered
    /// (and kept) just before the write.
    @Test(arguments: StoreFixture.all)
    func everyWriteShowsInTheNextPoll(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            func polledAsStored(_ id: String, _ step: String) async throws {
                let stored = try await store.job(id: id)?.snapshot
                #expect(try await store.snapshot(id: id) == stored, "after \(step)")
                #expect(try await store.snapshot(id: id) == stored, "after \(step), polled again")
            }
            let item = unscreenedJob(t0, until: t0 + 30)
            try await store.insert(item)
            try await polledAsStored(item.id, "insert")
            #expect(try await store.claimUnscreened(now: t0 + 31, until: t0 + 60, limit: 5).map(\.id) == [item.id])
            try await polledAsStored(item.id, "claimUnscreened")
            #expect(try await store.markScreened(id: item.id, request: nil, now: t0 + 32))
            try await polledAsStored(item.id, "markScreened")
            _ = try #require(try await store.lease(models: [Self.model], owner: "w", expiresAt: t0 + 40, now: t0 + 33))
            try await polledAsStored(item.id, "lease")
            #expect(try await store.heartbeat(id: item.id, owner: "w", expiresAt: t0 + 50, now: t0 + 34))
            try await polledAsStored(item.id, "heartbeat")
            #expect(try await store.updateProgress(id: item.id, owner: "w", progress: 0.5, now: t0 + 35))
            try await polledAsStored(item.id, "updateProgress")
            let pinned = UpstreamRequest(upstream: "segmind", slug: Self.model)
            #expect(try await store.recordUpstream(id: item.id, owner: "w", upstream: pinned, now: t0 + 36))
            try await polledAsStored(item.id, "recordUpstream")
            try await store.release(id: item.id, owner: "w", now: t0 + 37)
            try await polledAsStored(item.id, "release")
            _ = try #require(try await store.leaseForUpstream(
                cutoffs: [Self.model: t0 - 3600], owner: "u", expiresAt: t0 + 60, now: t0 + 38))
            try await polledAsStored(item.id, "leaseForUpstream")
            #expect(try await store.failAttempt(id: item.id, owner: "u", error: "flaky", now: t0 + 39)?.status == .queued)
            try await polledAsStored(item.id, "failAttempt")
            _ = try #require(try await store.leaseForUpstream(
                cutoffs: [Self.model: t0 - 3600], owner: "v", expiresAt: t0 + 70, now: t0 + 40))
            #expect(try await store.complete(
                id: item.id, owner: "v", outputKey: "out.mp4", result: nil, stages: ["render": 1.5, "encode": 2.25],
                now: t0 + 41))
            try await polledAsStored(item.id, "complete")
            #expect(try await store.job(id: item.id)?.stages == ["render": 1.5, "encode": 2.25])

            let cancelled = job(t0 + 1)
            try await store.insert(cancelled)
            try await polledAsStored(cancelled.id, "insert")
            _ = try #require(try await store.cancel(id: cancelled.id, now: t0 + 42))
            try await polledAsStored(cancelled.id, "cancel")

            let failed = job(t0 + 2)
            try await store.insert(failed)
            try await polledAsStored(failed.id, "insert")
            #expect(try await store.fail(id: failed.id, owner: nil, error: "refused", now: t0 + 43))
            try await polledAsStored(failed.id, "fail")

            let abandoned = job(t0 + 3, maxAttempts: 1)
            try await store.insert(abandoned)
            _ = try #require(try await store.lease(models: [Self.model], owner: "gone", expiresAt: t0 + 44, now: t0 + 43))
            try await polledAsStored(abandoned.id, "lease")
            #expect(try await store.failAbandoned(now: t0 + 45).map(\.id) == [abandoned.id])
            try await polledAsStored(abandoned.id, "failAbandoned")

            _ = try await store.expire(createdBefore: t0 + 3600)
            for id in [item.id, cancelled.id, failed.id, abandoned.id] {
                #expect(try await store.snapshot(id: id) == nil, "expired")
            }
        }
    }

    /// PostgreSQL: a change made by another process shows in this one's polls (its `NOTIFY`: the
    /// poller keeps what it reads for an hour otherwise), also after this process's `LISTEN`
    /// connection dropped and came back.
    @Test(.enabled(if: StoreFixture.databaseURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func anotherProcessesChangesShowInPolls() async throws {
        try await StoreFixture.withPostgresDatabase { url in
            var stores: [PostgresDataStore] = []
            do {
                for _ in 0..<2 {
                    stores.append(try await PostgresDataStore.open(
                        url: url, logger: StoreFixture.logger, maximumConnections: 4,
                        schemaVersion: PostgresDataStore.schemaVersion, queryTimeout: StoreFixture.queryTimeout,
                        snapshotMaxAge: .seconds(3600)))
                }
                try await pollsFollowAnotherProcess(poller: stores[0], writer: stores[1])
            } catch {
                for store in stores { try? await store.close() }
                throw error
            }
            for store in stores { try await store.close() }
        }
    }

    private func pollsFollowAnotherProcess(poller: PostgresDataStore, writer: PostgresDataStore) async throws {
        let t0 = Date()
        let item = job(t0)
        try await writer.insert(item)
        #expect(try await poller.snapshot(id: item.id)?.status == .queued)
        _ = try #require(try await writer.lease(models: [Self.model], owner: "w", expiresAt: t0 + 600, now: t0))
        func polled(_ expected: (JobSnapshot?) -> Bool) async throws -> Bool {
            // A deadline for the notification, not a measure of its speed: a loaded machine may be slow.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if expected(try await poller.snapshot(id: item.id)) { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return false
        }
        #expect(try await polled { $0?.status == .processing })
        #expect(try await writer.updateProgress(id: item.id, owner: "w", progress: 0.25, now: t0 + 1))
        #expect(try await polled { $0?.progress == 0.25 })

        #expect(try await poller.terminateListenSessions() == 2)
        #expect(try await writer.updateProgress(id: item.id, owner: "w", progress: 0.5, now: t0 + 2))
        #expect(try await polled { $0?.progress == 0.5 })
        try await Task.sleep(for: .seconds(1))  // the listener is back (its first retry comes after 100 ms)
        #expect(try await writer.complete(id: item.id, owner: "w", outputKey: "o", result: nil, now: t0 + 3))
        #expect(try await polled { $0?.status == .completed })
    }
}
