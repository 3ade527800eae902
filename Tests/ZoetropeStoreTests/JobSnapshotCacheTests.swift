import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The status polls' cache on its own: what it keeps, and the reads it refuses to keep because a
/// change raced them.
struct JobSnapshotCacheTests {
    func snapshot(_ id: String, progress: Double) -> JobSnapshot {
        JobSnapshot(
            id: id, apiKeyID: "key", status: .processing, progress: progress, error: nil, createdAt: Date(),
            updatedAt: Date())
    }

    @Test func aReadIsKeptUntilItsJobChanges() async throws {
        let cache = JobSnapshotCache()
        var reads = 0
        let read: () async throws -> JobSnapshot? = { reads += 1; return self.snapshot("a", progress: Double(reads)) }
        #expect(try await cache.snapshot(id: "a", read: read)?.progress == 1)
        #expect(try await cache.snapshot(id: "a", read: read)?.progress == 1)
        cache.changed("b")
        #expect(try await cache.snapshot(id: "a", read: read)?.progress == 1)
        cache.changed("a")
        #expect(try await cache.snapshot(id: "a", read: read)?.progress == 2)
        #expect(try await cache.snapshot(id: "a", read: read)?.progress == 2)
        cache.changed(nil)
        #expect(try await cache.snapshot(id: "a", read: read)?.progress == 3)
        #expect(reads == 3)
    }

    @Test func aReadThatAChangeRacedIsNotKept() {
        let cache = JobSnapshotCache()
        let ticket = cache.beginRead()
        cache.changed("a")
        cache.keep(snapshot("a", progress: 0.1), ticket: ticket)
        #expect(cache.cached(id: "a") == nil)
        // A read begun after the change is kept.
        cache.keep(snapshot("a", progress: 0.2), ticket: cache.beginRead())
        #expect(cache.cached(id: "a")?.progress == 0.2)

        let beforeForgetting = cache.beginRead()
        cache.changed(nil)
        cache.keep(snapshot("b", progress: 0.3), ticket: beforeForgetting)
        #expect(cache.cached(id: "b") == nil)
        // A read that raced a change stays out even after a later read was kept.
        let stale = cache.beginRead()
        cache.changed("a")
        let fresh = cache.beginRead()
        cache.keep(snapshot("a", progress: 0.9), ticket: fresh)
        cache.keep(snapshot("a", progress: 0.5), ticket: stale)
        #expect(cache.cached(id: "a")?.progress == 0.9)
        // Another job's change does not spoil a read.
        let ticket2 = cache.beginRead()
        cache.changed("c")
        cache.keep(snapshot("b", progress: 0.4), ticket: ticket2)
        #expect(cache.cached(id: "b")?.progress == 0.4)
    }

    @Test func nothingIsServedWhileChangesMayGoUnheard() {
        let cache = JobSnapshotCache(trusted: false)
        cache.keep(snapshot("a", progress: 0.1), ticket: cache.beginRead())
        #expect(cache.cached(id: "a") == nil)
        let ticket = cache.beginRead()
        cache.setTrusted(true)
        // Begun while changes went unheard: not kept.
        cache.keep(snapshot("a", progress: 0.2), ticket: ticket)
        #expect(cache.cached(id: "a") == nil)
        cache.keep(snapshot("a", progress: 0.3), ticket: cache.beginRead())
        #expect(cache.cached(id: "a")?.progress == 0.3)
        cache.setTrusted(false)
        #expect(cache.cached(id: "a") == nil)
    }

    @Test func anEntryIsServedForAtMostItsMaximumAge() async throws {
        let cache = JobSnapshotCache(maxAge: .milliseconds(50))
        cache.keep(snapshot("a", progress: 0.1), ticket: cache.beginRead())
        #expect(cache.cached(id: "a") != nil)
        try await Task.sleep(for: .milliseconds(60))
        #expect(cache.cached(id: "a") == nil)
    }

    @Test func aFullCacheStartsAfresh() {
        let cache = JobSnapshotCache(capacity: 3)
        for id in ["a", "b", "c"] { cache.keep(snapshot(id, progress: 0), ticket: cache.beginRead()) }
        cache.changed("d")
        #expect(cache.cached(id: "a") == nil)
        cache.keep(snapshot("e", progress: 0), ticket: cache.beginRead())
        #expect(cache.cached(id: "e") != nil)
    }
}
