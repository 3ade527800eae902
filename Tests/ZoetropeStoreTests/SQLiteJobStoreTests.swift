import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The queue's state machine on the embedded store: leasing, heartbeats, lease expiry,
/// completion by the lease owner only, release, abandonment and expiry.
struct SQLiteJobStoreTests {
    static let model = "kling-3-pro-image2video"

    /// Runs `body` against a store in a fresh temporary file, closing it afterwards.
    func withStore(_ body: (SQLiteJobStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        let store = try await SQLiteJobStore.open(path: directory.appendingPathComponent("z.sqlite").path)
        do {
            try await body(store)
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
        try? FileManager.default.removeItem(at: directory)
    }

    func job(_ created: Date, maxAttempts: Int = 3, model: String = model) -> Job {
        Job(
            apiKeyID: "key", model: model,
            request: .video(GenerationRequest(prompt: "x", startImage: .remote(URL(string: "https://example.com/a.jpg")!))),
            maxAttempts: maxAttempts, createdAt: created)
    }

    @Test func leasesOldestFirstAndReportsQueuePositions() async throws {
        try await withStore { store in
            let t0 = Date()
            let first = job(t0), second = job(t0.addingTimeInterval(1)), third = job(t0.addingTimeInterval(2))
            for item in [third, first, second] { try await store.insert(item) }
            #expect(try await store.queuePosition(of: first) == 1)
            #expect(try await store.queuePosition(of: third) == 3)

            let leased = try #require(try await store.lease(models: [Self.model], owner: "a", expiresAt: t0 + 30, now: t0))
            #expect(leased.id == first.id)
            #expect(leased.status == .processing)
            #expect(leased.attempts == 1)
            #expect(leased.leaseOwner == "a")
            #expect(try await store.queuePosition(of: try #require(try await store.job(id: third.id))) == 2)
            #expect(try await store.queuePosition(of: leased) == 0)
            // Another model's runner sees nothing.
            #expect(try await store.lease(models: ["other"], owner: "b", expiresAt: t0 + 30, now: t0) == nil)
        }
    }

    @Test func onlyTheLeaseOwnerCompletesAndExpiredLeasesAreRetaken() async throws {
        try await withStore { store in
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

    @Test func lostLastAttemptEndsFailedAndReleaseDoesNotCountAnAttempt() async throws {
        try await withStore { store in
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

    @Test func progressAndFailureNeedTheOwner() async throws {
        try await withStore { store in
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

    @Test func cancelEndsQueuedAndRunningJobsOnce() async throws {
        try await withStore { store in
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

    @Test func expiryDeletesJobsSubmittedBeforeTheCutoff() async throws {
        try await withStore { store in
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

    @Test func keysAreStoredAsHashesAndCanBeRevoked() async throws {
        try await withStore { store in
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
}
