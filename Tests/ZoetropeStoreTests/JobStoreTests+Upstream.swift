import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// Jobs run on an upstream, on every store: the upstream slots take a routed model's queued job
/// at once or once its wait is over; a job recorded as on an upstream (by its lease's owner only)
/// is pinned there, so render slots and remote workers never take it, and after an expired lease
/// or a hand-back the upstream slots take it again with its record; stores upgraded from the
/// previous schema keep their jobs where they were.
extension JobStoreTests {
    static let other = "ltx-2-image2video"

    @Test(arguments: StoreFixture.all)
    func upstreamSlotsTakeARoutedJobOnceItsWaitIsOver(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let overflow = job(t0), only = job(t0 + 1, model: Self.other)
            for item in [overflow, only] { try await store.insert(item) }
            // Kling overflows after 10 s; LTX-2 goes upstream at once.
            let cutoffs = { (now: Date) in [Self.model: now - 10, Self.other: now] }
            let first = try await store.leaseForUpstream(cutoffs: cutoffs(t0 + 2), owner: "u", expiresAt: t0 + 600, now: t0 + 2)
            #expect(first?.id == only.id && first?.status == .processing && first?.attempts == 1)
            #expect(try await store.leaseForUpstream(cutoffs: cutoffs(t0 + 9), owner: "u", expiresAt: t0 + 39, now: t0 + 9) == nil)
            let second = try await store.leaseForUpstream(cutoffs: cutoffs(t0 + 10), owner: "u", expiresAt: t0 + 600, now: t0 + 10)
            #expect(second?.id == overflow.id)
            // Models not routed are never taken (while the routed ones' leases hold).
            try await store.insert(job(t0, model: "unrouted"))
            #expect(try await store.leaseForUpstream(cutoffs: cutoffs(t0 + 60), owner: "u", expiresAt: t0 + 90, now: t0 + 60) == nil)
            #expect(try await store.leaseForUpstream(cutoffs: [:], owner: "u", expiresAt: t0 + 90, now: t0 + 60) == nil)
        }
    }

    @Test(arguments: StoreFixture.all)
    func aJobOnAnUpstreamStaysThereThroughExpiredLeasesAndHandBacks(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date()
            let item = job(t0)
            try await store.insert(item)
            let cutoffs = [Self.model: t0 - 3600]  // an overflow wait no job has reached
            _ = try #require(try await store.lease(models: [Self.model], owner: "slot", expiresAt: t0 + 10, now: t0))
            // Only the lease's owner records where the job runs.
            let pinned = UpstreamRequest(upstream: "segmind", slug: Self.model)
            #expect(try await !store.recordUpstream(id: item.id, owner: "other", upstream: pinned, now: t0 + 1))
            #expect(try await store.recordUpstream(id: item.id, owner: "slot", upstream: pinned, now: t0 + 1))
            var submitted = pinned
            submitted.requestID = "up-1"
            #expect(try await store.recordUpstream(id: item.id, owner: "slot", upstream: submitted, now: t0 + 2))
            #expect(try await store.job(id: item.id)?.upstream == submitted)

            // Its lease expires: render slots and workers pass it by; the upstream slots take it,
            // whatever the overflow wait, with what was recorded.
            #expect(try await store.lease(models: [Self.model], owner: "slot2", expiresAt: t0 + 60, now: t0 + 30) == nil)
            let resumed = try #require(
                try await store.leaseForUpstream(cutoffs: cutoffs, owner: "u1", expiresAt: t0 + 60, now: t0 + 30))
            #expect(resumed.id == item.id && resumed.attempts == 2 && resumed.upstream == submitted)

            // Handed back on shutdown: queued again, still on the upstream.
            try await store.release(id: item.id, owner: "u1", now: t0 + 31)
            let released = try #require(try await store.job(id: item.id))
            #expect(released.status == .queued && released.upstream == submitted)
            #expect(try await store.lease(models: [Self.model], owner: "slot2", expiresAt: t0 + 90, now: t0 + 32) == nil)
            let again = try #require(
                try await store.leaseForUpstream(cutoffs: cutoffs, owner: "u2", expiresAt: t0 + 90, now: t0 + 32))
            #expect(again.id == item.id)

            // Finished with the upstream's metrics; a lost lease records nothing.
            submitted.metrics = ["inference_time": 12.5, "cost": 0.5]
            #expect(try await !store.recordUpstream(id: item.id, owner: "u1", upstream: submitted, now: t0 + 40))
            #expect(try await store.recordUpstream(id: item.id, owner: "u2", upstream: submitted, now: t0 + 40))
            #expect(try await store.complete(id: item.id, owner: "u2", outputKey: "\(item.id)-3.mp4", result: nil, now: t0 + 41))
            let done = try #require(try await store.job(id: item.id))
            #expect(done.status == .completed && done.upstream?.metrics?["cost"]?.numberValue == 0.5)
            #expect(try await !store.recordUpstream(id: item.id, owner: "u2", upstream: pinned, now: t0 + 42))
        }
    }

    @Test(arguments: StoreFixture.all)
    func jobsQueuedBeforeUpstreamsExistedStayWithTheRenderSlots(_ fixture: StoreFixture) async throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        // From the schemas before the upstream's migration.
        try await fixture.withStoreUpgraded(
            from: (sqlite: 7, postgres: 4),
            seeding: [try oldQueuedJobRow("old", created: t0)]
        ) { store in
            let old = try #require(try await store.job(id: "old"))
            #expect(old.status == .queued && old.upstream == nil)
            #expect(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 60, now: t0 + 2)?.id == "old")
        }
    }
}
