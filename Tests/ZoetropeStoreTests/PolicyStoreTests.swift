import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// The content policy's store (``PolicyStore``), run against every store: the image hash list and
/// the record of blocked and flagged requests.
struct PolicyStoreTests {
    @Test(arguments: StoreFixture.all)
    func imagesAreListedOldestFirstAndRemovedById(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000.25)
            let later = PolicyImage(hash: "0f0f0f0f0f0f0f0f", category: "violence", label: "b.png", addedAt: t0 + 5)
            let earlier = PolicyImage(hash: "ffff0000ffff0000", category: "sexual", label: "a.jpg", addedAt: t0)
            #expect(try await store.policyImages().isEmpty)
            try await store.addPolicyImage(later)
            try await store.addPolicyImage(earlier)
            #expect(try await store.policyImages() == [earlier, later])
            // Ids are unique.
            await #expect(throws: (any Error).self) { try await store.addPolicyImage(earlier) }

            #expect(try await store.removePolicyImage(id: earlier.id))
            #expect(try await !store.removePolicyImage(id: earlier.id))
            #expect(try await !store.removePolicyImage(id: "nope"))
            #expect(try await store.policyImages() == [later])
        }
    }

    @Test(arguments: StoreFixture.all)
    func eventsAreListedNewestFirstUpToTheLimit(_ fixture: StoreFixture) async throws {
        try await fixture.withStore { store in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000.5)
            func event(_ job: String, at: Date, action: String = "block") -> PolicyEvent {
                PolicyEvent(
                    jobID: job, apiKeyID: "key", model: "kling-3-pro-image2video", category: "violence", action: action,
                    source: "terms", field: "multi_prompt[2].prompt", createdAt: at)
            }
            let first = event("j1", at: t0), second = event("j2", at: t0 + 1, action: "flag")
            let third = event("j3", at: t0 + 2), sameTime = event("j4", at: t0 + 2)
            #expect(try await store.policyEvents(limit: 10).isEmpty)
            for item in [second, first, third, sameTime] { try await store.recordPolicyEvent(item) }
            // Newest first; of two at one time, the one recorded last first.
            #expect(try await store.policyEvents(limit: 10) == [sameTime, third, second, first])
            #expect(try await store.policyEvents(limit: 2) == [sameTime, third])
            // Recording the same event twice keeps both.
            try await store.recordPolicyEvent(first)
            #expect(try await store.policyEvents(limit: 10).count == 5)
        }
    }
}
