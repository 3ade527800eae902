import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The status poll's read: a job's state as `job(id:)` has it, at every step of its life.
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
}
